import { randomUUID } from 'node:crypto';
import type { QueueManager } from '@matchday/bus';
import type { EventData } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { BookingSubject, Clock } from '../domain';
import type { Assessment, AssessmentsRepository } from '../db/assessments.repository';
import type { BookingsRepository } from '../db/bookings.repository';
import type { AnalyzeBookingPattern } from './analyze-booking-pattern.use-case';
import { fraudMetrics } from './metrics';

export interface AssessBookingDeps {
  bookings: BookingsRepository;
  assessments: AssessmentsRepository;
  analyze: AnalyzeBookingPattern;
  bus: QueueManager;
  clock: Clock;
  reviewTimeoutSeconds: number;
  logger: Logger;
}

export interface BookingCreated {
  data: EventData<'booking.created.v1'>;
  eventId: string;
  /** The event's own time: the booking's moment for the rules' windows and the latency metric. */
  eventTime: Date;
}

export function subjectOf(data: EventData<'booking.created.v1'>, at: Date, hotMatch: boolean): BookingSubject {
  const c = data.customer ?? {};
  return {
    bookingId: data.bookingId,
    userId: data.userId,
    matchId: data.matchId,
    quantity: data.quantity,
    amount: data.amount,
    currency: data.currency,
    at,
    hotMatch,
    ...(c.ip !== undefined && { ip: c.ip }),
    ...(c.deviceId !== undefined && { deviceId: c.deviceId }),
    ...(c.email !== undefined && { email: c.email }),
    ...(c.country !== undefined && { country: c.country }),
    ...(c.accountCreatedAt !== undefined && { accountCreatedAt: new Date(c.accountCreatedAt) }),
    ...(c.cardFingerprint !== undefined && { cardFingerprint: c.cardFingerprint }),
    ...(c.cardCountry !== undefined && { cardCountry: c.cardCountry }),
  };
}

/**
 * A booking was created: record it as a signal, score it, store the assessment (opening a review
 * when the decision is review) and publish `fraud.assessed` in the same transaction as the
 * consumed event's inbox row. A booking assessed before (the same booking.created published
 * again) is left alone.
 */
export function makeAssessBooking(deps: AssessBookingDeps) {
  return async function assessBooking(trx: Knex.Transaction, input: BookingCreated): Promise<Assessment | undefined> {
    const started = process.hrtime.bigint();
    const { data } = input;
    // Bookings of one user or one card are assessed one at a time, even from different partitions
    // or instances, so a burst cannot slip through while the others' signals are uncommitted.
    const keys = [`fraud:user:${data.userId}`, ...(data.customer?.cardFingerprint ? [`fraud:card:${data.customer.cardFingerprint}`] : [])].sort();
    await trx.raw('SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM unnest(?::text[]) AS k', [keys]);
    const recorded = await deps.bookings.recordNew(trx, subjectOf(data, input.eventTime, false), input.eventId);
    if (!recorded) {
      fraudMetrics.duplicates.inc();
      deps.logger.info('booking already assessed; booking.created ignored', { bookingId: data.bookingId, eventId: input.eventId });
      return undefined;
    }
    const subject = subjectOf(data, input.eventTime, recorded.hot);
    fraudMetrics.signals.inc({ kind: 'booking' });

    const risk = await deps.analyze(trx, subject);
    const now = deps.clock.now();
    const assessment: Assessment = {
      id: randomUUID(),
      bookingId: subject.bookingId,
      userId: subject.userId,
      trigger: 'booking_created',
      decision: risk.decision,
      score: risk.score,
      reasons: risk.reasons,
      rulesVersion: risk.rulesVersion,
      eventTime: input.eventTime,
      createdAt: now,
      ...(risk.decision === 'review' && {
        review: { status: 'pending', deadline: new Date(now.getTime() + deps.reviewTimeoutSeconds * 1000) },
      }),
    };
    await deps.assessments.insert(trx, assessment);
    await deps.bus.publish(
      trx,
      'fraud.assessed.v1',
      {
        assessmentId: assessment.id,
        bookingId: assessment.bookingId,
        userId: assessment.userId,
        decision: assessment.decision,
        score: assessment.score,
        reasons: assessment.reasons,
        rulesVersion: assessment.rulesVersion,
      },
      { subject: assessment.bookingId },
    );

    fraudMetrics.assessmentDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    fraudMetrics.decisionDuration.observe({ trigger: 'booking_created' }, Math.max(0, Date.now() - input.eventTime.getTime()) / 1000);
    fraudMetrics.decisions.inc({ decision: assessment.decision });
    for (const r of assessment.reasons) fraudMetrics.ruleHits.inc({ rule: r.rule });
    const log = assessment.decision === 'allow' ? deps.logger.debug : deps.logger.info;
    log.call(deps.logger, 'booking assessed', {
      bookingId: assessment.bookingId,
      assessmentId: assessment.id,
      decision: assessment.decision,
      score: assessment.score,
      rules: assessment.reasons.map((r) => r.rule),
    });
    return assessment;
  };
}

export type AssessBooking = ReturnType<typeof makeAssessBooking>;
