import { fraudMetrics } from './metrics';
import { applyResolution, type ResolveReviewDeps } from './resolve-review.use-case';

/** Who resolves a review nobody answered in time. */
export const TIMEOUT_RESOLVER = 'system:review-timeout';

/**
 * Resolves every review past its deadline to the documented default, block (`timedOut: true`), so
 * an unreviewed risky payment is never captured. Overdue reviews are claimed with SKIP LOCKED, so
 * several instances can sweep at once, and a person resolving a review at the same moment wins
 * or loses cleanly on the row lock. Returns how many reviews timed out.
 */
export function makeExpireReviews(deps: ResolveReviewDeps & { batchSize?: number }) {
  return async function expireReviews(): Promise<number> {
    const resolved = await deps.db.transaction(async (trx) => {
      const overdue = await deps.assessments.claimOverdue(trx, deps.clock.now(), deps.batchSize ?? 100);
      for (const a of overdue) await applyResolution(deps, trx, a, { action: 'timeout', resolvedBy: TIMEOUT_RESOLVER });
      return overdue.length;
    });
    fraudMetrics.reviewsPending.set(await deps.assessments.pendingCount(deps.db));
    if (resolved > 0) deps.logger.warn('fraud reviews timed out and were blocked', { count: resolved });
    return resolved;
  };
}
