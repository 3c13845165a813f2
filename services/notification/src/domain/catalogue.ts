import type { EventData, EventType } from '@matchday/contracts';

/** Who hears about an event. */
export type Audience =
  /** `data.userId` of the event. */
  | 'event_user'
  /** The owner of `data.bookingId`, from this service's bookings projection. */
  | 'booking_owner'
  /** Everyone holding a confirmed booking for `data.matchId` (the projection): the mass fan-out. */
  | 'match_bookers'
  /** `data.toUserId`: the user a booking is offered to. */
  | 'transfer_recipient'
  /** Both sides of a transfer. */
  | 'transfer_parties'
  /** The user paying `data.payerId`'s share (from `booking.created`'s payers), else the booking's owner. */
  | 'payer';

export type TemplateId =
  | 'booking-confirmed'
  | 'booking-cancelled'
  | 'booking-expired'
  | 'booking-reversed'
  | 'transfer-requested'
  | 'transfer-accepted'
  | 'match-rescheduled'
  | 'match-cancelled'
  | 'payment-failed'
  | 'modification-payment-failed'
  | 'modification-expired'
  | 'payment-refunded'
  | 'payment-reversed'
  | 'payment-requoted'
  | 'dispute-opened'
  | 'fraud-blocked';

export interface CatalogueEntry {
  template: TemplateId;
  /**
   * Critical messages concern money or whether the user can attend: they are sent even to users who
   * opted out of non-critical messages (and to a reachable channel when none they chose reaches them).
   */
  critical: boolean;
  audience: Audience;
}

/** Every event that becomes notifications, with its template, criticality and audience. */
export const CATALOGUE = {
  'booking.confirmed.v1': { template: 'booking-confirmed', critical: false, audience: 'event_user' },
  'booking.cancelled.v1': { template: 'booking-cancelled', critical: true, audience: 'event_user' },
  'booking.expired.v1': { template: 'booking-expired', critical: false, audience: 'event_user' },
  'booking.reversed.v1': { template: 'booking-reversed', critical: true, audience: 'event_user' },
  'transfer.requested.v1': {
    template: 'transfer-requested',
    critical: false,
    audience: 'transfer_recipient',
  },
  'transfer.accepted.v1': { template: 'transfer-accepted', critical: false, audience: 'transfer_parties' },
  'match.rescheduled.v1': { template: 'match-rescheduled', critical: true, audience: 'match_bookers' },
  'match.cancelled.v1': { template: 'match-cancelled', critical: true, audience: 'match_bookers' },
  'payment.failed.v1': { template: 'payment-failed', critical: true, audience: 'booking_owner' },
  // A change waiting for its extra payment will not happen. Only a window that closed without that
  // payment (status EXPIRED) is told; the expansion skips FAILED drops: a failed extra charge was told
  // by its payment.failed, and a change dropped because the booking left CONFIRMED by that booking's
  // own message. Critical like modification-payment-failed (see MODIFICATION_PAYMENT_FAILED):
  // it concerns what the fan can attend — they asked for other places or another match and, untold,
  // would count on them — and no other message says this change lapsed, since no payment failed.
  'modification.dropped.v1': { template: 'modification-expired', critical: true, audience: 'booking_owner' },
  'payment.refunded.v1': { template: 'payment-refunded', critical: true, audience: 'booking_owner' },
  // The exchange rate moved past the tolerance before capture: nothing is taken until the payer
  // confirms the new amount, and the booking expires if nobody does.
  'payment.requoted.v1': { template: 'payment-requoted', critical: true, audience: 'payer' },
  // The seed's ReversalHandler.notifyUserOfReversal: a bank reversal or lost dispute is always told.
  'payment.reversed.v1': { template: 'payment-reversed', critical: true, audience: 'booking_owner' },
  'dispute.opened.v1': { template: 'dispute-opened', critical: true, audience: 'booking_owner' },
  'fraud.assessed.v1': { template: 'fraud-blocked', critical: true, audience: 'event_user' },
} as const satisfies Partial<Record<EventType, CatalogueEntry>>;

export type NotifiedEventType = keyof typeof CATALOGUE;

/**
 * A `payment.failed` naming a modification: the extra charge of a change to a confirmed booking (more
 * places, another match) failed, so that change does not happen and the booking stays as it was. It
 * is not the booking's own payment failing, and saying so would tell the fan their booking is lost.
 * Critical, as the rule above decides: it concerns what the fan can attend. They asked for other
 * places or another match and, untold, would count on them (bring friends for the extra places, go
 * to the other match); and the extra charge is taken from the card of their original payment without
 * them doing anything then, so nothing else tells them it failed.
 */
const MODIFICATION_PAYMENT_FAILED = {
  template: 'modification-payment-failed',
  critical: true,
  audience: 'booking_owner',
} as const satisfies CatalogueEntry;

/** What an event is told with: its type's entry, unless what the event carries makes it another message. */
export function catalogueEntry(event: { type: NotifiedEventType; data: unknown }): CatalogueEntry {
  if (event.type === 'payment.failed.v1' && (event.data as EventData<'payment.failed.v1'>).modificationId)
    return MODIFICATION_PAYMENT_FAILED;
  return CATALOGUE[event.type];
}

export const isNotified = (type: string): type is NotifiedEventType => Object.hasOwn(CATALOGUE, type);

/**
 * Values a template may use, collected when the event is expanded (the same for every recipient of
 * one event, so a fan-out renders once per locale). Times are ISO strings, amounts minor units.
 */
export interface TemplateContext {
  bookingId?: string;
  quantity?: number;
  matchId?: string;
  matchTitle?: string;
  venue?: string;
  kickoffAt?: string;
  previousKickoffAt?: string;
  amount?: number;
  currency?: string;
  reason?: string;
  /** The payment to confirm: its id works as a payment link. */
  paymentId?: string;
  /** When a quote stops holding. */
  expiresAt?: string;
}

/**
 * The seed's ReversalHandler, as far as notification owns it: payment handles the bank reversal and
 * booking updates the booking's status; this service tells the user (critical: always sent).
 */
export interface ReversalHandler {
  notifyUserOfReversal(bookingId: string): Promise<void>;
}
