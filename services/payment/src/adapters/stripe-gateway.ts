import { createBreaker, type Breaker } from '@matchday/resilience';
import { counter, type Logger } from '@matchday/observability';
import { stripeClient } from '@matchday/provider-sandbox';
import Stripe from 'stripe';
import {
  disputeSnapshot,
  intentSnapshot,
  refundSnapshot,
  type DisputeSnapshot,
  type IntentSnapshot,
  type RefundSnapshot,
} from './stripe-objects';

/** Why a provider call did not do what was asked. */
export type GatewayFailure =
  /** The card or the issuer said no (402): final for this attempt, the payer may try another method. */
  | { kind: 'declined'; code: string; message: string; intent?: IntentSnapshot }
  /** The provider refused the request (4xx): retrying the same request cannot help. */
  | { kind: 'rejected'; code: string; message: string; status: number; intent?: IntentSnapshot }
  /** The provider is unavailable, slow or limiting us, or the breaker is open: defer and retry later. */
  | { kind: 'unavailable'; reason: 'breaker_open' | 'timeout' | 'server_error' | 'rate_limited' | 'network' | 'auth'; message: string };

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(readonly failure: GatewayFailure) {
    super(`${failure.kind}: ${failure.kind === 'unavailable' ? failure.reason : failure.code}: ${failure.message}`);
  }
}

export const isUnavailable = (err: unknown): err is GatewayError & { failure: { kind: 'unavailable' } } =>
  err instanceof GatewayError && err.failure.kind === 'unavailable';

/** The payment provider, as the use-cases see it. Every call goes through one circuit breaker. */
export interface PaymentGateway {
  createIntent(input: {
    amount: number;
    currency: string;
    paymentMethod?: string | null;
    metadata: Record<string, string>;
    description: string;
    idempotencyKey: string;
  }): Promise<IntentSnapshot>;
  confirmIntent(intentId: string, paymentMethod: string, idempotencyKey: string): Promise<IntentSnapshot>;
  captureIntent(intentId: string, idempotencyKey: string): Promise<IntentSnapshot>;
  cancelIntent(intentId: string, idempotencyKey: string): Promise<IntentSnapshot>;
  /** Re-reads an intent with its latest charge: the provider's state is the truth. */
  retrieveIntent(intentId: string): Promise<IntentSnapshot>;
  refund(input: { intentId: string; amount: number; metadata: Record<string, string>; idempotencyKey: string }): Promise<RefundSnapshot>;
  listRefunds(intentId: string): Promise<RefundSnapshot[]>;
  listDisputes(intentId: string): Promise<DisputeSnapshot[]>;
  readonly breaker: Breaker<[() => Promise<unknown>], unknown>;
}

export interface StripeGatewayOptions {
  apiKey: string;
  /** The provider sandbox's origin; unset for api.stripe.com. */
  baseUrl?: string;
  timeoutMs: number;
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeoutMs: number;
  logger: Logger;
}

const calls = counter({
  name: 'payment_provider_calls_total',
  help: 'Stripe calls by operation and outcome (ok, declined, rejected, unavailable)',
  labelNames: ['operation', 'outcome'],
});

interface StripeErrorLike {
  type?: string;
  statusCode?: number;
  code?: string;
  decline_code?: string;
  message?: string;
  raw?: { payment_intent?: unknown };
}

const stripeErrorOf = (err: unknown): StripeErrorLike | undefined =>
  err instanceof Stripe.errors.StripeError ? (err as unknown as StripeErrorLike) : undefined;

/** Whether an error says Stripe is unhealthy (counts towards opening the breaker). */
function isProviderFailure(err: unknown): boolean {
  const e = stripeErrorOf(err);
  if (!e) return true; // network and unexpected errors
  if (e.type === 'StripeCardError' || e.type === 'StripeInvalidRequestError' || e.type === 'StripeIdempotencyError') return false;
  return true;
}

function unavailable(err: unknown): GatewayError {
  const code = (err as { code?: unknown }).code;
  if (code === 'EOPENBREAKER') return new GatewayError({ kind: 'unavailable', reason: 'breaker_open', message: 'the Stripe breaker is open' });
  if (code === 'ETIMEDOUT') return new GatewayError({ kind: 'unavailable', reason: 'timeout', message: (err as Error).message });
  const e = stripeErrorOf(err);
  if (e?.type === 'StripeRateLimitError') return new GatewayError({ kind: 'unavailable', reason: 'rate_limited', message: e.message ?? '429' });
  if (e?.type === 'StripeAuthenticationError' || e?.type === 'StripePermissionError') {
    return new GatewayError({ kind: 'unavailable', reason: 'auth', message: e.message ?? 'authentication failed' });
  }
  if (e?.type === 'StripeConnectionError' || !e) return new GatewayError({ kind: 'unavailable', reason: 'network', message: (err as Error).message });
  return new GatewayError({ kind: 'unavailable', reason: 'server_error', message: e.message ?? `status ${e.statusCode}` });
}

function refusal(err: unknown): GatewayError {
  const e = stripeErrorOf(err)!;
  const intent = intentSnapshot(e.raw?.payment_intent);
  const base = { code: e.decline_code ?? e.code ?? e.type ?? 'unknown', message: e.message ?? 'refused', ...(intent ? { intent } : {}) };
  if (e.type === 'StripeCardError') return new GatewayError({ kind: 'declined', ...base });
  return new GatewayError({ kind: 'rejected', ...base, status: e.statusCode ?? 400 });
}

function expectSnapshot<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new GatewayError({ kind: 'unavailable', reason: 'server_error', message: `unexpected ${what} from Stripe` });
  return value;
}

/**
 * Stripe through its official SDK (pointed at the sandbox when `baseUrl` is set), every call inside
 * the `payment.stripe` circuit breaker with a timeout. The breaker's fallback turns "Stripe is
 * unavailable" (open, timeout, 5xx, 429, network) into a GatewayError of kind `unavailable`, which
 * the work queue answers by deferring; declines and refusals pass through as what they are. The SDK
 * itself does not retry: retries are the work queue's, with the same idempotency key.
 */
export function createStripeGateway(opts: StripeGatewayOptions): PaymentGateway {
  const stripe = stripeClient({
    apiKey: opts.apiKey,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    timeoutMs: opts.timeoutMs + 1000,
    maxNetworkRetries: 0,
  });
  const breaker = createBreaker<[() => Promise<unknown>], unknown>('payment.stripe', (op) => op(), {
    timeoutMs: opts.timeoutMs,
    errorThresholdPercentage: opts.errorThresholdPercentage,
    volumeThreshold: opts.volumeThreshold,
    resetTimeoutMs: opts.resetTimeoutMs,
    isFailure: isProviderFailure,
    fallback: (_op, err) => Promise.reject(unavailable(err)),
    logger: opts.logger,
  });

  async function call<T>(operation: string, op: () => Promise<T>): Promise<T> {
    try {
      const result = (await breaker.fire(op)) as T;
      calls.inc({ operation, outcome: 'ok' });
      return result;
    } catch (err) {
      const mapped = err instanceof GatewayError ? err : stripeErrorOf(err) && !isProviderFailure(err) ? refusal(err) : unavailable(err);
      calls.inc({ operation, outcome: mapped.failure.kind });
      if (mapped.failure.kind === 'unavailable') opts.logger.warn('stripe unavailable', { operation, reason: mapped.failure.reason, error: mapped.failure.message });
      throw mapped;
    }
  }

  return {
    breaker,
    createIntent: (i) =>
      call('create_intent', async () =>
        expectSnapshot(
          intentSnapshot(
            await stripe.paymentIntents.create(
              {
                amount: i.amount,
                currency: i.currency.toLowerCase(),
                capture_method: 'manual',
                metadata: i.metadata,
                description: i.description,
                ...(i.paymentMethod ? { payment_method: i.paymentMethod, confirm: true } : {}),
                expand: ['latest_charge'],
              },
              { idempotencyKey: i.idempotencyKey },
            ),
          ),
          'intent',
        ),
      ),
    confirmIntent: (id, paymentMethod, key) =>
      call('confirm', async () =>
        expectSnapshot(
          intentSnapshot(await stripe.paymentIntents.confirm(id, { payment_method: paymentMethod, expand: ['latest_charge'] }, { idempotencyKey: key })),
          'intent',
        ),
      ),
    captureIntent: (id, key) =>
      call('capture', async () =>
        expectSnapshot(intentSnapshot(await stripe.paymentIntents.capture(id, { expand: ['latest_charge'] }, { idempotencyKey: key })), 'intent'),
      ),
    cancelIntent: (id, key) =>
      call('cancel', async () =>
        expectSnapshot(intentSnapshot(await stripe.paymentIntents.cancel(id, { expand: ['latest_charge'] }, { idempotencyKey: key })), 'intent'),
      ),
    retrieveIntent: (id) =>
      call('retrieve', async () => expectSnapshot(intentSnapshot(await stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] })), 'intent')),
    refund: (i) =>
      call('refund', async () =>
        expectSnapshot(
          refundSnapshot(
            await stripe.refunds.create({ payment_intent: i.intentId, amount: i.amount, metadata: i.metadata }, { idempotencyKey: i.idempotencyKey }),
          ),
          'refund',
        ),
      ),
    listRefunds: (id) =>
      call('list_refunds', async () =>
        (await stripe.refunds.list({ payment_intent: id, limit: 100 })).data.flatMap((r) => refundSnapshot(r) ?? []),
      ),
    listDisputes: (id) =>
      call('list_disputes', async () =>
        (await stripe.disputes.list({ payment_intent: id, limit: 100 })).data.flatMap((d) => disputeSnapshot(d) ?? []),
      ),
  };
}
