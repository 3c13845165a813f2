import { counter, type Logger } from '@matchday/observability';
import type { WaitingRoomStore } from './ports';

const checks = counter({
  name: 'gateway_waiting_room_admission_checks_total',
  help: 'Hold requests checked against the waiting room, by outcome (not_hot, admitted, missing, invalid)',
  labelNames: ['outcome'],
});

export type HoldAdmission =
  | { kind: 'not_hot' }
  | { kind: 'admitted'; consume: () => Promise<void> }
  | { kind: 'missing' }
  | { kind: 'invalid' };

/**
 * Whether a hold on `matchId` may go through: always when the match is not hot; else only with a
 * valid admission of this user for this match. The admission is used up once the hold succeeded.
 */
export function makeAdmitHold(deps: { rooms: WaitingRoomStore; logger: Logger }) {
  return async (input: { matchId: string; userId: string; admissionToken?: string }): Promise<HoldAdmission> => {
    const { matchId, userId, admissionToken } = input;
    if ((await deps.rooms.hotRate(matchId)) === undefined) {
      checks.inc({ outcome: 'not_hot' });
      return { kind: 'not_hot' };
    }
    if (!admissionToken) {
      checks.inc({ outcome: 'missing' });
      return { kind: 'missing' };
    }
    if (!(await deps.rooms.isAdmitted(matchId, admissionToken, userId))) {
      checks.inc({ outcome: 'invalid' });
      deps.logger.info('hold refused: admission not valid', { matchId, userId });
      return { kind: 'invalid' };
    }
    checks.inc({ outcome: 'admitted' });
    return {
      kind: 'admitted',
      consume: async () => {
        await deps.rooms.consumeAdmission(matchId, admissionToken, userId);
      },
    };
  };
}
