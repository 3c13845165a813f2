import { z } from 'zod';
import { currency, id, isoTime, minor, positiveInt } from './primitives';

/**
 * Every event type the platform publishes, versioned in its name. Changes inside a version are
 * additive only (new optional fields, new enum values): `compatibility.test.ts` guards that
 * against the committed snapshots in `schema-snapshots/`.
 */

// ---- booking.events (key: bookingId; holds are keyed by holdId) ----
const holdBase = { holdId: id, matchId: id, userId: id, quantity: positiveInt };
const bookingRef = { bookingId: id, matchId: id, userId: id };
const customer = z.object({
  email: z.string().optional(),
  ip: z.string().optional(),
  deviceId: z.string().optional(),
  country: z.string().optional(),
  accountCreatedAt: isoTime.optional(),
  cardFingerprint: z.string().optional(),
  cardCountry: z.string().optional(),
});
/** One payer's share of a booking: a single payer, or a split among friends. */
const payerShare = z.object({
  payerId: id,
  userId: id.optional(),
  amount: minor,
  currency: currency,
  paymentMethod: z.string().optional(),
  /** The currency this payer pays in when not the booking's (payment converts with a locked FX quote); amount and currency stay the booking's. */
  paymentCurrency: currency.optional(),
});

export const bookingEvents = {
  'hold.placed.v1': z.object({
    ...holdBase,
    expiresAt: isoTime,
    sessionId: id.optional(),
    /** Set when the hold is a waiting-list offer made to this user. */
    waitlistEntryId: id.optional(),
  }),
  'hold.expired.v1': z.object(holdBase),
  'hold.released.v1': z.object({ ...holdBase, reason: z.string() }),
  'booking.created.v1': z.object({
    ...bookingRef,
    holdId: id,
    quantity: positiveInt,
    unitPrice: minor,
    amount: minor,
    currency,
    paymentDeadline: isoTime,
    payers: z.array(payerShare).min(1),
    customer: customer.optional(),
  }),
  'booking.confirmed.v1': z.object({ ...bookingRef, quantity: positiveInt, amount: minor, currency }),
  'booking.cancelled.v1': z.object({
    ...bookingRef,
    quantity: positiveInt,
    reason: z.string(),
    refundAmount: minor,
    currency,
  }),
  'booking.expired.v1': z.object({ ...bookingRef, quantity: positiveInt, reason: z.string() }),
  'booking.modified.v1': z.object({
    ...bookingRef,
    modificationId: id,
    kind: z.enum(['reschedule', 'quantity']),
    fromMatchId: id,
    toMatchId: id,
    fromQuantity: positiveInt,
    toQuantity: positiveInt,
    /** New total minus old total: > 0 asks for an extra payment, < 0 a partial refund. */
    priceDelta: minor,
    amount: minor,
    currency,
    /** With priceDelta > 0: the change applies once the extra payment lands before this time, else it is dropped. */
    paymentDeadline: isoTime.optional(),
  }),
  /**
   * A modification that waited for an extra payment will not happen: that payment failed, its window
   * closed, or the booking left CONFIRMED. The booking keeps `amount`; payment releases the extra
   * charge, or refunds it (reason modification) when it was captured anyway.
   */
  'modification.dropped.v1': z.object({
    ...bookingRef,
    modificationId: id,
    status: z.enum(['FAILED', 'EXPIRED']),
    reason: z.string(),
    /** The booking's total that stands (what it was before the modification). */
    amount: minor,
    currency,
  }),
  'booking.reversed.v1': z.object({ ...bookingRef, reason: z.string(), amount: minor, currency }),
  'transfer.requested.v1': z.object({
    transferId: id,
    bookingId: id,
    fromUserId: id,
    toUserId: id,
    expiresAt: isoTime,
  }),
  'transfer.accepted.v1': z.object({ transferId: id, bookingId: id, fromUserId: id, toUserId: id }),
  'refund.requested.v1': z.object({
    refundRequestId: id,
    bookingId: id,
    /** Amount in the booking's currency; null means everything captured and not yet refunded. */
    amount: minor.nullable(),
    currency,
    reason: z.string(),
  }),
} as const;

// ---- inventory.events (key: matchId) ----
export const inventoryEvents = {
  'match.created.v1': z.object({
    matchId: id,
    title: z.string(),
    venue: z.string(),
    fixtureId: id.optional(),
    kickoffAt: isoTime,
    capacity: positiveInt,
    unitPrice: minor,
    currency,
  }),
  'match.rescheduled.v1': z.object({
    matchId: id,
    previousKickoffAt: isoTime,
    kickoffAt: isoTime,
    venue: z.string().optional(),
  }),
  'match.cancelled.v1': z.object({ matchId: id, reason: z.string() }),
  'match.hot.v1': z.object({ matchId: id, hot: z.boolean(), admissionRatePerSecond: z.number().positive().optional() }),
  'availability.changed.v1': z.object({
    matchId: id,
    capacity: z.number().int().nonnegative(),
    available: z.number().int().nonnegative(),
    held: z.number().int().nonnegative(),
    confirmed: z.number().int().nonnegative(),
  }),
} as const;

// ---- payment.events (key: bookingId) ----
const paymentRef = { bookingId: id, paymentId: id };
export const paymentEvents = {
  'payment.authorized.v1': z.object({ ...paymentRef, payerId: id, intentId: id, amount: minor, currency }),
  'payment.captured.v1': z.object({
    ...paymentRef,
    payerId: id,
    intentId: id,
    amount: minor,
    currency,
    /** Sum captured for the booking so far, in the booking's currency. */
    bookingCaptured: minor,
    bookingAmount: minor,
    bookingCurrency: currency,
  }),
  /**
   * The booking's total is paid: booking confirms on this (and applies a change waiting for its extra
   * payment). `amount`: what the booking holds toward its total, captured less refunded and reversed
   * (booking currency), at least its total; money of a dropped modification that is still on its way
   * back is not counted.
   */
  'payment.succeeded.v1': z.object({
    bookingId: id,
    amount: minor,
    currency,
    paymentIds: z.array(id),
    /**
     * Set when the total paid includes a modification's extra payment: the id of that modification
     * (booking.modified's modificationId). Booking applies a waiting modification only on the event
     * that names it, so money paid for another change (one dropped meanwhile) never applies it.
     * Absent for a booking's first payment, and on events published before the field existed.
     */
    modificationId: id.optional(),
  }),
  /** Some of the total is paid: `paidAmount` is what the booking holds (as in payment.succeeded), below `totalAmount`. */
  'payment.partially_paid.v1': z.object({ bookingId: id, paidAmount: minor, totalAmount: minor, currency }),
  /**
   * Payment stopped collecting for the booking (it expired or was cancelled, fraud blocked it, the
   * provider refused it): uncaptured payments are released and money captured for it goes back —
   * refunded by payment, or for a cancelled booking as refund.requested says. Never followed by
   * payment.succeeded: such a booking is not to be confirmed on money seen at the provider.
   */
  'payment.closed.v1': z.object({ bookingId: id, reason: z.enum(['expired', 'cancelled', 'fraud_block', 'failed']) }),
  /**
   * Payment could not collect: for an unpaid booking, its payment failed (booking fails it); for a
   * confirmed one, the extra charge of a modification was declined or refused (booking drops that
   * modification). `paymentId`: the payment that failed, when one did.
   */
  'payment.failed.v1': z.object({
    bookingId: id,
    paymentId: id.optional(),
    reason: z.string(),
    code: z.string().optional(),
    /**
     * Set when what failed is a modification's extra charge: the id of that modification
     * (booking.modified's modificationId). Booking drops only the modification named, so the late
     * decline of a change dropped meanwhile never drops a later change waiting for its own payment.
     * Absent for a booking's own payment, and on events published before the field existed.
     */
    modificationId: id.optional(),
  }),
  'payment.deferred.v1': z.object({ ...paymentRef, reason: z.string(), retryAt: isoTime }),
  /**
   * The exchange rate moved beyond the tolerance before capture: the authorization was released and
   * the payer must confirm the share again at the new rate (amount, currency) before expiresAt.
   */
  'payment.requoted.v1': z.object({
    ...paymentRef,
    payerId: id,
    quoteId: id,
    previousRate: z.number().positive(),
    rate: z.number().positive(),
    amount: minor,
    currency,
    expiresAt: isoTime,
  }),
  'payment.refunded.v1': z.object({
    ...paymentRef,
    refundId: id,
    amount: minor,
    currency,
    reason: z.string(),
    /** Sum refunded for the booking so far, in the booking's currency. */
    bookingRefunded: minor,
    bookingCurrency: currency,
  }),
  'payment.reversed.v1': z.object({
    ...paymentRef,
    amount: minor,
    currency,
    reason: z.enum(['dispute', 'bank_reversal']),
  }),
  'dispute.opened.v1': z.object({ ...paymentRef, disputeId: id, amount: minor, currency, reason: z.string() }),
  'dispute.closed.v1': z.object({
    ...paymentRef,
    disputeId: id,
    status: z.enum(['won', 'lost']),
    amount: minor,
    currency,
  }),
} as const;

// ---- provider.webhooks (key: the provider's root object id) ----
const webhookBase = { webhookId: id, receivedAt: isoTime };
export const providerWebhookEvents = {
  'stripe.event.v1': z.object({
    ...webhookBase,
    eventId: id,
    eventType: z.string(),
    /** The payment intent the event belongs to (charges, refunds and disputes carry it). */
    paymentIntentId: id.nullable(),
    created: z.number().int(),
    object: z.record(z.string(), z.unknown()),
  }),
  'twilio.message.status.v1': z.object({
    ...webhookBase,
    messageSid: id,
    status: z.string(),
    errorCode: z.string().optional(),
    payload: z.record(z.string(), z.string()),
  }),
  'sendgrid.event.v1': z.object({
    ...webhookBase,
    sgEventId: id,
    sgMessageId: id,
    event: z.string(),
    email: z.string(),
    timestamp: z.number().int(),
    payload: z.record(z.string(), z.unknown()),
  }),
} as const;

// ---- fraud.decisions (key: bookingId) ----
export const riskReason = z.object({ rule: z.string(), weight: z.number(), detail: z.string() });
export const fraudEvents = {
  'fraud.assessed.v1': z.object({
    assessmentId: id,
    bookingId: id,
    userId: id,
    decision: z.enum(['allow', 'review', 'block']),
    score: z.number().min(0).max(100),
    reasons: z.array(riskReason),
    rulesVersion: z.number().int(),
  }),
  'review.resolved.v1': z.object({
    assessmentId: id,
    bookingId: id,
    decision: z.enum(['allow', 'block']),
    resolvedBy: z.string(),
    timedOut: z.boolean(),
  }),
} as const;

// ---- notification.events (key: notificationId) ----
const notificationBase = {
  notificationId: id,
  deliveryId: id,
  userId: id,
  channel: z.enum(['email', 'sms', 'push']),
  provider: z.string(),
  sourceEventType: z.string().optional(),
  /** The platform event the notification was made for (with userId and channel, what makes it unique). */
  sourceEventId: id.optional(),
};
export const notificationEvents = {
  'notification.sent.v1': z.object(notificationBase),
  'notification.delivered.v1': z.object(notificationBase),
  'notification.failed.v1': z.object({ ...notificationBase, reason: z.string() }),
  'notification.bounced.v1': z.object({ ...notificationBase, reason: z.string() }),
} as const;

// ---- gateway.signals (key: userId, or the IP when anonymous) ----
export const gatewayEvents = {
  'ratelimit.exceeded.v1': z.object({
    userId: id.optional(),
    ip: z.string(),
    action: z.string(),
    limit: positiveInt,
    windowSeconds: positiveInt,
    blockedUntil: isoTime.optional(),
  }),
  'session.conflict.v1': z.object({
    userId: id,
    matchId: id.optional(),
    sessionId: id,
    deviceIds: z.array(z.string()),
  }),
} as const;

// ---- reconciliation.events (key: bookingId, or the provider object when there is no booking) ----
export const findingKind = z.enum([
  'paid_not_confirmed',
  'confirmed_not_paid',
  'amount_mismatch',
  'currency_mismatch',
  'refund_missing',
  'charge_without_booking',
  'double_charge',
]);
export const reconciliationEvents = {
  'finding.opened.v1': z.object({
    findingId: id,
    runId: id,
    kind: findingKind,
    bookingId: id.optional(),
    intentId: id.optional(),
    amount: minor.optional(),
    currency: currency.optional(),
    detail: z.string(),
  }),
  'finding.resolved.v1': z.object({ findingId: id, runId: id, resolution: z.string(), bookingId: id.optional() }),
  'reconciliation.refund.requested.v1': z.object({
    findingId: id,
    bookingId: id.optional(),
    intentId: id,
    amount: minor,
    currency,
    reason: z.string(),
  }),
  'reconciliation.reconfirm.requested.v1': z.object({ findingId: id, bookingId: id, reason: z.string() }),
} as const;
