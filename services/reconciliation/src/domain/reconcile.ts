import type { findingKind } from '@matchday/contracts';
import type { z } from 'zod';
import { netOf, type BookingRecord, type PaymentRecord, type ProviderIntent } from './ledger';

export type FindingKind = z.infer<typeof findingKind>;

/** What reconciliation may do about a mismatch without a person. */
export type AutoAction =
  | { type: 'refund'; intentId: string; amount: number; currency: string; bookingId?: string }
  | { type: 'reconfirm'; bookingId: string };

/** One thing that does not add up, as seen by one run. */
export interface Mismatch {
  kind: FindingKind;
  /** Identity across runs: the same mismatch seen again is the same finding. */
  key: string;
  bookingId?: string;
  intentId?: string;
  /** The money in question (always positive), in `currency`. */
  amount: number;
  currency: string;
  detail: string;
  /** Present for the safe kinds; the rest wait for a person. */
  action?: AutoAction;
}

export interface ReconcileInput {
  bookings: BookingRecord[];
  payments: PaymentRecord[];
  /** Oldest first (the order decides which of two identical charges is the duplicate). */
  intents: ProviderIntent[];
  now: Date;
  /** Bookings and intents that changed more recently than this are still settling: not judged. */
  graceSeconds: number;
  /** Allowed difference (minor units of the booking's currency) when a payment was converted (FX rounding). */
  fxToleranceMinor: number;
}

export interface ReconcileResult {
  mismatches: Mismatch[];
  /** What this run judged: findings about anything else are left as they are. */
  judgedBookings: Set<string>;
  judgedIntents: Set<string>;
  /** Left for a later run: still settling, or under dispute. */
  skipped: number;
}

/** Safe kinds are healed automatically; the others become findings for a person. */
export const SAFE_KINDS: ReadonlySet<FindingKind> = new Set(['double_charge', 'paid_not_confirmed', 'charge_without_booking', 'refund_missing']);

const fmt = (amount: number, currency: string): string => `${amount} ${currency}`;

interface Valued {
  intent: ProviderIntent;
  /** Net, captured: in the booking's currency (converted when the intent was in another one). */
  net: number;
  captured: number;
  converted: boolean;
}

/**
 * Compares the three views and lists every mismatch. Pure: the run use-case loads the views,
 * calls this, and turns the result into findings.
 *
 * Per booking (its intents found by `metadata.booking_id`):
 * - the provider holds money in a currency the payment records do not say → currency_mismatch;
 * - CONFIRMED with nothing captured → confirmed_not_paid; with the amount charged twice by the same
 *   payer → double_charge (refund the later intent); with any other difference beyond the
 *   tolerance → amount_mismatch;
 * - PENDING_PAYMENT or EXPIRED that payment itself declared paid (payment.succeeded for the amount,
 *   and not closed since) and fully paid at the provider → paid_not_confirmed (booking re-confirms
 *   or asks for a refund). Money payment decided to give back is never re-confirmed: once payment
 *   closed the booking (payment.closed), what the provider still holds is a refund payment owes →
 *   refund_missing per intent, judged only after the grace period from the closure so payment's own
 *   refunds (of captures that raced the closure) can land first;
 * - EXPIRED that payment has neither declared paid nor closed yet: payment has not decided whether
 *   it keeps or gives back the money → not judged yet;
 * - CANCELLED or REVERSED with money still held → refund_missing per intent (settled bookings hold 0).
 * Provider charges with no known booking → charge_without_booking.
 */
/** Payment itself said this booking is paid (payment.succeeded for its amount) and has not closed it since. */
export const declaredPaid = (b: BookingRecord): boolean => b.paymentClosed === undefined && b.paidDeclared > 0 && b.paidDeclared >= b.amount;

/** An expired booking whose money payment has not yet decided about (keep it: paid; give it back: closed). */
const undecided = (b: BookingRecord): boolean => b.state === 'EXPIRED' && b.paymentClosed === undefined && !declaredPaid(b);

export function reconcile(input: ReconcileInput): ReconcileResult {
  const cutoff = input.now.getTime() - input.graceSeconds * 1000;
  const settled = (t: Date) => t.getTime() <= cutoff;
  const bookings = new Map(input.bookings.map((b) => [b.bookingId, b]));
  const paymentsByIntent = new Map(input.payments.filter((p) => p.intentId).map((p) => [p.intentId!, p]));
  const intentsByBooking = new Map<string, ProviderIntent[]>();
  const mismatches: Mismatch[] = [];
  const judgedBookings = new Set<string>();
  const judgedIntents = new Set<string>();
  let skipped = 0;

  for (const intent of input.intents) {
    const booking = intent.bookingId ? bookings.get(intent.bookingId) : undefined;
    if (booking) {
      const list = intentsByBooking.get(booking.bookingId) ?? [];
      list.push(intent);
      intentsByBooking.set(booking.bookingId, list);
      continue;
    }
    if (!settled(intent.lastActivity)) {
      skipped++;
      continue;
    }
    judgedIntents.add(intent.intentId);
    const net = netOf(intent);
    if (net > 0) {
      mismatches.push({
        kind: 'charge_without_booking',
        key: `charge_without_booking:${intent.intentId}`,
        intentId: intent.intentId,
        ...(intent.bookingId !== undefined && { bookingId: intent.bookingId }),
        amount: net,
        currency: intent.currency,
        detail: intent.bookingId
          ? `provider holds ${fmt(net, intent.currency)} for booking ${intent.bookingId}, which no booking event ever described`
          : `provider holds ${fmt(net, intent.currency)} on an intent that names no booking`,
        action: { type: 'refund', intentId: intent.intentId, amount: net, currency: intent.currency },
      });
    }
  }

  for (const booking of bookings.values()) {
    const intents = intentsByBooking.get(booking.bookingId) ?? [];
    const settling =
      !settled(booking.updatedAt) || (booking.paymentClosed !== undefined && !settled(booking.paymentClosed.at)) || intents.some((i) => !settled(i.lastActivity));
    if (booking.disputed || settling || undecided(booking)) {
      skipped++;
      continue;
    }
    judgedBookings.add(booking.bookingId);
    for (const i of intents) judgedIntents.add(i.intentId);
    mismatches.push(...judgeBooking(booking, intents, paymentsByIntent, input.fxToleranceMinor));
  }
  return { mismatches, judgedBookings, judgedIntents, skipped };
}

function judgeBooking(
  booking: BookingRecord,
  intents: ProviderIntent[],
  paymentsByIntent: Map<string, PaymentRecord>,
  fxToleranceMinor: number,
): Mismatch[] {
  const out: Mismatch[] = [];
  const { bookingId, currency } = booking;
  const valued: Valued[] = [];

  for (const intent of intents) {
    const record = paymentsByIntent.get(intent.intentId);
    const holdsMoney = intent.captured > 0;
    if (record && record.currency !== intent.currency && holdsMoney) {
      out.push({
        kind: 'currency_mismatch',
        key: `currency_mismatch:${bookingId}:${intent.intentId}`,
        bookingId,
        intentId: intent.intentId,
        amount: intent.captured,
        currency: intent.currency,
        detail: `provider charged ${fmt(intent.captured, intent.currency)}, payment recorded the payment in ${record.currency}`,
      });
      continue;
    }
    if (intent.currency === currency) {
      valued.push({ intent, net: netOf(intent), captured: intent.captured, converted: false });
      continue;
    }
    // Another currency: convert at the rate payment recorded for this intent's captures.
    if (record && record.captured > 0 && record.bookingCaptured > 0) {
      const rate = record.bookingCaptured / record.captured;
      valued.push({ intent, net: Math.round(netOf(intent) * rate), captured: Math.round(intent.captured * rate), converted: true });
      continue;
    }
    if (holdsMoney) {
      out.push({
        kind: 'currency_mismatch',
        key: `currency_mismatch:${bookingId}:${intent.intentId}`,
        bookingId,
        intentId: intent.intentId,
        amount: intent.captured,
        currency: intent.currency,
        detail: `provider charged ${fmt(intent.captured, intent.currency)} for a ${currency} booking and no payment record gives the rate`,
      });
    }
  }

  const tolerance = valued.some((v) => v.converted) ? fxToleranceMinor : 0;
  const net = valued.reduce((s, v) => s + v.net, 0);
  const captured = valued.reduce((s, v) => s + v.captured, 0);
  const duplicates = findDuplicates(valued);
  const dupNet = duplicates.reduce((s, v) => s + v.net, 0);
  const withoutDuplicates = net - dupNet;
  const doubleCharged = duplicates.length > 0 && Math.abs(withoutDuplicates - booking.amount) <= tolerance;
  const within = (a: number, b: number) => Math.abs(a - b) <= tolerance;

  const doubleCharges = (): Mismatch[] =>
    duplicates.map((d) => {
      const amount = netOf(d.intent);
      return {
        kind: 'double_charge',
        key: `double_charge:${bookingId}:${d.intent.intentId}`,
        bookingId,
        intentId: d.intent.intentId,
        amount,
        currency: d.intent.currency,
        detail: `booking charged twice: intent ${d.intent.intentId} repeats ${fmt(amount, d.intent.currency)} already paid by the same payer`,
        action: { type: 'refund', intentId: d.intent.intentId, amount, currency: d.intent.currency, bookingId },
      };
    });

  const refundsOwed = (why: string): Mismatch[] =>
    valued
      .filter((v) => netOf(v.intent) > 0)
      .map((v) => {
        const amount = netOf(v.intent);
        return {
          kind: 'refund_missing',
          key: `refund_missing:${bookingId}:${v.intent.intentId}`,
          bookingId,
          intentId: v.intent.intentId,
          amount,
          currency: v.intent.currency,
          detail: `booking is ${why} but the provider still holds ${fmt(amount, v.intent.currency)} on intent ${v.intent.intentId}`,
          action: { type: 'refund', intentId: v.intent.intentId, amount, currency: v.intent.currency, bookingId },
        };
      });

  switch (booking.state) {
    case 'CONFIRMED':
      if (captured === 0 && out.length === 0) {
        out.push({
          kind: 'confirmed_not_paid',
          key: `confirmed_not_paid:${bookingId}`,
          bookingId,
          amount: booking.amount,
          currency,
          detail: `booking is confirmed for ${fmt(booking.amount, currency)} but the provider captured nothing`,
        });
      } else if (doubleCharged) {
        out.push(...doubleCharges());
      } else if (!within(net, booking.amount) && captured > 0) {
        out.push({
          kind: 'amount_mismatch',
          key: `amount_mismatch:${bookingId}`,
          bookingId,
          amount: Math.abs(net - booking.amount),
          currency,
          detail: `booking is confirmed for ${fmt(booking.amount, currency)} but the provider holds ${fmt(net, currency)}`,
        });
      }
      break;
    case 'PENDING_PAYMENT':
    case 'EXPIRED': {
      if (booking.paymentClosed) {
        // Payment gave up on it: every intent's money is owed back, duplicates included.
        if (net > tolerance) out.push(...refundsOwed(`${booking.state.toLowerCase()} and payment closed it (${booking.paymentClosed.reason})`));
        break;
      }
      if (doubleCharged) out.push(...doubleCharges());
      const paid = doubleCharged ? withoutDuplicates : net;
      // Only what payment itself declared paid is confirmed; otherwise payment is still collecting.
      if (declaredPaid(booking) && paid > 0 && paid >= booking.amount - tolerance) {
        out.push({
          kind: 'paid_not_confirmed',
          key: `paid_not_confirmed:${bookingId}`,
          bookingId,
          amount: booking.amount,
          currency,
          detail: `payment reported the booking paid and the provider holds the full ${fmt(paid, currency)}, but the booking is ${booking.state}`,
          action: { type: 'reconfirm', bookingId },
        });
      }
      break;
    }
    case 'CANCELLED':
    case 'REVERSED':
      out.push(...refundsOwed(booking.state.toLowerCase()));
      break;
  }
  return out;
}

/**
 * Intents holding money that repeat an earlier one: same payer (or no payer recorded), same amount
 * and currency. The earliest is the real payment; the later ones are the duplicates. `intents` come
 * oldest first.
 */
function findDuplicates(valued: Valued[]): Valued[] {
  const groups = new Map<string, Valued[]>();
  for (const v of valued) {
    if (netOf(v.intent) <= 0) continue;
    const key = `${v.intent.payerId ?? '-'}|${v.intent.amount}|${v.intent.currency}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const duplicates: Valued[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // Stable: intents created in the same second keep the provider's (creation) order.
    group.sort((a, b) => a.intent.created.getTime() - b.intent.created.getTime());
    duplicates.push(...group.slice(1));
  }
  return duplicates;
}
