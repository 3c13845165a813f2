/** The three answers fraud gives about a booking. */
export type Decision = 'allow' | 'review' | 'block';

/** One rule that contributed to a score, with the figure that made it fire. */
export interface RiskReason {
  rule: string;
  weight: number;
  detail: string;
}

/** The seed's RiskScore: 0–100, the decision it leads to, and every reason behind it. */
export interface RiskScore {
  score: number;
  decision: Decision;
  reasons: RiskReason[];
  rulesVersion: number;
}

export interface DecisionThresholds {
  /** Scores at or above this go to a person. */
  review: number;
  /** Scores at or above this are blocked outright. */
  block: number;
}

export const clampScore = (n: number): number => Math.max(0, Math.min(100, Math.round(n)));

export function decide(score: number, thresholds: DecisionThresholds): Decision {
  if (score >= thresholds.block) return 'block';
  if (score >= thresholds.review) return 'review';
  return 'allow';
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
