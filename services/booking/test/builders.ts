import type { Booking } from '../src/domain/booking';
import type { Match } from '../src/domain/match';

/** Test builders (pure data, used by unit tests). */
export function buildBooking(overrides: Partial<Booking> = {}): Booking {
  const now = new Date('2026-03-01T12:00:00Z');
  return {
    id: 'b1',
    createdAt: now,
    holdId: 'h1',
    matchId: 'm1',
    userId: 'u1',
    sessionId: null,
    quantity: 2,
    unitPrice: 5000,
    amount: 10000,
    currency: 'EUR',
    status: 'PENDING_PAYMENT',
    statusReason: null,
    paymentDeadline: new Date(now.getTime() + 900_000),
    captured: 0,
    refunded: 0,
    reversed: 0,
    fraudDecision: null,
    disputes: {},
    pendingModificationId: null,
    moneyReturned: false,
    version: 1,
    updatedAt: now,
    ...overrides,
  };
}

export function buildMatch(overrides: Partial<Match> = {}): Match {
  const now = new Date('2026-03-01T12:00:00Z');
  return {
    id: 'm1',
    title: 'Derby',
    venue: 'Stadium',
    fixtureId: 'fx1',
    kickoffAt: new Date('2026-04-01T18:00:00Z'),
    capacity: 100,
    unitPrice: 5000,
    currency: 'EUR',
    status: 'SCHEDULED',
    available: 100,
    held: 0,
    confirmed: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
