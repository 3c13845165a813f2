import { DomainError } from '@matchday/contracts';
import { counter } from '@matchday/observability';
import { describeTicket, type Ticket } from '../domain/waiting-room';
import type { WaitingRoomStore } from './ports';

const joins = counter({
  name: 'gateway_waiting_room_joins_total',
  help: 'Waiting-room joins, by outcome (new, existing, closed)',
  labelNames: ['outcome'],
});

/** Takes the caller's place in a hot match's queue; joining again returns the same ticket. */
export function makeJoinWaitingRoom(deps: { rooms: WaitingRoomStore }) {
  return async (matchId: string, userId: string): Promise<{ ticket: Ticket; created: boolean }> => {
    const rate = await deps.rooms.hotRate(matchId);
    const record = rate === undefined ? undefined : await deps.rooms.join(matchId, userId);
    if (!record || rate === undefined) {
      joins.inc({ outcome: 'closed' });
      throw new DomainError('WAITING_ROOM_CLOSED', { matchId }, 'This match has no waiting room now: place the hold directly.');
    }
    joins.inc({ outcome: record.created ? 'new' : 'existing' });
    return { ticket: describeTicket({ ...record, matchId, expired: record.state === 'expired' }, rate), created: record.created };
  };
}
