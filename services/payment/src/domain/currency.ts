import { DomainError } from '@matchday/contracts';
import { convertMinor } from './money';

/**
 * The seed's CurrencyHandler: which currencies a payer may pay in, conversion through the current
 * rate, and what to do when the rate moved between the quote and the capture.
 */
export interface CurrencyHandler {
  convertAmount(amount: number, fromCurrency: string, toCurrency: string): Promise<number>;
  handleRateFluctuation(bookingId: string, expectedRate: number, actualRate: number): Promise<RateFluctuationDecision>;
  validateCurrencySupport(currency: string): boolean;
}

/** Where rates come from: units of `to` per unit of `from`. */
export interface RateSource {
  rate(from: string, to: string): number;
}

/**
 * The fluctuation policy, applied when an authorized share in another currency is about to be
 * captured:
 *
 * 1. The quote is a promise until it expires (FX_QUOTE_TTL_SECONDS, at least the payment window):
 *    while it is valid the authorized amount is captured whatever the market did.
 * 2. Once it expired, the current rate is compared with the quoted one:
 *    - within the tolerance (FX_TOLERANCE, default 2 %, either direction) → capture the authorized
 *      amount; the platform absorbs the difference (counted in payment_fx_decisions_total);
 *    - beyond it → do not capture at a stale rate: release the authorization, quote again at the
 *      current rate and ask the payer to confirm the new amount (payment.requoted). If the payment
 *      window closes first, the booking expires and nothing was taken.
 */
export type RateFluctuationDecision =
  | { action: 'capture'; reason: 'quote_valid' | 'within_tolerance'; drift: number }
  | { action: 'requote'; reason: 'beyond_tolerance'; drift: number };

/** Relative distance of the actual rate from the expected one (0.05 = 5 %). */
export const rateDrift = (expectedRate: number, actualRate: number): number => Math.abs(actualRate - expectedRate) / expectedRate;

export function decideRateFluctuation(input: {
  expectedRate: number;
  actualRate: number;
  quoteExpired: boolean;
  tolerance: number;
}): RateFluctuationDecision {
  const drift = rateDrift(input.expectedRate, input.actualRate);
  if (!input.quoteExpired) return { action: 'capture', reason: 'quote_valid', drift };
  if (drift <= input.tolerance + 1e-12) return { action: 'capture', reason: 'within_tolerance', drift };
  return { action: 'requote', reason: 'beyond_tolerance', drift };
}

/** A rate table: units of each currency per one unit of `base`. */
export interface RateTable {
  base: string;
  rates: Record<string, number>;
}

/** Cross rate from a table: (units of `to` per base) ÷ (units of `from` per base). */
export function crossRate(table: RateTable, from: string, to: string): number {
  if (from === to) return 1;
  const f = from === table.base ? 1 : table.rates[from];
  const t = to === table.base ? 1 : table.rates[to];
  if (f === undefined || t === undefined) throw new DomainError('CURRENCY_NOT_SUPPORTED', { from, to }, `no rate from ${from} to ${to}`);
  return t / f;
}

/** Converts with a table rate: the building block of CurrencyHandler.convertAmount. */
export const convertWithTable = (table: RateTable, amount: number, from: string, to: string): number =>
  convertMinor(amount, from, to, crossRate(table, from, to));
