import { ErrorCode, fail } from './errors';

export type MatchStatus = 'SCHEDULED' | 'CANCELLED';

/**
 * A match and its inventory. The three counters always add up to the capacity (a CHECK constraint
 * in Postgres guarantees it): `available` can be held, `held` covers active holds and bookings
 * waiting for payment (and slots reserved for a pending modification), `confirmed` covers paid
 * bookings (also while disputed).
 */
export interface Match {
  id: string;
  title: string;
  venue: string;
  fixtureId: string | null;
  kickoffAt: Date;
  capacity: number;
  unitPrice: number;
  currency: string;
  status: MatchStatus;
  available: number;
  held: number;
  confirmed: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What clients read (through the cache): the slot picture of one match. */
export interface Availability {
  matchId: string;
  status: MatchStatus;
  onSale: boolean;
  kickoffAt: string;
  capacity: number;
  available: number;
  held: number;
  confirmed: number;
  unitPrice: number;
  currency: string;
  /** When this picture was read from Postgres. */
  asOf: string;
}

export interface NewMatch {
  title: string;
  venue: string;
  fixtureId?: string | undefined;
  kickoffAt: Date;
  capacity: number;
  unitPrice: number;
  currency: string;
}

/** Holds and bookings are taken only on a scheduled match before kickoff. */
export function isOnSale(match: Pick<Match, 'status' | 'kickoffAt'>, now: Date): boolean {
  return match.status === 'SCHEDULED' && match.kickoffAt.getTime() > now.getTime();
}

export function availabilityOf(match: Match, now: Date): Availability {
  return {
    matchId: match.id,
    status: match.status,
    onSale: isOnSale(match, now),
    kickoffAt: match.kickoffAt.toISOString(),
    capacity: match.capacity,
    available: match.available,
    held: match.held,
    confirmed: match.confirmed,
    unitPrice: match.unitPrice,
    currency: match.currency,
    asOf: now.toISOString(),
  };
}

export function validateNewMatch(input: NewMatch, now: Date): void {
  if (input.kickoffAt.getTime() <= now.getTime()) fail(ErrorCode.MATCH_INVALID, 'kickoff must be in the future');
  if (!Number.isInteger(input.capacity) || input.capacity < 1) fail(ErrorCode.MATCH_INVALID, 'capacity must be a positive integer');
  if (!Number.isInteger(input.unitPrice) || input.unitPrice < 0) fail(ErrorCode.MATCH_INVALID, 'unit price must be a non-negative amount in minor units');
}

/** A reschedule moves kickoff (and maybe venue) of a scheduled match to a future time. */
export function validateReschedule(match: Match, kickoffAt: Date, now: Date): void {
  if (match.status !== 'SCHEDULED') fail(ErrorCode.MATCH_NOT_ON_SALE, 'a cancelled match cannot be rescheduled', { matchId: match.id });
  if (kickoffAt.getTime() <= now.getTime()) fail(ErrorCode.MATCH_INVALID, 'kickoff must be in the future');
}
