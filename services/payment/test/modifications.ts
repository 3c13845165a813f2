import { randomUUID } from 'node:crypto';
import type { Harness } from './harness';

/** The sandbox's capture endpoint, for faults on the capture of a change's extra charge. */
export const CAPTURE = '^/v1/payment_intents/[^/]+/capture$';

/** A booking of `amount` whose payment was captured (payment.succeeded seen), ready to be changed. */
export async function paidBooking(h: Harness, amount: number) {
  const b = await h.createBooking({ paymentMethod: 'pm_card_visa', amount });
  await h.fraud(b.bookingId, 'allow');
  await h.waitFor('payment.succeeded.v1', b.bookingId);
  return b;
}

/**
 * booking.modified changing the total from `from` by `delta` (more asks for an extra charge, less for
 * a refund), and the modification.dropped booking sends when the change does not happen (its extra
 * payment failed, or its window closed).
 */
export function change(h: Harness, b: { bookingId: string; userId: string }, from: number, delta: number) {
  const modificationId = randomUUID();
  const ref = { bookingId: b.bookingId, matchId: 'm-1', userId: b.userId, modificationId };
  return {
    modificationId,
    request: () =>
      h.publish(
        'booking.modified.v1',
        { ...ref, kind: 'quantity', fromMatchId: 'm-1', toMatchId: 'm-1', fromQuantity: 2, toQuantity: delta > 0 ? 3 : 1, priceDelta: delta, amount: from + delta, currency: 'EUR' },
        b.bookingId,
      ),
    drop: (status: 'FAILED' | 'EXPIRED') =>
      h.publish(
        'modification.dropped.v1',
        { ...ref, status, reason: status === 'FAILED' ? 'card_declined' : 'payment_window_closed', amount: from, currency: 'EUR' },
        b.bookingId,
      ),
  };
}

/** The extra charge payment made for one change. */
export async function extraFor(h: Harness, bookingId: string, modificationId: string) {
  const found = (await h.paymentsOf(bookingId)).find((p) => p.purpose === 'modification' && p.modificationId === modificationId);
  if (!found) throw new Error(`no extra charge for modification ${modificationId}`);
  return found;
}

/**
 * The card of the booking's own payment, which a change's extra charge is made with: switched to
 * another of the sandbox's payment methods (`pm_card_authenticationRequired`: the extra charge waits
 * for the payer's 3-D Secure).
 */
export async function chargeChangesWith(h: Harness, bookingId: string, paymentMethod: string): Promise<void> {
  await h.sdb.db('payments').where({ booking_id: bookingId, purpose: 'booking' }).update({ payment_method: paymentMethod });
}
