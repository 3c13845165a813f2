import type { FaultRegistry } from './faults';
import type { FixedWindowLimiter } from './rate-limiter';
import type { Scheduler } from './scheduler';
import type { SandboxStats } from './stats';
import type { SandboxSettings } from './types';
import type { WebhookDispatcher } from './webhooks';

/** Everything a provider module shares with the rest of the sandbox. */
export interface SandboxContext {
  settings: SandboxSettings;
  scheduler: Scheduler;
  faults: FaultRegistry;
  webhooks: WebhookDispatcher;
  stats: SandboxStats;
  limiter: FixedWindowLimiter;
}

/** Raw request body as a UTF-8 string (every provider router reads the body raw). */
export function rawBody(body: unknown): string {
  return Buffer.isBuffer(body) ? body.toString('utf8') : '';
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);
