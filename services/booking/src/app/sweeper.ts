import type { AppDeps } from './deps';
import { makeExpireBookings } from './expire-bookings.use-case';
import { makeExpireHolds } from './expire-holds.use-case';
import { makeMaintainPartitions } from './maintain-partitions.use-case';
import { metrics } from './metrics';
import { makePublishAvailability } from './publish-availability.use-case';

export interface Sweeper {
  start(): void;
  /** Stops after the sweep in progress. */
  stop(): Promise<void>;
  /** One full sweep now (tests, and the loop). */
  sweepOnce(): Promise<void>;
}

const PARTITION_CHECK_MS = 3_600_000;

/**
 * The background loop: every SWEEP_INTERVAL_MS, expiries (holds, payment and modification windows,
 * transfers), coalesced availability events with admission re-sync, waiting-list catch-up, hot
 * matches; every
 * RESYNC_EVERY_SWEEPS a full admission re-sync; hourly partition maintenance. A failing task is
 * counted, logged and retried next sweep; the others still run.
 */
export function createSweeper(
  deps: AppDeps,
  opts: { intervalMs: number; resyncEvery: number; heat: { sweep(): Promise<number> } },
): Sweeper {
  const expireHolds = makeExpireHolds(deps);
  const expireBookings = makeExpireBookings(deps);
  const availability = makePublishAvailability(deps);
  const maintainPartitions = makeMaintainPartitions(deps);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let sweeps = 0;
  let lastPartitionCheck = 0;

  const task = async (name: string, run: () => Promise<number>) => {
    try {
      const n = await run();
      if (n > 0) metrics.sweeper.inc({ task: name }, n);
    } catch (err) {
      metrics.sweeperErrors.inc({ task: name });
      deps.logger.error('sweeper task failed; retrying next sweep', { task: name, error: (err as Error).message });
    }
  };

  const sweepOnce = async () => {
    sweeps++;
    // Drain big backlogs within one sweep, a batch at a time.
    await task('holds', async () => {
      let total = 0;
      for (let n = await expireHolds(); n > 0 && total < 5000; n = await expireHolds()) total += n;
      return total;
    });
    await task('payment_windows', () => expireBookings.paymentWindows());
    await task('modification_windows', () => expireBookings.modificationWindows());
    await task('transfers', () => expireBookings.transfers());
    await task('waitlists', () => availability.waitlists());
    await task('availability', () => availability.changed());
    await task('heat', () => opts.heat.sweep());
    if (sweeps % opts.resyncEvery === 0) await task('resync', () => availability.resyncAll());
    if (Date.now() - lastPartitionCheck >= PARTITION_CHECK_MS) {
      lastPartitionCheck = Date.now();
      await task('partitions', async () => (await maintainPartitions()).created.length);
    }
  };

  const loop = () => {
    running = sweepOnce().finally(() => {
      running = undefined;
      if (timer !== undefined) timer = setTimeout(loop, opts.intervalMs);
    });
  };

  return {
    start() {
      if (timer !== undefined) return;
      timer = setTimeout(loop, opts.intervalMs);
    },
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    sweepOnce,
  };
}
