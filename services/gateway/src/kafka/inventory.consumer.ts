import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import type { makeMarkMatchHot } from '../app/mark-match-hot.use-case';

/** inventory.events → the waiting room: `match.hot.v1` opens or closes a match's room. */
export function inventoryHandler(deps: { markMatchHot: ReturnType<typeof makeMarkMatchHot> }) {
  return async (event: MatchdayEvent): Promise<void> => {
    if (!isEvent(event, 'match.hot.v1')) return;
    const { matchId, hot, admissionRatePerSecond } = event.data;
    await deps.markMatchHot({ matchId, hot, ...(admissionRatePerSecond !== undefined ? { admissionRatePerSecond } : {}), at: new Date(event.time) });
  };
}
