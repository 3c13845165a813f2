import { ErrorCode, fail } from '../domain/errors';
import { bookingRecovery, holdRecovery, sessionState, type UserExperienceHandler } from '../domain/session';
import { bookingsRepository } from '../db/bookings.repository';
import { holdsRepository } from '../db/holds.repository';
import type { AppDeps } from './deps';
import { metrics } from './metrics';

/**
 * The seed's UserExperienceHandler for one fan. A hold is never released because a client went
 * away: it lives until its TTL (and a booking until its payment window), so a client that comes
 * back — on the same device or another — resumes where it was.
 */
export function makeUserExperience(deps: AppDeps) {
  return (userId: string): UserExperienceHandler => ({
    /** GET /v1/sessions/{id}: the session's latest hold (its own or one handed to it) and the booking it became. */
    async recoverBookingSession(sessionId) {
      const hold = await holdsRepository.latestForSession(deps.db, sessionId, userId);
      if (!hold) return fail(ErrorCode.SESSION_NOT_FOUND, 'nothing was booked in this session', { sessionId });
      const bookingId = hold.status === 'CONVERTED' ? await bookingsRepository.idForHold(deps.db, hold.id) : null;
      const booking = bookingId ? await bookingsRepository.get(deps.db, bookingId) : null;
      // A transferred booking belongs to someone else now: the session only shows the hold.
      return sessionState(sessionId, userId, hold, booking && booking.userId === userId ? booking : null, deps.clock.now());
    },

    /** Several devices on one active hold: counted and logged (the gateway reports session.conflict). */
    async handleConcurrentSessions(user) {
      // A client is its device id, or its session id when it sent no device id.
      const { rows } = await deps.db.raw(
        `SELECT h.id, h.match_id, count(DISTINCT c.client) AS devices
           FROM holds h
           CROSS JOIN LATERAL (
             SELECT coalesce(h.device_id, h.session_id) AS client
             UNION ALL SELECT coalesce(s.device_id, s.session_id) FROM hold_sessions s WHERE s.hold_id = h.id) c
          WHERE h.user_id = ? AND h.status = 'ACTIVE'
          GROUP BY h.id, h.match_id`,
        [user],
      );
      for (const r of rows as Array<{ id: string; match_id: string; devices: string }>) {
        if (Number(r.devices) > 1) {
          metrics.sessionConflicts.inc();
          deps.logger.warn('one hold used from several devices', { userId: user, holdId: r.id, matchId: r.match_id, devices: Number(r.devices) });
        }
      }
    },

    /** Where a dropped client stands with a booking or hold id: how long it can still resume. */
    async handleDisconnection(id) {
      const now = deps.clock.now();
      const booking = await bookingsRepository.get(deps.db, id).catch(() => null);
      if (booking && booking.userId === userId) return bookingRecovery(booking, now);
      const hold = await holdsRepository.get(deps.db, id).catch(() => null);
      if (hold && hold.userId === userId) return holdRecovery(hold, now);
      return fail(ErrorCode.SESSION_NOT_FOUND, 'nothing to resume under this id', { id });
    },
  });
}
