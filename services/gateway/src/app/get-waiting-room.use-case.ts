import type { WaitingRoomStore } from './ports';

/** Whether a match has a waiting room now, its admission rate and how many wait. */
export function makeGetWaitingRoom(deps: { rooms: WaitingRoomStore }) {
  return async (matchId: string) => {
    const rate = await deps.rooms.hotRate(matchId);
    if (rate === undefined) return { matchId, hot: false, waiting: 0 };
    return { matchId, hot: true, admissionRatePerSecond: rate, waiting: await deps.rooms.waiting(matchId) };
  };
}
