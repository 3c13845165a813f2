/** The match-day summary: counts, latency percentiles, throughput and the invariants' verdicts. */
import type { FanResult } from './fans';
import type { BookingRecord, InvariantResult, NotificationRecord } from './invariants';

/** Nearest-rank percentile of `values` (p in 0–100); undefined for no values. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface ChaosEvent {
  target: string;
  action: string;
  at: number;
  /** How long the target was away (kill → ready again). */
  downMs?: number;
  error?: string;
}

export interface RunSummary {
  fans: FanResult[];
  bookings: BookingRecord[];
  notifications: NotificationRecord[];
  captures: number;
  refunds: number;
  disputes: number;
  /** Epoch ms of the first fan's start and the last fan's end. */
  loadStartedAt: number;
  loadEndedAt: number;
  requests: number;
  retries: number;
  networkErrors: number;
  chaos: ChaosEvent[];
  /** What the aftermath did: cancellations, resizes, moves, transfers, disputes, the reschedule (and refusals). */
  aftermath: Record<string, number>;
  invariants: InvariantResult[];
  notes: string[];
  gaps: string[];
  /** Fans whose journey ended in an error, with the answer that ended it. */
  fanErrors?: string[];
  /** Unexpected answers per route: what to route to the services' owners. */
  unexpected: Array<{ route: string; count: number; example: string }>;
}

export interface Latencies {
  holdToConfirmed: number[];
  confirmedToNotified: number[];
  holdToNotified: number[];
}

export function latencies(fans: FanResult[]): Latencies {
  const out: Latencies = { holdToConfirmed: [], confirmedToNotified: [], holdToNotified: [] };
  for (const f of fans) {
    if (f.holdAt === undefined || f.confirmedAt === undefined) continue;
    out.holdToConfirmed.push(f.confirmedAt - f.holdAt);
    if (f.notifiedAt !== undefined) {
      out.confirmedToNotified.push(Math.max(0, f.notifiedAt - f.confirmedAt));
      out.holdToNotified.push(f.notifiedAt - f.holdAt);
    }
  }
  return out;
}

const ms = (v: number | undefined) => (v === undefined ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

function table(rows: Array<[string, string]>, title: string): string {
  const w = Math.max(...rows.map(([k]) => k.length), title.length);
  const v = Math.max(...rows.map(([, x]) => x.length), 1);
  const line = `+-${'-'.repeat(w)}-+-${'-'.repeat(v)}-+`;
  return [line, `| ${title.padEnd(w)} | ${''.padEnd(v)} |`, line, ...rows.map(([k, x]) => `| ${k.padEnd(w)} | ${x.padStart(v)} |`), line].join('\n');
}

const countBy = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
};

/** The printed summary: plain text tables, one invariant per line with its offending ids. */
export function renderSummary(s: RunSummary, maxOffenders = 10): string {
  const status = countBy(s.bookings, (b) => b.status);
  const outcomes = countBy(s.fans, (f) => f.outcome);
  const personas = countBy(s.fans, (f) => f.persona);
  const holds = s.fans.filter((f) => f.holdId).length;
  const lat = latencies(s.fans);
  const waited = s.fans.flatMap((f) => (f.waitedInRoomMs === undefined ? [] : [f.waitedInRoomMs]));
  const seconds = Math.max(0.001, (s.loadEndedAt - s.loadStartedAt) / 1000);
  const confirmedByFans = s.fans.filter((f) => f.confirmedAt !== undefined).length;
  const counts: Array<[string, string]> = [
    ['fans', String(s.fans.length)],
    ['  by persona', [...personas].map(([k, v]) => `${k} ${v}`).join(', ')],
    ['  outcomes seen by fans', [...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')],
    ['holds placed', String(holds)],
    ['bookings', String(s.bookings.length)],
    ['  confirmed', String((status.get('CONFIRMED') ?? 0) + (status.get('DISPUTED') ?? 0))],
    ['  cancelled', String(status.get('CANCELLED') ?? 0)],
    ['  expired', String(status.get('EXPIRED') ?? 0)],
    ['  payment failed', String(status.get('PAYMENT_FAILED') ?? 0)],
    ['  reversed', String(status.get('REVERSED') ?? 0)],
    ['  pending payment', String(status.get('PENDING_PAYMENT') ?? 0)],
    ['  with a refund', String(s.bookings.filter((b) => b.refunded > 0).length)],
    ['captures (provider)', String(s.captures)],
    ['refunds (provider)', String(s.refunds)],
    ['disputes (provider)', String(s.disputes)],
    ['notifications', String(s.notifications.length)],
    ...[...countBy(s.notifications, (n) => n.channel)].map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
  ];
  const perf: Array<[string, string]> = [
    ['hold → confirmed  p50 / p99', `${ms(percentile(lat.holdToConfirmed, 50))} / ${ms(percentile(lat.holdToConfirmed, 99))}`],
    ['confirmed → notified  p50 / p99', `${ms(percentile(lat.confirmedToNotified, 50))} / ${ms(percentile(lat.confirmedToNotified, 99))}`],
    ['hold → notified  p50 / p99', `${ms(percentile(lat.holdToNotified, 50))} / ${ms(percentile(lat.holdToNotified, 99))}`],
    ['  samples (confirmed / notified)', `${lat.holdToConfirmed.length} / ${lat.holdToNotified.length}`],
    ['waiting room: fans queued, wait p50 / p99', waited.length ? `${waited.length}, ${ms(percentile(waited, 50))} / ${ms(percentile(waited, 99))}` : 'none'],
    ['load phase', `${seconds.toFixed(1)} s`],
    ['throughput: bookings confirmed', `${(confirmedByFans / seconds).toFixed(2)} /s`],
    ['throughput: fans served', `${(s.fans.length / seconds).toFixed(2)} /s`],
    ['throughput: API requests', `${(s.requests / seconds).toFixed(1)} /s (${s.requests} in all)`],
    ['client retries / network errors', `${s.retries} / ${s.networkErrors}`],
  ];
  const chaos: Array<[string, string]> = s.chaos.map((c) => [
    `${c.action} ${c.target}`,
    c.error ? `FAILED: ${c.error.slice(0, 80)}` : `back after ${ms(c.downMs)}`,
  ]);
  const inv = s.invariants.map((r) => {
    const head = `${r.verdict.padEnd(7)} ${r.name} (${r.checked} checked${r.offenders.length ? `, ${r.offenders.length} offending` : ''})`;
    const lines = r.offenders.slice(0, maxOffenders).map((o) => `          - ${o}`);
    if (r.offenders.length > maxOffenders) lines.push(`          … and ${r.offenders.length - maxOffenders} more`);
    if (r.detail) lines.push(`          note: ${r.detail}`);
    return [head, ...lines].join('\n');
  });
  const after = Object.entries(s.aftermath).map(([k, v]): [string, string] => [k, String(v)]);
  const parts = [table(counts, 'match day'), table(perf, 'latency and throughput')];
  if (after.length) parts.push(table(after, 'after the rush'));
  if (chaos.length) parts.push(table(chaos, 'chaos'));
  parts.push(['invariants', ...inv].join('\n'));
  if (s.notes.length) parts.push(['data sources', ...s.notes.map((n) => `  - ${n}`)].join('\n'));
  if (s.gaps.length) parts.push(['could not read', ...s.gaps.map((n) => `  - ${n}`)].join('\n'));
  if (s.fanErrors?.length)
    parts.push([`fans who gave up (${s.fanErrors.length})`, ...s.fanErrors.slice(0, 20).map((n) => `  - ${n}`), ...(s.fanErrors.length > 20 ? [`  … and ${s.fanErrors.length - 20} more`] : [])].join('\n'));
  if (s.unexpected.length)
    parts.push(['unexpected answers (route → count, example)', ...s.unexpected.map((u) => `  - ${u.route} × ${u.count}: ${u.example.slice(0, 200)}`)].join('\n'));
  const failed = s.invariants.filter((r) => r.verdict !== 'PASS').length;
  parts.push(failed === 0 ? 'RESULT: every invariant holds' : `RESULT: ${failed} invariant(s) not shown to hold`);
  return parts.join('\n\n');
}
