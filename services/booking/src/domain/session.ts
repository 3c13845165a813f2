import type { Booking, BookingStatus } from './booking';
import type { Hold, HoldStatus } from './hold';

/** Where a client left its booking flow, so it can resume there. */
export type BookingStep = 'HOLDING' | 'PAYING' | 'DONE' | 'START_OVER';

/** The seed's answer to a session recovery: what the client was doing and where to go on. */
export interface BookingState {
  sessionId: string;
  userId: string;
  step: BookingStep;
  matchId: string | null;
  hold: { holdId: string; status: HoldStatus; quantity: number; expiresAt: string; secondsLeft: number } | null;
  booking: { bookingId: string; status: BookingStatus; amount: number; currency: string; paymentDeadline: string; secondsLeft: number } | null;
  /** The request the client should make next. */
  resume: { method: 'GET' | 'POST'; path: string } | null;
}

/** The seed's answer to a disconnection: nothing is lost while the timer runs. */
export interface RecoveryState {
  id: string;
  kind: 'hold' | 'booking';
  status: HoldStatus | BookingStatus;
  /** True while the client can resume without starting over. */
  resumable: boolean;
  secondsLeft: number;
  expiresAt: string;
}

/** The seed's user-experience contract (session recovery, several devices, dropped connections). */
export interface UserExperienceHandler {
  recoverBookingSession(sessionId: string): Promise<BookingState>;
  handleConcurrentSessions(userId: string): Promise<void>;
  handleDisconnection(bookingId: string): Promise<RecoveryState>;
}

const secondsLeft = (until: Date, now: Date): number => Math.max(0, Math.ceil((until.getTime() - now.getTime()) / 1000));

export function holdRecovery(h: Hold, now: Date): RecoveryState {
  const left = h.status === 'ACTIVE' ? secondsLeft(h.expiresAt, now) : 0;
  return { id: h.id, kind: 'hold', status: h.status, resumable: left > 0, secondsLeft: left, expiresAt: h.expiresAt.toISOString() };
}

export function bookingRecovery(b: Booking, now: Date): RecoveryState {
  const left = b.status === 'PENDING_PAYMENT' ? secondsLeft(b.paymentDeadline, now) : 0;
  return {
    id: b.id,
    kind: 'booking',
    status: b.status,
    resumable: b.status === 'CONFIRMED' || left > 0,
    secondsLeft: left,
    expiresAt: b.paymentDeadline.toISOString(),
  };
}

/** The session's state from its latest hold and the booking it became (if any). */
export function sessionState(sessionId: string, userId: string, hold: Hold, booking: Booking | null, now: Date): BookingState {
  const holdView = {
    holdId: hold.id,
    status: hold.status,
    quantity: hold.quantity,
    expiresAt: hold.expiresAt.toISOString(),
    secondsLeft: hold.status === 'ACTIVE' ? secondsLeft(hold.expiresAt, now) : 0,
  };
  const bookingView = booking && {
    bookingId: booking.id,
    status: booking.status,
    amount: booking.amount,
    currency: booking.currency,
    paymentDeadline: booking.paymentDeadline.toISOString(),
    secondsLeft: booking.status === 'PENDING_PAYMENT' ? secondsLeft(booking.paymentDeadline, now) : 0,
  };
  let step: BookingStep = 'START_OVER';
  let resume: BookingState['resume'] = { method: 'POST', path: '/v1/holds' };
  if (booking) {
    if (booking.status === 'PENDING_PAYMENT' && bookingView && bookingView.secondsLeft > 0) {
      step = 'PAYING';
      resume = { method: 'GET', path: `/v1/bookings/${booking.id}` };
    } else if (booking.status === 'CONFIRMED' || booking.status === 'DISPUTED') {
      step = 'DONE';
      resume = { method: 'GET', path: `/v1/bookings/${booking.id}` };
    }
  } else if (holdView.secondsLeft > 0) {
    step = 'HOLDING';
    resume = { method: 'POST', path: '/v1/bookings' };
  }
  return { sessionId, userId, step, matchId: hold.matchId, hold: holdView, booking: bookingView, resume };
}
