export {
  breakerStates,
  createBreaker,
  isBreakerOpen,
  isBreakerTimeout,
  type Breaker,
  type BreakerOptions,
  type BreakerState,
  type BreakerStats,
} from './breaker';
export { backoffDelay, retry, type RetryOptions } from './retry';
