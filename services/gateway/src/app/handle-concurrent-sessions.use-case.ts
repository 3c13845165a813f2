import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@matchday/contracts';
import { counter, type Logger } from '@matchday/observability';
import { isConflict, type UserSession } from '../domain/sessions';
import type { SessionStore, SignalPublisher } from './ports';

const conflicts = counter({
  name: 'gateway_session_conflicts_total',
  help: 'Changes by one user from several devices at once, by outcome (serialised, refused)',
  labelNames: ['outcome'],
});

export interface ConcurrentSessionsDeps {
  sessions: SessionStore;
  signals: SignalPublisher;
  /** How long a change waits for another one of the same user to finish. */
  lockWaitMs: number;
  logger: Logger;
  pollMs?: number;
}

/**
 * Seed: UserExperienceHandler.handleConcurrentSessions. Every device of a user shares one booking
 * session (`open`), and the user's changes run one at a time whatever device they come from
 * (`exclusive`): a change that arrives while another device's is running waits for it, then runs
 * against the state it left, so both devices see one consistent hold/booking state. Such an overlap
 * is signalled to fraud (`session.conflict.v1`, at most once a minute per user).
 */
export function makeHandleConcurrentSessions(deps: ConcurrentSessionsDeps) {
  const pollMs = deps.pollMs ?? 25;
  return {
    open: (userId: string, deviceId: string): Promise<UserSession> => deps.sessions.touch(userId, deviceId),

    async exclusive<T>(
      who: { userId: string; deviceId: string; session: UserSession; matchId?: string },
      change: () => Promise<T>,
    ): Promise<T> {
      const deadline = Date.now() + deps.lockWaitMs;
      let signalled = false;
      for (;;) {
        const attempt = await deps.sessions.tryLock(who.userId, who.deviceId);
        if ('lock' in attempt) {
          if (signalled) conflicts.inc({ outcome: 'serialised' });
          try {
            return await change();
          } finally {
            await attempt.lock.release().catch((err: unknown) => deps.logger.warn('session lock not released; it expires by itself', { err }));
          }
        }
        if (!signalled && isConflict(attempt.heldBy, who.deviceId)) {
          signalled = true;
          if (await deps.sessions.firstConflictWithin(who.userId, 60)) {
            const deviceIds = [...new Set([who.deviceId, attempt.heldBy, ...who.session.activeDevices])];
            deps.logger.info('concurrent changes from several devices', { userId: who.userId, deviceIds });
            deps.signals.publish(
              'session.conflict.v1',
              { userId: who.userId, sessionId: who.session.sessionId, deviceIds, ...(who.matchId ? { matchId: who.matchId } : {}) },
              who.userId,
            );
          }
        }
        if (Date.now() >= deadline) {
          conflicts.inc({ outcome: 'refused' });
          deps.logger.info('change refused: another change of this user is still running', { userId: who.userId });
          throw new DomainError('CONCURRENT_CHANGE', { sessionId: who.session.sessionId }, 'Another change of yours is still in progress; retry in a moment.');
        }
        await sleep(pollMs);
      }
    },
  };
}
