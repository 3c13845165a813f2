import type { Booking } from './booking';
import { ErrorCode, fail } from './errors';
import type { Match } from './match';

export type ModificationKind = 'reschedule' | 'quantity';
/**
 * APPLIED: done. PENDING_PAYMENT: the new slots are reserved and the booking keeps its old ones
 * until the extra payment lands (then APPLIED) or fails / the window closes (then FAILED / EXPIRED,
 * the reserved slots go back).
 */
export type ModificationStatus = 'APPLIED' | 'PENDING_PAYMENT' | 'FAILED' | 'EXPIRED';

/** The seed's result of a change of time, date or slot count. */
export interface ModificationResult {
  modificationId: string;
  bookingId: string;
  kind: ModificationKind;
  status: ModificationStatus;
  fromMatchId: string;
  toMatchId: string;
  fromQuantity: number;
  toQuantity: number;
  /** New total minus old total: > 0 is charged, < 0 refunded. */
  priceDelta: number;
  /** The booking's total once applied. */
  amount: number;
  currency: string;
  paymentDeadline: string | null;
}

export type TransferStatus = 'PENDING' | 'ACCEPTED' | 'EXPIRED';

/** The seed's result of a transfer request or acceptance. */
export interface TransferResult {
  transferId: string;
  bookingId: string;
  status: TransferStatus;
  fromUserId: string;
  toUserId: string;
  expiresAt: string;
}

/** The seed's interface for changing a booking, bound to the fan who asks. */
export interface BookingModification {
  /** Moves the booking to the match of the same fixture (else venue) that kicks off at `newTime`. */
  changeBookingTime(bookingId: string, newTime: Date): Promise<ModificationResult>;
  /** Moves the booking to the match of the same fixture (else venue) on `newDate`'s day. */
  changeBookingDate(bookingId: string, newDate: Date): Promise<ModificationResult>;
  modifySlotCount(bookingId: string, newCount: number): Promise<ModificationResult>;
  /** Asks `newUserId` to take the booking over; it moves only when they accept. */
  transferBooking(bookingId: string, newUserId: string): Promise<TransferResult>;
}

/** A modification as stored. */
export interface Modification {
  id: string;
  bookingId: string;
  kind: ModificationKind;
  status: ModificationStatus;
  fromMatchId: string;
  toMatchId: string;
  fromQuantity: number;
  toQuantity: number;
  /** Slots taken on `toMatchId` when requested (counted as held until applied). */
  reserved: number;
  priceDelta: number;
  newUnitPrice: number;
  newAmount: number;
  currency: string;
  paymentDeadline: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ModificationPlan {
  kind: ModificationKind;
  fromMatchId: string;
  toMatchId: string;
  fromQuantity: number;
  toQuantity: number;
  /** Slots to take on the target match now. */
  reserve: number;
  /** Confirmed slots the booking gives back on its current match once the change is applied. */
  release: number;
  newUnitPrice: number;
  newAmount: number;
  priceDelta: number;
  /** True when the fan owes money: the change waits for that payment. */
  needsPayment: boolean;
}

/**
 * What a change does to inventory and money. Moving to another match takes all slots there and
 * gives all back here; changing the count on the same match takes or gives back the difference.
 */
export function planModification(b: Booking, target: Match, toQuantity: number, kind: ModificationKind): ModificationPlan {
  if (target.currency !== b.currency) {
    fail(ErrorCode.CURRENCY_MISMATCH, `the target match is priced in ${target.currency}, the booking in ${b.currency}`);
  }
  const sameMatch = target.id === b.matchId;
  if (sameMatch && toQuantity === b.quantity) fail(ErrorCode.MODIFICATION_NOOP, 'nothing would change');
  const newUnitPrice = sameMatch ? b.unitPrice : target.unitPrice;
  const newAmount = newUnitPrice * toQuantity;
  const priceDelta = newAmount - b.amount;
  return {
    kind,
    fromMatchId: b.matchId,
    toMatchId: target.id,
    fromQuantity: b.quantity,
    toQuantity,
    reserve: sameMatch ? Math.max(0, toQuantity - b.quantity) : toQuantity,
    release: sameMatch ? Math.max(0, b.quantity - toQuantity) : b.quantity,
    newUnitPrice,
    newAmount,
    priceDelta,
    needsPayment: priceDelta > 0,
  };
}

const sameDay = (a: Date, b: Date): boolean => a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
const timeOfDayMs = (d: Date): number => d.getTime() % 86_400_000;

/**
 * The match a change of time or date lands on. Candidates are the other scheduled matches of the
 * same fixture (or, for a match without fixture, at the same venue). A time change needs a match
 * kicking off exactly at `when`; a date change takes the match on `when`'s (UTC) day, the one
 * closest to the current kickoff's time of day when there are several.
 */
export function resolveTargetMatch(current: Match, candidates: Match[], mode: 'time' | 'date', when: Date): Match {
  const related = candidates.filter(
    (m) =>
      m.id !== current.id &&
      m.status === 'SCHEDULED' &&
      (current.fixtureId ? m.fixtureId === current.fixtureId : m.venue === current.venue),
  );
  let found: Match | undefined;
  if (mode === 'time') {
    found = related.find((m) => m.kickoffAt.getTime() === when.getTime());
  } else {
    const wanted = timeOfDayMs(current.kickoffAt);
    found = related
      .filter((m) => sameDay(m.kickoffAt, when))
      .sort((a, b) => Math.abs(timeOfDayMs(a.kickoffAt) - wanted) - Math.abs(timeOfDayMs(b.kickoffAt) - wanted))[0];
  }
  if (!found) {
    return fail(ErrorCode.NO_MATCH_AT_TIME, `no match of this ${current.fixtureId ? 'fixture' : 'venue'} is offered ${mode === 'time' ? 'at' : 'on'} ${mode === 'time' ? when.toISOString() : when.toISOString().slice(0, 10)}`);
  }
  return found;
}

export function resultOf(m: Modification, bookingId: string): ModificationResult {
  return {
    modificationId: m.id,
    bookingId,
    kind: m.kind,
    status: m.status,
    fromMatchId: m.fromMatchId,
    toMatchId: m.toMatchId,
    fromQuantity: m.fromQuantity,
    toQuantity: m.toQuantity,
    priceDelta: m.priceDelta,
    amount: m.newAmount,
    currency: m.currency,
    paymentDeadline: m.paymentDeadline ? m.paymentDeadline.toISOString() : null,
  };
}
