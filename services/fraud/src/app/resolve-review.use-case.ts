import type { QueueManager } from '@matchday/bus';
import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import { resolveReview, type Clock, type ReviewAction } from '../domain';
import type { Assessment, AssessmentsRepository } from '../db/assessments.repository';
import { fraudMetrics } from './metrics';

export interface ResolveReviewDeps {
  db: Knex;
  assessments: AssessmentsRepository;
  bus: QueueManager;
  clock: Clock;
  logger: Logger;
}

export interface ResolveReviewCommand {
  assessmentId: string;
  action: ReviewAction;
  resolvedBy: string;
  note?: string;
}

/**
 * Resolves a review held (locked) in `trx`: stores the outcome and publishes `review.resolved`
 * (allow or block; `timedOut` for the documented default). Repeating the same resolution
 * changes nothing and publishes nothing.
 */
export async function applyResolution(
  deps: Omit<ResolveReviewDeps, 'db'>,
  trx: Knex.Transaction,
  assessment: Assessment,
  cmd: Omit<ResolveReviewCommand, 'assessmentId'>,
): Promise<Assessment> {
  if (!assessment.review) throw new DomainError('REVIEW_NOT_FOUND', { assessmentId: assessment.id }, 'this assessment has no review');
  const outcome = resolveReview(assessment.review.status, cmd.action);
  if (!outcome.changed) return assessment;
  const resolvedAt = deps.clock.now();
  await deps.assessments.resolve(trx, assessment.id, {
    status: outcome.status,
    resolvedBy: cmd.resolvedBy,
    resolvedAt,
    ...(cmd.note !== undefined && { note: cmd.note }),
  });
  await deps.bus.publish(
    trx,
    'review.resolved.v1',
    {
      assessmentId: assessment.id,
      bookingId: assessment.bookingId,
      decision: outcome.decision,
      resolvedBy: cmd.resolvedBy,
      timedOut: outcome.timedOut,
    },
    { subject: assessment.bookingId },
  );
  fraudMetrics.reviewsResolved.inc({ outcome: outcome.status });
  deps.logger.info('fraud review resolved', {
    assessmentId: assessment.id,
    bookingId: assessment.bookingId,
    outcome: outcome.status,
    decision: outcome.decision,
    resolvedBy: cmd.resolvedBy,
  });
  return {
    ...assessment,
    review: {
      ...assessment.review,
      status: outcome.status,
      resolvedBy: cmd.resolvedBy,
      resolvedAt,
      ...(cmd.note !== undefined && { note: cmd.note }),
    },
  };
}

/** An admin approves (allow) or rejects (block) a review. */
export function makeResolveReview(deps: ResolveReviewDeps) {
  return async function resolveReviewCase(cmd: ResolveReviewCommand): Promise<Assessment> {
    return deps.db.transaction(async (trx) => {
      const assessment = await deps.assessments.get(trx, cmd.assessmentId, { forUpdate: true });
      if (!assessment?.review) throw new DomainError('REVIEW_NOT_FOUND', { assessmentId: cmd.assessmentId }, 'no review with this id');
      return applyResolution(deps, trx, assessment, cmd);
    });
  };
}
