import { randomUUID } from 'node:crypto';
import type { QueueManager } from '@matchday/bus';
import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { Clock } from '../domain';
import type { Assessment, AssessmentsRepository } from '../db/assessments.repository';
import type { BookingsRepository } from '../db/bookings.repository';
import type { SignalsRepository } from '../db/signals.repository';
import { fraudMetrics } from './metrics';
import type { RulesProvider } from './rules-provider';

export interface FlagDeps {
  db: Knex;
  bookings: BookingsRepository;
  signals: SignalsRepository;
  assessments: AssessmentsRepository;
  rules: RulesProvider;
  bus: QueueManager;
  clock: Clock;
  reviewTimeoutSeconds: number;
  logger: Logger;
}

export interface FlagResult {
  assessment: Assessment;
  /** False when the booking was already under review or blocked: only the flag was recorded. */
  reviewOpened: boolean;
}

const isBlocked = (a: Assessment): boolean =>
  a.decision === 'block' || a.review?.status === 'rejected' || a.review?.status === 'timed_out';

/**
 * Seed: flagSuspiciousActivity — records a flag against the booking's user (the `flagged_user`
 * rule counts it for later bookings) and sends the booking to review with the flag as its reason,
 * unless it is already under review or blocked. A review resolved to block after capture makes
 * payment refund (docs/SAGA.md).
 */
export function makeFlagSuspiciousActivity(deps: FlagDeps) {
  return async function flagSuspiciousActivity(cmd: { bookingId: string; reason: string; flaggedBy: string }): Promise<FlagResult> {
    return deps.db.transaction(async (trx) => {
      // Serialises flags of one booking so two staff members flagging at once open one review.
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`fraud:flag:${cmd.bookingId}`]);
      const booking = await deps.bookings.get(trx, cmd.bookingId);
      if (!booking) throw new DomainError('BOOKING_UNKNOWN', { bookingId: cmd.bookingId }, 'fraud has not seen this booking');
      const now = deps.clock.now();
      await deps.signals.record(trx, {
        kind: 'flag',
        occurredAt: now,
        userId: booking.userId,
        bookingId: booking.bookingId,
        detail: { reason: cmd.reason, flaggedBy: cmd.flaggedBy },
      });
      fraudMetrics.flags.inc();
      const latest = await deps.assessments.latestOfBooking(trx, cmd.bookingId);
      if (latest && (latest.review?.status === 'pending' || isBlocked(latest))) {
        deps.logger.info('booking flagged; already under review or blocked', { bookingId: cmd.bookingId, assessmentId: latest.id });
        return { assessment: latest, reviewOpened: false };
      }
      const rules = deps.rules.current();
      const assessment: Assessment = {
        id: randomUUID(),
        bookingId: booking.bookingId,
        userId: booking.userId,
        trigger: 'flag',
        decision: 'review',
        score: Math.max(latest?.score ?? 0, rules.ruleSet.thresholds.review),
        reasons: [{ rule: 'manual_flag', weight: 0, detail: cmd.reason }, ...(latest?.reasons ?? [])],
        rulesVersion: rules.version,
        eventTime: now,
        createdAt: now,
        review: { status: 'pending', deadline: new Date(now.getTime() + deps.reviewTimeoutSeconds * 1000) },
      };
      await deps.assessments.insert(trx, assessment);
      await deps.bus.publish(
        trx,
        'fraud.assessed.v1',
        {
          assessmentId: assessment.id,
          bookingId: assessment.bookingId,
          userId: assessment.userId,
          decision: 'review',
          score: assessment.score,
          reasons: assessment.reasons,
          rulesVersion: assessment.rulesVersion,
        },
        { subject: assessment.bookingId },
      );
      fraudMetrics.decisions.inc({ decision: 'review' });
      deps.logger.info('booking flagged and sent to review', { bookingId: cmd.bookingId, assessmentId: assessment.id, flaggedBy: cmd.flaggedBy });
      return { assessment, reviewOpened: true };
    });
  };
}
