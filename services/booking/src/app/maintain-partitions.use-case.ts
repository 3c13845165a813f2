import { ensureMonthlyPartitions, monthsCovered } from '../db/partitions';
import type { AppDeps } from './deps';
import { metrics } from './metrics';

/**
 * Keeps PARTITION_MONTHS_AHEAD future months of `bookings` partitions (a checkout into a month
 * without one would fail) and reports how many months are covered.
 */
export function makeMaintainPartitions(
  deps: Pick<AppDeps, 'db' | 'clock' | 'logger'> & { config: Pick<AppDeps['config'], 'PARTITION_MONTHS_AHEAD'> },
) {
  return async (): Promise<{ created: string[]; monthsAhead: number }> => {
    const now = deps.clock.now();
    const created = await ensureMonthlyPartitions(deps.db, now, deps.config.PARTITION_MONTHS_AHEAD);
    if (created.length > 0) {
      metrics.partitionsCreated.inc(created.length);
      deps.logger.info('bookings partitions created', { partitions: created });
    }
    const monthsAhead = await monthsCovered(deps.db, now);
    metrics.partitionsAhead.set(monthsAhead);
    return { created, monthsAhead };
  };
}
