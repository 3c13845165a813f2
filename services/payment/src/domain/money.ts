/**
 * Money is always an integer number of minor units in a currency (ISO 4217, upper case). Currencies
 * have different minor units (EUR cents, JPY none), so conversions go through major units.
 */

const exponents = new Map<string, number>();

/** Digits after the decimal point of a currency's major unit (EUR 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  let digits = exponents.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(currency, digits);
  }
  return digits;
}

/**
 * Converts `amount` minor units of `from` into `to` at `rate` (units of `to` per unit of `from`),
 * rounding half away from zero to a whole minor unit of `to`.
 */
export function convertMinor(amount: number, from: string, to: string, rate: number): number {
  if (from === to) return amount;
  const major = amount / 10 ** minorDigits(from);
  const converted = major * rate * 10 ** minorDigits(to);
  return Math.sign(converted) * Math.round(Math.abs(converted) + Number.EPSILON * Math.abs(converted));
}

/**
 * Splits `total` over `weights` proportionally in whole units (largest remainder), never giving a
 * part more than its weight: used to spread a refund over the payers who paid.
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return weights.map(() => 0);
  const capped = Math.min(total, sum);
  const exact = weights.map((w) => (capped * w) / sum);
  const parts = exact.map((x) => Math.floor(x));
  let left = capped - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (parts[i]! < weights[i]!) {
      parts[i]!++;
      left--;
    }
  }
  return parts;
}

/**
 * The part of a payment, in its own currency, that corresponds to `bookingPart` of its value in the
 * booking's currency. The last part (everything left) maps to everything left, so rounding never
 * leaves a cent behind or refunds one too many.
 */
export function toPaymentCurrency(
  bookingPart: number,
  payment: { bookingAmountLeft: number; amountLeft: number },
): number {
  if (bookingPart >= payment.bookingAmountLeft) return payment.amountLeft;
  if (payment.bookingAmountLeft <= 0) return 0;
  return Math.min(payment.amountLeft, Math.round((bookingPart * payment.amountLeft) / payment.bookingAmountLeft));
}

/** The inverse of toPaymentCurrency: what `part` of the payment's currency is worth in the booking's. */
export function toBookingCurrency(part: number, payment: { bookingAmountLeft: number; amountLeft: number }): number {
  if (part >= payment.amountLeft) return payment.bookingAmountLeft;
  if (payment.amountLeft <= 0) return 0;
  return Math.min(payment.bookingAmountLeft, Math.round((part * payment.bookingAmountLeft) / payment.amountLeft));
}
