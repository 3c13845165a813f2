import type { Payment } from '../domain/payment';

/** What every intent carries, so the provider's records can be matched to bookings without us. */
export function intentMetadata(p: Payment): Record<string, string> {
  return {
    booking_id: p.bookingId,
    payer_id: p.payerId,
    payment_id: p.paymentId,
    purpose: p.purpose,
    ...(p.modificationId ? { modification_id: p.modificationId } : {}),
    ...(p.userId ? { user_id: p.userId } : {}),
  };
}
