import './request';

export { createHttpApp, type HttpAppOptions } from './app';
export {
  errorHandler,
  fieldErrors,
  HttpProblem,
  kebab,
  notFoundHandler,
  problem,
  PROBLEM_BASE,
  PROBLEM_CONTENT_TYPE,
  problemType,
  toHttpProblem,
  type FieldError,
  type ProblemBody,
  type ProblemExtra,
} from './problem';
export { parsed, validate, type Parsed, type RequestSchemas } from './validate';
export { idempotencyKeys, type IdempotencyOptions, type IdempotencyRedis } from './idempotency';
export {
  gracefulShutdown,
  listen,
  type GracefulShutdownOptions,
  type ShutdownHandle,
  type ShutdownStep,
} from './server';
export { requireRole, rolesOf, type Role } from './roles';
export {
  operationsRoutes,
  type OperationsBus,
  type OperationsInboxEntry,
  type OperationsOutboxEntry,
  type OperationsRoutesOptions,
} from './operations';
