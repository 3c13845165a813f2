import { DomainError } from '@matchday/contracts';
import { describeTicket, type Ticket } from '../domain/waiting-room';
import type { WaitingRoomStore } from './ports';

/**
 * The caller's ticket: its position, or its admission once admitted (admission happens as tickets
 * are read, in arrival order at the match's rate). After the room closed, every ticket reads as
 * admitted without a token: holds need no admission any more.
 */
export function makeGetWaitingRoomTicket(deps: { rooms: WaitingRoomStore }) {
  return async (matchId: string, ticketId: string, userId: string): Promise<Ticket> => {
    const record = await deps.rooms.ticket(matchId, ticketId, userId);
    if (!record) throw new DomainError('TICKET_NOT_FOUND', { matchId, ticketId }, 'No such ticket for you in this waiting room.');
    if (record.state === 'open') return { ticketId, matchId, status: 'admitted' };
    const rate = (await deps.rooms.hotRate(matchId)) ?? 1;
    return describeTicket({ ...record, matchId, expired: record.state === 'expired' }, rate);
  };
}
