/**
 * The virtual waiting room of a hot match. Callers take a ticket in arrival order; tickets are
 * admitted from the head of the queue at the match's admission rate (a token bucket that holds at
 * most one second of admissions, so an idle room never saves up more than that). An admitted ticket
 * carries an admission token, valid for a while, that `POST /v1/holds` for that match requires.
 */
export type TicketStatus = 'waiting' | 'admitted' | 'expired';

export interface HotMatch {
  matchId: string;
  admissionRatePerSecond: number;
}

export interface Ticket {
  ticketId: string;
  matchId: string;
  status: TicketStatus;
  /** 1 for the next ticket to be admitted; only while waiting. */
  position?: number;
  estimatedWaitSeconds?: number;
  pollAfterSeconds?: number;
  admissionToken?: string;
  admissionExpiresAt?: string;
}

export const estimateWaitSeconds = (position: number, ratePerSecond: number): number =>
  Math.round((position / ratePerSecond) * 10) / 10;

/** When the client should look again: about when its turn may come, between 1 and 30 seconds. */
export const pollAfterSeconds = (position: number, ratePerSecond: number): number =>
  Math.min(30, Math.max(1, Math.ceil(position / ratePerSecond / 2)));

export function describeTicket(
  t: { ticketId: string; matchId: string; position?: number; admissionToken?: string; admissionExpiresAtMs?: number; expired?: boolean },
  ratePerSecond: number,
): Ticket {
  if (t.expired) return { ticketId: t.ticketId, matchId: t.matchId, status: 'expired' };
  if (t.admissionToken && t.admissionExpiresAtMs !== undefined) {
    return {
      ticketId: t.ticketId,
      matchId: t.matchId,
      status: 'admitted',
      admissionToken: t.admissionToken,
      admissionExpiresAt: new Date(t.admissionExpiresAtMs).toISOString(),
    };
  }
  const position = t.position ?? 1;
  return {
    ticketId: t.ticketId,
    matchId: t.matchId,
    status: 'waiting',
    position,
    estimatedWaitSeconds: estimateWaitSeconds(position, ratePerSecond),
    pollAfterSeconds: pollAfterSeconds(position, ratePerSecond),
  };
}
