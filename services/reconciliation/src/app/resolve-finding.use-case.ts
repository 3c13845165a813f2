import type { QueueManager } from '@matchday/bus';
import { DomainError } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { Finding, FindingsRepository } from '../db/findings.repository';
import { refreshFindingGauges } from './finding-gauges';
import { reconMetrics } from './metrics';

/**
 * A person closes a finding (after fixing it elsewhere, or accepting it). It publishes
 * `finding.resolved`; later runs do not reopen the same mismatch with the same amount.
 */
export function makeResolveFinding(deps: { db: Knex; bus: QueueManager; findings: FindingsRepository; logger: Logger; clock: { now(): Date } }) {
  return async function resolveFinding(cmd: { findingId: string; resolution: string; note?: string; resolvedBy: string }): Promise<Finding> {
    const resolved = await deps.db.transaction(async (trx) => {
      const f = await deps.findings.get(trx, cmd.findingId, { forUpdate: true });
      if (!f) throw new DomainError('FINDING_NOT_FOUND', { findingId: cmd.findingId }, 'no finding with this id');
      if (f.status !== 'open') {
        throw new DomainError('FINDING_ALREADY_RESOLVED', { findingId: f.id, resolution: f.resolution }, `the finding was already resolved (${f.resolution})`);
      }
      const at = deps.clock.now();
      await deps.findings.resolve(trx, f.id, { at, resolution: cmd.resolution, resolvedBy: cmd.resolvedBy, ...(cmd.note !== undefined && { note: cmd.note }) });
      await deps.findings.audit(trx, { findingId: f.id, action: 'resolved', actor: cmd.resolvedBy, detail: { resolution: cmd.resolution, ...(cmd.note !== undefined && { note: cmd.note }) } });
      await deps.bus.publish(
        trx,
        'finding.resolved.v1',
        { findingId: f.id, runId: f.lastSeenRunId, resolution: cmd.resolution, ...(f.bookingId !== undefined && { bookingId: f.bookingId }) },
        { subject: f.bookingId ?? f.intentId ?? f.id },
      );
      return {
        ...f,
        status: 'resolved' as const,
        resolvedAt: at,
        resolution: cmd.resolution,
        resolvedBy: cmd.resolvedBy,
        ...(cmd.note !== undefined && { note: cmd.note }),
      };
    });
    reconMetrics.findingsResolved.inc({ kind: resolved.kind, resolution: 'manual' });
    deps.logger.info('finding resolved by a person', { findingId: resolved.id, kind: resolved.kind, resolvedBy: cmd.resolvedBy });
    await refreshFindingGauges(deps.db, deps.findings);
    return resolved;
  };
}
