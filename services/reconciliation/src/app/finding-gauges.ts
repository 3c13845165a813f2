import { findingKind } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { FindingsRepository } from '../db/findings.repository';
import { reconMetrics } from './metrics';

/**
 * Sets the open-findings and amount-at-risk gauges from the database, every kind included, so an
 * alert clears once its kind has nothing open.
 */
export async function refreshFindingGauges(db: Knex, findings: FindingsRepository): Promise<void> {
  const summary = await findings.openSummary(db);
  const open = new Map(summary.byKind.map((k) => [k.kind, k.count]));
  for (const kind of findingKind.options) reconMetrics.findingsOpen.set({ kind }, open.get(kind) ?? 0);
  reconMetrics.amountAtRisk.reset();
  for (const r of summary.atRisk) reconMetrics.amountAtRisk.set({ currency: r.currency }, r.amount);
}
