import type { Channel } from './channels';

/** Why a notification could not be handed to any provider of its channel this time. */
export type SendFailure =
  /** The address itself was refused (unknown number, unregistered token, invalid mailbox): no retry helps. */
  | { kind: 'rejected'; reason: string }
  /** Every provider failed, timed out or had its breaker open: it may work later. */
  | { kind: 'unavailable'; reason: string }
  /** A provider asked us to slow down: try again once its window resets. */
  | { kind: 'rate_limited'; retryAt: Date; reason: string };

export type NextStep =
  | { action: 'fallback'; channel: Channel }
  | { action: 'retry'; at: Date; countsAsAttempt: boolean }
  | { action: 'give_up'; reason: string };

/**
 * What happens to a notification whose channel could not take it. A rate limit only waits (it is
 * not the message's fault). Otherwise the next channel is used when there is one (`fallback`, from
 * {@link fallbackChannel}); without one, an unavailable channel is retried with exponential backoff
 * until `maxAttempts`, and a refused address is given up.
 */
export function nextStep(
  failure: SendFailure,
  ctx: {
    attempts: number;
    maxAttempts: number;
    fallback: Channel | undefined;
    now: Date;
    retryBaseMs: number;
  },
): NextStep {
  if (failure.kind === 'rate_limited')
    return { action: 'retry', at: failure.retryAt, countsAsAttempt: false };
  if (ctx.fallback) return { action: 'fallback', channel: ctx.fallback };
  if (failure.kind === 'rejected') return { action: 'give_up', reason: failure.reason };
  if (ctx.attempts >= ctx.maxAttempts)
    return { action: 'give_up', reason: `${failure.reason} (after ${ctx.attempts} attempts)` };
  const delay = Math.min(ctx.retryBaseMs * 2 ** Math.max(0, ctx.attempts - 1), 15 * 60_000);
  return { action: 'retry', at: new Date(ctx.now.getTime() + delay), countsAsAttempt: true };
}
