import { DomainError } from '@matchday/contracts';

export type ReviewStatus = 'pending' | 'approved' | 'rejected' | 'timed_out';
export type ReviewAction = 'approve' | 'reject' | 'timeout';

export interface ReviewOutcome {
  status: Exclude<ReviewStatus, 'pending'>;
  decision: 'allow' | 'block';
  timedOut: boolean;
  /** False when the review was already in this state: nothing to store or publish. */
  changed: boolean;
}

const target: Record<ReviewAction, Exclude<ReviewStatus, 'pending'>> = {
  approve: 'approved',
  reject: 'rejected',
  timeout: 'timed_out',
};

const decisionOf = (status: Exclude<ReviewStatus, 'pending'>): 'allow' | 'block' => (status === 'approved' ? 'allow' : 'block');

/**
 * A review is resolved once. Repeating the same resolution is a no-op (a double click, a retried
 * request); a different one after the fact is refused. A timeout that arrives after a person
 * resolved the review is a no-op: the person's answer stands.
 *
 * Documented default: a review nobody resolves within REVIEW_TIMEOUT_SECONDS resolves to block,
 * so an unreviewed risky payment is never captured.
 */
export function resolveReview(current: ReviewStatus, action: ReviewAction): ReviewOutcome {
  const next = target[action];
  if (current === 'pending') return { status: next, decision: decisionOf(next), timedOut: action === 'timeout', changed: true };
  if (current === next || action === 'timeout') {
    return { status: current, decision: decisionOf(current), timedOut: current === 'timed_out', changed: false };
  }
  throw new DomainError('REVIEW_ALREADY_RESOLVED', { status: current }, `the review was already resolved (${current})`);
}
