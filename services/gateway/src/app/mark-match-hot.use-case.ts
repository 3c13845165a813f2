import { counter, type Logger } from '@matchday/observability';
import type { WaitingRoomStore } from './ports';

const changes = counter({
  name: 'gateway_waiting_room_changes_total',
  help: 'match.hot events applied to the waiting room, by outcome (opened, closed, stale)',
  labelNames: ['outcome'],
});

/**
 * Opens or closes a match's waiting room from `match.hot.v1`. Events of one match arrive in order
 * (keyed by matchId), but a replayed dead letter may be older than what was applied since: the
 * store ignores an event older than the last one applied.
 */
export function makeMarkMatchHot(deps: { rooms: WaitingRoomStore; defaultRatePerSecond: number; logger: Logger }) {
  return async (input: { matchId: string; hot: boolean; admissionRatePerSecond?: number; at: Date }): Promise<void> => {
    const rate = input.admissionRatePerSecond ?? deps.defaultRatePerSecond;
    const applied = await deps.rooms.setHot(input.matchId, input.hot, rate, input.at);
    const outcome = !applied ? 'stale' : input.hot ? 'opened' : 'closed';
    changes.inc({ outcome });
    deps.logger.info(applied ? `waiting room ${outcome}` : 'older match.hot ignored', { matchId: input.matchId, rate, at: input.at.toISOString() });
  };
}
