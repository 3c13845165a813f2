/**
 * The three views reconciliation compares: bookings (as booking's events describe them), payment
 * records (as payment's events describe them) and the provider's own records (Stripe payment
 * intents with the money their balance transactions moved). All money is in minor units.
 */

/** Booking states as reconciliation projects them from booking.events (docs/SAGA.md). */
export type BookingState = 'PENDING_PAYMENT' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED' | 'REVERSED';

export interface BookingRecord {
  bookingId: string;
  state: BookingState;
  /** Current total (after modifications), in the booking's currency. */
  amount: number;
  currency: string;
  /** A dispute is open: the dispute flow owns this booking's money until it closes. */
  disputed: boolean;
  /** The greatest amount payment.succeeded reported for it (booking currency): payment declared it paid; 0 when it never did. */
  paidDeclared: number;
  /** payment.closed: payment stopped collecting for it and gives back whatever was captured. */
  paymentClosed?: { at: Date; reason: string };
  createdAt: Date;
  /** Time of the last event that changed it. */
  updatedAt: Date;
}

export interface PaymentRecord {
  paymentId: string;
  bookingId: string;
  intentId?: string;
  payerId?: string;
  /** The payment's (intent's) currency, which may differ from the booking's (FX). */
  currency: string;
  captured: number;
  refunded: number;
  /** What its captures were worth in the booking's currency (from payment.captured's running sum). */
  bookingCaptured: number;
}

/** A Stripe payment intent and the money its balance transactions moved, in the intent's currency. */
export interface ProviderIntent {
  intentId: string;
  /** From `metadata.booking_id`; absent when the charge belongs to no booking we know of. */
  bookingId?: string;
  payerId?: string;
  status: string;
  amount: number;
  /** Upper case (Stripe reports lower case). */
  currency: string;
  created: Date;
  /** Charges (balance transactions of type charge). */
  captured: number;
  /** Refunds, as a positive sum. */
  refunded: number;
  /** Disputes lost and bank reversals (adjustments), as a positive sum; won disputes give it back. */
  reversed: number;
  /** Latest of its creation and its balance transactions: younger than the grace period → not judged yet. */
  lastActivity: Date;
}

export const netOf = (i: ProviderIntent): number => i.captured - i.refunded - i.reversed;
