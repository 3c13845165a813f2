import { z } from 'zod';
import { clampScore, decide, type RiskReason, type RiskScore } from './risk';

/**
 * Rules are data: an operator edits them (PUT /v1/admin/fraud/rules), each edit is a new version,
 * and running instances pick the new version up without a restart. The code only knows the rule
 * kinds below; thresholds, windows, weights and which rules are on live in the data.
 */

const ruleId = z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, 'lower-case letters, digits and _');
const weight = z.number().min(-100).max(100);
const windowSeconds = z.number().int().min(1).max(30 * 24 * 3600);
const threshold = z.number().int().min(1);
const base = { id: ruleId, description: z.string().max(500).optional(), weight, enabled: z.boolean().default(true) };
const windowed = { ...base, windowSeconds, threshold };

export const ruleSchema = z.discriminatedUnion('kind', [
  /** Bookings per user, IP, device or card fingerprint within the window (the current one included). */
  z.object({ kind: z.literal('velocity'), dimension: z.enum(['user', 'ip', 'device', 'card']), ...windowed }),
  /** Slots booked on hot matches by the same user, device or card within the window (scalping). */
  z.object({ kind: z.literal('hot_match_bulk'), ...windowed }),
  /** Holds that expired unpaid and bookings whose payment window closed, per user. */
  z.object({ kind: z.literal('unpaid_holds'), ...windowed }),
  /** Failed payments on the user's bookings (fraud's own blocks not counted). */
  z.object({ kind: z.literal('failed_payments'), ...windowed }),
  /** Distinct accounts that used this booking's card fingerprint. */
  z.object({ kind: z.literal('card_shared_accounts'), ...windowed }),
  /** Rate limits the gateway saw this user or IP exceed. */
  z.object({ kind: z.literal('rate_limited'), ...windowed }),
  /** Concurrent-session conflicts the gateway reported for this user. */
  z.object({ kind: z.literal('session_conflicts'), ...windowed }),
  /** Bookings of this user flagged as suspicious by staff or by fraud itself. */
  z.object({ kind: z.literal('flagged_user'), ...windowed }),
  /** The card's issuing country differs from the country of the IP address. */
  z.object({ kind: z.literal('country_mismatch'), ...base }),
  /** An account younger than `accountAgeSeconds` placing an order of at least `minAmount` minor units. */
  z.object({
    kind: z.literal('new_account_large_order'),
    ...base,
    accountAgeSeconds: windowSeconds,
    minAmount: z.number().int().min(1),
    /** Per-currency minimum overriding `minAmount` (minor units differ in value between currencies). */
    minAmountByCurrency: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().min(1)).optional(),
  }),
]);

export type Rule = z.infer<typeof ruleSchema>;
export type RuleKind = Rule['kind'];
/** Rules whose figure comes from stored signals (everything else is computed from the booking alone). */
export type MeasuredRule = Extract<Rule, { windowSeconds: number; threshold: number }>;

export const ruleSetSchema = z
  .object({
    thresholds: z.object({ review: z.number().min(1).max(100), block: z.number().min(1).max(100) }),
    rules: z.array(ruleSchema).max(200),
    /** Issuing countries whose cards are refused outright (ISO 3166 alpha-2). */
    blockedCardCountries: z.array(z.string().regex(/^[A-Z]{2}$/)).default([]),
  })
  .superRefine((set, ctx) => {
    if (set.thresholds.review >= set.thresholds.block) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', 'review'], message: 'review must be below block' });
    }
    const seen = new Set<string>();
    set.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
      seen.add(r.id);
    });
  });

export type RuleSet = z.infer<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;

export interface VersionedRuleSet {
  version: number;
  ruleSet: RuleSet;
  createdAt: Date;
  createdBy: string;
  note?: string;
}

/** What the rules look at for one booking. Measured figures come from the signal store. */
export interface BookingSubject {
  bookingId: string;
  userId: string;
  matchId: string;
  quantity: number;
  amount: number;
  currency: string;
  /** When the booking was made (the event's time): windows reach back from here. */
  at: Date;
  hotMatch: boolean;
  ip?: string;
  deviceId?: string;
  email?: string;
  /** Country of the IP address as the gateway resolved it. */
  country?: string;
  accountCreatedAt?: Date;
  cardFingerprint?: string;
  cardCountry?: string;
}

export const isMeasured = (rule: Rule): rule is MeasuredRule => 'windowSeconds' in rule && 'threshold' in rule;

const measuredNoun: Record<MeasuredRule['kind'], string> = {
  velocity: 'bookings',
  hot_match_bulk: 'slots on hot matches',
  unpaid_holds: 'holds or bookings left unpaid',
  failed_payments: 'failed payments',
  card_shared_accounts: 'accounts on this card',
  rate_limited: 'rate limits exceeded',
  session_conflicts: 'session conflicts',
  flagged_user: 'flagged bookings',
};

function measuredDetail(rule: MeasuredRule, value: number): string {
  const by = rule.kind === 'velocity' ? ` by ${rule.dimension}` : '';
  return `${value} ${measuredNoun[rule.kind]}${by} in ${rule.windowSeconds}s (threshold ${rule.threshold})`;
}

/** Fires a rule computed from the booking alone; undefined when it does not fire. */
function evaluateLocal(rule: Exclude<Rule, MeasuredRule>, s: BookingSubject): string | undefined {
  switch (rule.kind) {
    case 'country_mismatch':
      if (s.cardCountry && s.country && s.cardCountry.toUpperCase() !== s.country.toUpperCase()) {
        return `card issued in ${s.cardCountry.toUpperCase()}, IP in ${s.country.toUpperCase()}`;
      }
      return undefined;
    case 'new_account_large_order': {
      if (!s.accountCreatedAt) return undefined;
      const ageSeconds = (s.at.getTime() - s.accountCreatedAt.getTime()) / 1000;
      const min = rule.minAmountByCurrency?.[s.currency] ?? rule.minAmount;
      if (ageSeconds < rule.accountAgeSeconds && s.amount >= min) {
        return `account ${Math.max(0, Math.floor(ageSeconds))}s old ordering ${s.amount} ${s.currency} (minimum ${min})`;
      }
      return undefined;
    }
  }
}

/**
 * Scores a booking: the weights of every enabled rule that fires, summed and clamped to 0–100, and
 * the decision the thresholds give. `measured` holds the figure for each measured rule by id (a
 * missing figure means the rule cannot fire, e.g. no card fingerprint for a card rule).
 */
export function scoreBooking(
  subject: BookingSubject,
  rules: VersionedRuleSet,
  measured: ReadonlyMap<string, number>,
): RiskScore {
  const reasons: RiskReason[] = [];
  for (const rule of rules.ruleSet.rules) {
    if (!rule.enabled) continue;
    if (isMeasured(rule)) {
      const value = measured.get(rule.id);
      if (value !== undefined && value >= rule.threshold) {
        reasons.push({ rule: rule.id, weight: rule.weight, detail: measuredDetail(rule, value) });
      }
    } else {
      const detail = evaluateLocal(rule, subject);
      if (detail) reasons.push({ rule: rule.id, weight: rule.weight, detail });
    }
  }
  const score = clampScore(reasons.reduce((sum, r) => sum + r.weight, 0));
  return { score, decision: decide(score, rules.ruleSet.thresholds), reasons, rulesVersion: rules.version };
}

/** The rule set a fresh installation starts with (version 1); operators tune it from there. */
export const DEFAULT_RULE_SET: RuleSetInput = {
  thresholds: { review: 40, block: 70 },
  blockedCardCountries: [],
  rules: [
    { id: 'user_velocity', kind: 'velocity', dimension: 'user', windowSeconds: 600, threshold: 4, weight: 30 },
    { id: 'ip_velocity', kind: 'velocity', dimension: 'ip', windowSeconds: 600, threshold: 8, weight: 25 },
    { id: 'device_velocity', kind: 'velocity', dimension: 'device', windowSeconds: 600, threshold: 6, weight: 25 },
    { id: 'card_velocity', kind: 'velocity', dimension: 'card', windowSeconds: 3600, threshold: 5, weight: 30 },
    { id: 'hot_match_bulk', kind: 'hot_match_bulk', windowSeconds: 3600, threshold: 8, weight: 75 },
    { id: 'unpaid_holds', kind: 'unpaid_holds', windowSeconds: 3600, threshold: 3, weight: 20 },
    { id: 'failed_payments', kind: 'failed_payments', windowSeconds: 900, threshold: 3, weight: 30 },
    { id: 'card_shared_accounts', kind: 'card_shared_accounts', windowSeconds: 86400, threshold: 3, weight: 75 },
    { id: 'rate_limited', kind: 'rate_limited', windowSeconds: 600, threshold: 1, weight: 15 },
    { id: 'session_conflicts', kind: 'session_conflicts', windowSeconds: 600, threshold: 2, weight: 10 },
    { id: 'flagged_user', kind: 'flagged_user', windowSeconds: 7 * 86400, threshold: 1, weight: 40 },
    { id: 'country_mismatch', kind: 'country_mismatch', weight: 20 },
    {
      id: 'new_account_large_order',
      kind: 'new_account_large_order',
      accountAgeSeconds: 86400,
      minAmount: 50000,
      minAmountByCurrency: { JPY: 80000 },
      weight: 25,
    },
  ],
};

export const parseRuleSet = (input: unknown): RuleSet => ruleSetSchema.parse(input);
