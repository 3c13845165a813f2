import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { isRole, type Role } from '../domain/identity';
import { isBookingAction, type BookingAction } from '../domain/rate-limit';

/** The OpenAPI document as parsed (only the parts the gateway reads are typed). */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  security?: Array<Record<string, string[]>>;
  [key: string]: unknown;
}

/** One documented operation, with the gateway's extensions read out. */
export interface Operation {
  method: string;
  /** The path template (`/v1/holds/{holdId}`). */
  path: string;
  operationId: string;
  /** Callable without a token (a token that is sent must still be valid). */
  anonymous: boolean;
  /** `x-roles`: roles accepted; empty = any signed-in caller. */
  roles: Role[];
  /** `x-rate-limit`: the action the operation counts against, besides every request. */
  rateLimit?: BookingAction;
  /** `x-session-mutation`: a change of the user's hold/booking state, serialised across devices. */
  sessionMutation: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `services/gateway/openapi.yaml`, found from the source tree or beside the bundle (dist/). */
export function openApiPath(from: string = __dirname): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`openapi.yaml not found above ${from}`);
}

export function loadOpenApiDocument(path: string = openApiPath()): OpenApiDocument {
  return parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

function isAnonymous(security: Array<Record<string, string[]>> | undefined): boolean {
  return security !== undefined && (security.length === 0 || security.some((s) => Object.keys(s).length === 0));
}

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const security = (op.security as Array<Record<string, string[]>> | undefined) ?? doc.security;
      const roles = Array.isArray(op['x-roles']) ? (op['x-roles'] as unknown[]).filter(isRole) : [];
      const rateLimit = isBookingAction(op['x-rate-limit']) ? op['x-rate-limit'] : undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: String(op.operationId ?? `${method} ${path}`),
        anonymous: isAnonymous(security),
        roles,
        ...(rateLimit ? { rateLimit } : {}),
        sessionMutation: op['x-session-mutation'] === true,
      });
    }
  }
  return out;
}

export interface OperationIndex {
  /** The operation a request addresses (paths compare case-sensitively), if any. */
  find(method: string, path: string): Operation | undefined;
  /** The methods documented for a path (for 405 and Allow). */
  methodsAt(path: string): string[];
}

/** Finds the operation a request addresses; literal path segments win over templated ones. */
export function operationIndex(operations: Operation[]): OperationIndex {
  const compiled = operations
    .map((op) => {
      const segments = op.path.split('/');
      const pattern = segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '([^/]+)' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/');
      const literals = segments.filter((s) => s !== '' && !s.startsWith('{')).length;
      return { op, re: new RegExp(`^${pattern}/?$`), literals };
    })
    .sort((a, b) => b.literals - a.literals);
  return {
    find(method, path) {
      const m = method === 'HEAD' ? 'GET' : method;
      return compiled.find((c) => c.op.method === m && c.re.test(path))?.op;
    },
    methodsAt: (path) => [...new Set(compiled.filter((c) => c.re.test(path)).map((c) => c.op.method))],
  };
}
