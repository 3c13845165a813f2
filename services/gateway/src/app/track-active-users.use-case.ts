import { gauge, type Logger } from '@matchday/observability';
import type { SessionStore } from './ports';

/** The window of "concurrent users" (the seed's monitoring requirement). */
export const ACTIVE_WINDOW_SECONDS = 300;
/** A replica notes a user at most this often: the count needs minutes, not every request. */
const NOTE_EVERY_MS = 30_000;

let source: (() => Promise<number>) | undefined;

gauge({
  name: 'gateway_active_users',
  help: 'Concurrent users: distinct users with a request in the last 5 minutes, counted in Redis (the same platform-wide value on every gateway instance)',
  async collect() {
    if (!source) return;
    try {
      this.set(await source());
    } catch {
      // Keep the last value: a Redis outage must not break the whole scrape (it is counted as gateway_redis_errors_total).
    }
  },
});

/**
 * Counts distinct active users across replicas for `gateway_active_users`: each request of a
 * signed-in user marks them in a Redis sorted set (at most every 30 s per user and replica).
 */
export function makeTrackActiveUsers(deps: { sessions: SessionStore; logger: Logger }) {
  const noted = new Map<string, number>();
  const mine = () => deps.sessions.activeUsers(ACTIVE_WINDOW_SECONDS);
  source = mine;
  return {
    /** Stops reporting (the service stops). */
    stop(): void {
      if (source === mine) source = undefined;
    },
    async note(userId: string): Promise<void> {
      const now = Date.now();
      if (now - (noted.get(userId) ?? 0) < NOTE_EVERY_MS) return;
      noted.set(userId, now);
      if (noted.size > 100_000) {
        for (const [id, at] of noted) if (now - at > ACTIVE_WINDOW_SECONDS * 1000) noted.delete(id);
      }
      await deps.sessions.markActive(userId).catch((err: unknown) => deps.logger.warn('active user not counted', { err }));
    },
  };
}
