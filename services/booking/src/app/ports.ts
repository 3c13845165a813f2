import type { Availability } from '../domain/match';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Redis's answer to a hold attempt, before Postgres is asked. */
export type AdmitResult =
  /** Tokens reserved in Redis; Postgres must now take the slots (it may still refuse). */
  | { kind: 'admitted' }
  /** Redis knows there are not enough slots: decided without Postgres. */
  | { kind: 'sold_out'; available: number }
  /** The user already has an active hold on this match (another device, a retry). */
  | { kind: 'existing'; holdId: string }
  /** Another request of this user for this match is being decided right now. */
  | { kind: 'pending' }
  /** The match is not on sale (cancelled, kicked off): decided without Postgres. */
  | { kind: 'closed' }
  /** No counter in Redis yet: load it from Postgres and ask again. */
  | { kind: 'unprimed' }
  /** Redis failed or timed out: Postgres decides alone. */
  | { kind: 'unavailable' };

/**
 * The admission counter in front of Postgres: a per-match token count in Redis, reserved
 * atomically (Lua) before the Postgres conditional update, which stays the source of truth.
 * It may run high (Postgres then refuses, and the refusal corrects it) but is never trusted
 * to be low for long: every change that frees slots adds them back, and a guarded re-sync
 * from Postgres repairs any drift while no attempt is in flight.
 */
export interface AdmissionGate {
  admit(matchId: string, userId: string, quantity: number, token: string): Promise<AdmitResult>;
  /**
   * Ends an admitted attempt. `returnTokens` gives the tokens back (the slots were not taken for a
   * reason other than lack of slots); `holdId` records the user's active hold for `ttlMs`.
   */
  finish(
    matchId: string,
    userId: string,
    quantity: number,
    token: string,
    outcome: { returnTokens: boolean; holdId?: string; ttlMs?: number },
  ): Promise<void>;
  /** Loads the counter from Postgres when Redis has none (-1: not on sale). */
  prime(matchId: string, available: number): Promise<void>;
  /** Slots went back to the public: add them to the counter. */
  free(matchId: string, slots: number): Promise<void>;
  /** Sets the counter from Postgres if nothing changed it meanwhile; false when it was busy. */
  resync(matchId: string, readAvailable: () => Promise<number | null>): Promise<'applied' | 'skipped_busy' | 'missing'>;
  /** The user's hold on the match is over (or starts: `holdId` with its ttl). */
  forgetUserHold(matchId: string, userId: string, holdId: string): Promise<void>;
  rememberUserHold(matchId: string, userId: string, holdId: string, ttlMs: number): Promise<void>;
  /** The match stopped selling: nothing more is admitted (the counter becomes -1). */
  close(matchId: string): Promise<void>;
}

/** A booking as its owner reads it; cached for GET /v1/bookings/{id}. */
export type BookingData = Record<string, unknown> & { bookingId: string; userId: string };

/** The seed's caching contract, backed by Redis. */
export interface CacheManager {
  cacheSlotAvailability(matchId: string, duration: number): Promise<void>;
  invalidateSlotCache(matchId: string): Promise<void>;
  getCachedBookingData(bookingId: string): Promise<BookingData | null>;
  /** Read-through availability: the cached picture, or Postgres's (then cached). Null for an unknown match. */
  getAvailability(matchId: string): Promise<Availability | null>;
  cacheBookingData(data: BookingData): Promise<void>;
  invalidateBookingData(bookingId: string): Promise<void>;
}
