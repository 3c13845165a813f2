import CircuitBreaker from 'opossum';
import { counter, gauge, type Logger } from '@matchday/observability';

export type BreakerState = 'closed' | 'halfOpen' | 'open';

export interface BreakerOptions<A extends unknown[], R> {
  /** A call taking longer fails with a timeout (code ETIMEDOUT), which counts as a failure. */
  timeoutMs: number;
  /** Failure percentage over the rolling window that opens the breaker. Default 50. */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open. Default 5. */
  volumeThreshold?: number;
  /** How long the breaker stays open before letting one trial call through (half-open). Default 10 s. */
  resetTimeoutMs?: number;
  /** Length of the rolling statistics window. Default 10 s. */
  rollingCountTimeoutMs?: number;
  /**
   * Answer used instead of failing: called with the call's arguments and then the error, for
   * failures, timeouts and calls rejected while open (not for errors `isFailure` excludes).
   */
  fallback?: (...argsAndError: [...A, unknown]) => R | Promise<R>;
  /**
   * Whether an error says the dependency is unhealthy. Errors for which it returns false (a card
   * decline, a 4xx) still reach the caller but do not count towards opening. Default: every error.
   * Timeouts always count.
   */
  isFailure?: (err: unknown) => boolean;
  logger?: Logger;
}

export interface BreakerStats {
  fires: number;
  successes: number;
  failures: number;
  timeouts: number;
  rejects: number;
  fallbacks: number;
  latencyMeanMs: number;
}

/** A dependency call wrapped in a circuit breaker. */
export interface Breaker<A extends unknown[], R> {
  readonly name: string;
  /** Calls the action through the breaker. Rejects fast (see {@link isBreakerOpen}) while open. */
  fire(...args: A): Promise<R>;
  state(): BreakerState;
  /** Counts over the rolling window. */
  stats(): BreakerStats;
  /** Stops the breaker's timers and removes it from {@link breakerStates}. */
  shutdown(): void;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

const stateGauge = gauge({
  name: 'circuit_breaker_state',
  help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
  labelNames: ['breaker'],
});

const events = counter({
  name: 'circuit_breaker_events_total',
  help: 'Circuit breaker events: success, failure, timeout, reject, fallback, excluded (errors isFailure ignores), open, close, halfOpen',
  labelNames: ['breaker', 'event'],
});

const breakers = new Map<string, { state: () => BreakerState; stats: () => BreakerStats }>();

function stateOf(circuit: CircuitBreaker): BreakerState {
  if (circuit.opened) return 'open';
  if (circuit.halfOpen) return 'halfOpen';
  return 'closed';
}

function statsOf(circuit: CircuitBreaker): BreakerStats {
  const s = circuit.stats;
  return {
    fires: s.fires,
    successes: s.successes,
    failures: s.failures,
    timeouts: s.timeouts,
    rejects: s.rejects,
    fallbacks: s.fallbacks,
    latencyMeanMs: s.latencyMean,
  };
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** True for the error a breaker answers with while open (opossum's EOPENBREAKER). */
export function isBreakerOpen(err: unknown): boolean {
  return errorCode(err) === 'EOPENBREAKER';
}

/** True for the error a breaker answers with when the action outlived `timeoutMs`. */
export function isBreakerTimeout(err: unknown): boolean {
  return errorCode(err) === 'ETIMEDOUT' && err instanceof Error && err.message.startsWith('Timed out after');
}

/**
 * Wraps `action` in an opossum circuit breaker named `name` (the `breaker` label of its metrics):
 * `circuit_breaker_state{breaker}` and `circuit_breaker_events_total{breaker,event}`; a warn line
 * when it opens, info when it half-opens and closes. A breaker created under an existing name
 * replaces the old one in {@link breakerStates}.
 */
export function createBreaker<A extends unknown[], R>(
  name: string,
  action: (...args: A) => Promise<R>,
  opts: BreakerOptions<A, R>,
): Breaker<A, R> {
  const isFailure = opts.isFailure ?? (() => true);
  const excluded = new WeakSet<object>();
  const circuit = new CircuitBreaker<A, R>(action, {
    name,
    timeout: opts.timeoutMs,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    volumeThreshold: opts.volumeThreshold ?? 5,
    resetTimeout: opts.resetTimeoutMs ?? 10_000,
    rollingCountTimeout: opts.rollingCountTimeoutMs ?? 10_000,
    // opossum's errorFilter is the opposite question: "should this error be ignored?"
    errorFilter: (err: unknown) => {
      if (isBreakerTimeout(err) || isFailure(err)) return false;
      if (typeof err === 'object' && err !== null) excluded.add(err);
      return true;
    },
  });
  if (opts.fallback) circuit.fallback(opts.fallback as (...args: unknown[]) => unknown);

  const log = opts.logger?.child({ breaker: name });
  const count = (event: string) => events.inc({ breaker: name, event });
  const setState = () => stateGauge.set({ breaker: name }, STATE_VALUE[stateOf(circuit)]);
  setState();

  circuit.on('success', (result: unknown) => {
    count(typeof result === 'object' && result !== null && excluded.has(result) ? 'excluded' : 'success');
  });
  circuit.on('failure', () => count('failure'));
  circuit.on('timeout', () => count('timeout'));
  circuit.on('reject', () => count('reject'));
  circuit.on('fallback', () => count('fallback'));
  circuit.on('open', () => {
    count('open');
    setState();
    log?.warn('circuit breaker opened: calls fail fast until the reset timeout', {
      resetTimeoutMs: opts.resetTimeoutMs ?? 10_000,
      ...statsOf(circuit),
    });
  });
  circuit.on('halfOpen', () => {
    count('halfOpen');
    setState();
    log?.info('circuit breaker half-open: letting a trial call through');
  });
  circuit.on('close', () => {
    count('close');
    setState();
    log?.info('circuit breaker closed');
  });

  const entry = { state: () => stateOf(circuit), stats: () => statsOf(circuit) };
  breakers.set(name, entry);

  return {
    name,
    fire: (...args: A) => circuit.fire(...args),
    state: entry.state,
    stats: entry.stats,
    shutdown: () => {
      circuit.shutdown();
      if (breakers.get(name) === entry) breakers.delete(name);
    },
  };
}

/** Every live breaker of this process, for admin and health endpoints. */
export function breakerStates(): Array<{ name: string; state: BreakerState; stats: BreakerStats }> {
  return [...breakers].map(([name, b]) => ({ name, state: b.state(), stats: b.stats() }));
}
