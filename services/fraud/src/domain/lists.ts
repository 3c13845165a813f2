import type { RiskReason, RiskScore } from './risk';

export type ListName = 'allow' | 'block';
export type ListKind = 'user' | 'email' | 'ip' | 'card';

export interface ListEntry {
  id: string;
  list: ListName;
  kind: ListKind;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
  expiresAt?: Date;
}

/** The values of a booking or payment method that lists are checked against. */
export type ListProbe = Partial<Record<ListKind, string>>;

/** Emails compare case-insensitively and IPs and fingerprints as given, trimmed. */
export function normaliseListValue(kind: ListKind, value: string): string {
  const v = value.trim();
  return kind === 'email' ? v.toLowerCase() : v;
}

export function isActive(entry: ListEntry, now: Date): boolean {
  return !entry.expiresAt || entry.expiresAt.getTime() > now.getTime();
}

/**
 * Lists override the rules: any block-list hit blocks (score 100), otherwise an allow-list hit
 * allows whatever the rules scored. Reasons name the kind of value, never the value itself (the
 * decision travels on Kafka and must not carry emails or IPs).
 */
export function applyLists(score: RiskScore, hits: ListEntry[]): RiskScore {
  const blocks = hits.filter((h) => h.list === 'block');
  if (blocks.length > 0) {
    const reasons: RiskReason[] = blocks.map((b) => ({
      rule: 'blocklist',
      weight: 100,
      detail: `${b.kind} is on the block list (entry ${b.id})`,
    }));
    return { ...score, score: 100, decision: 'block', reasons: [...reasons, ...score.reasons] };
  }
  const allows = hits.filter((h) => h.list === 'allow');
  if (allows.length > 0) {
    const reasons: RiskReason[] = allows.map((a) => ({
      rule: 'allowlist',
      weight: 0,
      detail: `${a.kind} is on the allow list (entry ${a.id})`,
    }));
    return { ...score, decision: 'allow', reasons: [...reasons, ...score.reasons] };
  }
  return score;
}
