import { moneyOf, type Booking } from '../domain/booking';
import type { Hold } from '../domain/hold';
import type { Match } from '../domain/match';
import { holdRecovery } from '../domain/session';
import type { BookingData } from './ports';

/** The JSON clients get: ids and ISO times, money in minor units. */
export const matchView = (m: Match) => ({
  matchId: m.id,
  title: m.title,
  venue: m.venue,
  fixtureId: m.fixtureId,
  kickoffAt: m.kickoffAt.toISOString(),
  status: m.status,
  capacity: m.capacity,
  unitPrice: m.unitPrice,
  currency: m.currency,
  version: m.version,
});

export const holdView = (h: Hold, now: Date) => ({
  holdId: h.id,
  matchId: h.matchId,
  userId: h.userId,
  quantity: h.quantity,
  status: h.status,
  expiresAt: h.expiresAt.toISOString(),
  waitlistEntryId: h.waitlistEntryId,
  createdAt: h.createdAt.toISOString(),
  recovery: holdRecovery(h, now),
});

export const bookingView = (b: Booking): BookingData => ({
  bookingId: b.id,
  holdId: b.holdId,
  matchId: b.matchId,
  userId: b.userId,
  quantity: b.quantity,
  unitPrice: b.unitPrice,
  amount: b.amount,
  currency: b.currency,
  status: b.status,
  statusReason: b.statusReason,
  paymentDeadline: b.paymentDeadline.toISOString(),
  pendingModificationId: b.pendingModificationId,
  money: moneyOf(b),
  version: b.version,
  createdAt: b.createdAt.toISOString(),
  updatedAt: b.updatedAt.toISOString(),
});
