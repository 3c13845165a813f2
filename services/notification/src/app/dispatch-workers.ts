import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { NotificationsRepository } from '../db/notifications.repository';
import { CHANNELS, type Channel } from '../domain';
import type { DispatchNotifications } from './dispatch-notifications.use-case';
import { metrics } from './metrics';

export interface WorkerPlan {
  channel: Channel;
  workers: number;
  batch: number;
}

export interface DispatchWorkers {
  /** Ends the idle wait of every worker (new notifications were just committed). */
  wake(): void;
  /** Lets running batches finish, then stops. */
  stop(): Promise<void>;
}

/**
 * Runs the dispatch use-case on N concurrent loops per channel (the worker pool). A loop that found
 * work goes again at once; an idle one waits `pollMs` or until woken. A failing batch is logged,
 * counted and retried after the poll interval (what it claimed returns to the queue after the lease).
 */
export function startDispatchWorkers(opts: {
  dispatch: DispatchNotifications;
  plan: WorkerPlan[];
  pollMs: number;
  logger: Logger;
}): DispatchWorkers {
  let running = true;
  const sleepers = new Set<() => void>();
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const loop = async (channel: Channel, batch: number): Promise<void> => {
    while (running) {
      let claimed = 0;
      try {
        claimed = await opts.dispatch(channel, batch);
      } catch (err) {
        metrics.taskFailures.inc({ task: 'dispatch' });
        opts.logger.error(
          'dispatch batch failed; claimed notifications return to the queue after the lease',
          { channel, err },
        );
      }
      if (claimed === 0 && running) await idle(opts.pollMs);
    }
  };

  const loops = opts.plan.flatMap((p) => Array.from({ length: p.workers }, () => loop(p.channel, p.batch)));
  opts.logger.info('dispatch workers started', { plan: opts.plan });
  return {
    wake: () => {
      for (const s of [...sleepers]) s();
    },
    async stop() {
      running = false;
      for (const s of [...sleepers]) s();
      await Promise.all(loops);
    },
  };
}

/**
 * Periodic housekeeping: hands claims whose worker died back to the queue, and refreshes the
 * queue gauges (pending per channel, age of the oldest due notification).
 */
export function startHousekeeping(opts: {
  db: Knex;
  notifications: NotificationsRepository;
  leaseMs: number;
  intervalMs: number;
  logger: Logger;
}): { stop(): Promise<void>; runOnce(): Promise<void> } {
  let current: Promise<void> | undefined;
  const runOnce = async (): Promise<void> => {
    try {
      const released = await opts.notifications.releaseExpiredClaims(opts.db, opts.leaseMs);
      if (released > 0) {
        metrics.claimsExpired.inc(released);
        opts.logger.warn('claims expired: notifications handed back to the queue', {
          released,
          leaseMs: opts.leaseMs,
        });
      }
    } catch (err) {
      metrics.taskFailures.inc({ task: 'lease_sweep' });
      opts.logger.error('lease sweep failed', { err });
    }
    try {
      const stats = await opts.notifications.queueStats(opts.db);
      for (const channel of CHANNELS) {
        const s = stats.find((x) => x.channel === channel);
        metrics.queuePending.set({ channel }, s?.pending ?? 0);
        metrics.queueLag.set({ channel }, s?.lagSeconds ?? 0);
      }
    } catch (err) {
      metrics.taskFailures.inc({ task: 'queue_metrics' });
      opts.logger.error('queue metrics refresh failed', { err });
    }
  };
  const timer = setInterval(() => {
    current ??= runOnce().finally(() => (current = undefined));
  }, opts.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
