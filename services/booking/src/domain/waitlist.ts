export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'FULFILLED' | 'EXPIRED' | 'LEFT' | 'CANCELLED';

/** A fan waiting for a sold-out match, in order of joining (`seq`). */
export interface WaitlistEntry {
  id: string;
  seq: number;
  matchId: string;
  userId: string;
  quantity: number;
  status: WaitlistStatus;
  holdId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Which waiting entries get an offer from `available` freed slots: first come, first served; an
 * entry that wants more than is left is skipped (it keeps its place) so smaller requests behind it
 * are not starved by it, and users who already hold slots on the match are passed over.
 */
export function pickOffers(waiting: WaitlistEntry[], available: number, usersWithHold: ReadonlySet<string>): WaitlistEntry[] {
  const picked: WaitlistEntry[] = [];
  let left = available;
  for (const entry of [...waiting].sort((a, b) => a.seq - b.seq)) {
    if (left <= 0) break;
    if (entry.status !== 'WAITING' || usersWithHold.has(entry.userId) || entry.quantity > left) continue;
    picked.push(entry);
    left -= entry.quantity;
  }
  return picked;
}
