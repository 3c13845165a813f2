import { ErrorCode, fail } from './errors';

export type HoldStatus = 'ACTIVE' | 'EXPIRED' | 'RELEASED' | 'CONVERTED';

/** Slots set aside for one user on one match until checkout or expiry. One ACTIVE hold per (user, match). */
export interface Hold {
  id: string;
  matchId: string;
  userId: string;
  quantity: number;
  status: HoldStatus;
  sessionId: string | null;
  deviceId: string | null;
  /** Set when the hold is a waiting-list offer. */
  waitlistEntryId: string | null;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export function checkQuantity(quantity: number, max: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > max) {
    fail(ErrorCode.QUANTITY_INVALID, `quantity must be between 1 and ${max}`, { max });
  }
}

export const holdExpiry = (now: Date, ttlSeconds: number): Date => new Date(now.getTime() + ttlSeconds * 1000);

/** Active and not yet past its expiry (the sweeper may not have returned it yet). */
export const isLive = (hold: Hold, now: Date): boolean => hold.status === 'ACTIVE' && hold.expiresAt.getTime() > now.getTime();

/**
 * Whether `userId` may check out `hold` now. A converted hold is answered by the caller with the
 * booking it became (checkout is idempotent per hold).
 */
export function assertCheckoutable(hold: Hold, userId: string, now: Date): void {
  if (hold.userId !== userId) fail(ErrorCode.HOLD_NOT_FOUND, 'no such hold', { holdId: hold.id });
  if (hold.status === 'RELEASED') fail(ErrorCode.HOLD_RELEASED, 'the hold was released', { holdId: hold.id });
  if (hold.status === 'EXPIRED' || (hold.status === 'ACTIVE' && !isLive(hold, now))) {
    fail(ErrorCode.HOLD_EXPIRED, 'the hold expired; place a new one', { holdId: hold.id, expiredAt: hold.expiresAt.toISOString() });
  }
}
