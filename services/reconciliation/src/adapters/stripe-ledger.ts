import type { Logger } from '@matchday/observability';
import { createBreaker, retry, type Breaker } from '@matchday/resilience';
import Stripe from 'stripe';
import type { ProviderIntent } from '../domain';

/** The provider's side of the books, as reconciliation reads it. */
export interface ProviderLedger {
  /**
   * Payment intents created since `from`, oldest first, each with the money its balance
   * transactions moved (charges, refunds, dispute adjustments). Reads every page; fails as a whole
   * if a page fails.
   */
  intentsSince(from: Date): Promise<{ intents: ProviderIntent[]; balanceTransactions: number; pages: number }>;
}

export interface StripeLedgerOptions {
  stripe: Stripe;
  logger: Logger;
  /** Per page, inside the breaker. */
  timeoutMs: number;
  pageSize?: number;
  /** Breaker name (metrics label): `stripe.<operation>` as the alert rules expect. */
  breakerName?: string;
}

type Page<T> = { data: T[]; has_more: boolean };

/** Rate limits and Stripe's own 5xx are worth another try; a bad request is not. */
function transient(err: unknown): boolean {
  if (err instanceof Stripe.errors.StripeRateLimitError) return true;
  if (err instanceof Stripe.errors.StripeAPIError || err instanceof Stripe.errors.StripeConnectionError) return true;
  return false;
}

/** Only failures that say Stripe is unhealthy count towards opening the breaker. */
function unhealthy(err: unknown): boolean {
  return !(err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripeAuthenticationError);
}

const toDate = (unix: number): Date => new Date(unix * 1000);

/** The intent a balance transaction's source (expanded) belongs to. */
function intentOfSource(source: Stripe.BalanceTransaction['source']): string | undefined {
  if (!source || typeof source === 'string') return undefined;
  const pi = (source as { payment_intent?: unknown }).payment_intent;
  if (typeof pi === 'string') return pi;
  if (pi && typeof pi === 'object' && typeof (pi as { id?: unknown }).id === 'string') return (pi as { id: string }).id;
  return undefined;
}

/**
 * Stripe through the official SDK: payment intents and balance transactions (with their sources
 * expanded), paginated with `starting_after`. Every page request goes through one circuit breaker
 * (`stripe.reconciliation`) and is retried with jittered backoff on rate limits and 5xx.
 */
export function stripeLedger(opts: StripeLedgerOptions): ProviderLedger & { breaker: Breaker<[() => Promise<unknown>], unknown> } {
  const limit = opts.pageSize ?? 100;
  const breaker = createBreaker<[() => Promise<unknown>], unknown>('stripe.reconciliation', (call) => call(), {
    timeoutMs: opts.timeoutMs,
    isFailure: unhealthy,
    logger: opts.logger,
  });
  const guarded = <T>(name: string, call: () => Promise<T>): Promise<T> =>
    retry(() => breaker.fire(call) as Promise<T>, {
      retries: 3,
      baseMs: 200,
      maxMs: 2000,
      name,
      logger: opts.logger,
      shouldRetry: transient,
    });

  async function all<T extends { id: string }>(name: string, page: (after?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const p = await guarded(name, () => page(after));
      pages++;
      items.push(...p.data);
      const last = p.data[p.data.length - 1];
      if (!p.has_more || !last) break;
      after = last.id;
    }
    return { items, pages };
  }

  return {
    breaker,
    async intentsSince(from) {
      const created = { gte: Math.floor(from.getTime() / 1000) };
      const intents = await all('stripe.reconciliation.payment_intents', (after) =>
        opts.stripe.paymentIntents.list({ limit, created, ...(after && { starting_after: after }) }),
      );
      const txns = await all('stripe.reconciliation.balance_transactions', (after) =>
        opts.stripe.balanceTransactions.list({ limit, created, expand: ['data.source'], ...(after && { starting_after: after }) }),
      );

      const byIntent = new Map<string, ProviderIntent>();
      for (const pi of intents.items) {
        const meta = pi.metadata ?? {};
        const bookingId = meta.booking_id ?? meta.bookingId;
        const payerId = meta.payer_id ?? meta.payerId;
        byIntent.set(pi.id, {
          intentId: pi.id,
          ...(bookingId && { bookingId }),
          ...(payerId && { payerId }),
          status: pi.status,
          amount: pi.amount,
          currency: pi.currency.toUpperCase(),
          created: toDate(pi.created),
          captured: 0,
          refunded: 0,
          reversed: 0,
          lastActivity: toDate(pi.created),
        });
      }
      let unmatched = 0;
      for (const t of txns.items) {
        const intentId = intentOfSource(t.source);
        const intent = intentId ? byIntent.get(intentId) : undefined;
        if (!intent) {
          unmatched++;
          continue;
        }
        if (t.type === 'charge' || t.type === 'payment') intent.captured += t.amount;
        else if (t.type === 'refund' || t.type === 'payment_refund') intent.refunded += -t.amount;
        else if (t.type === 'adjustment') intent.reversed += -t.amount;
        const at = toDate(t.created);
        if (at > intent.lastActivity) intent.lastActivity = at;
      }
      if (unmatched > 0) opts.logger.debug('balance transactions without an intent in the window', { unmatched });
      // Stripe lists newest first; reconciliation wants creation order (ties within a second included).
      return { intents: [...byIntent.values()].reverse(), balanceTransactions: txns.items.length, pages: intents.pages + txns.pages };
    },
  };
}
