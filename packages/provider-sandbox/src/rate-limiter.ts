import type { RateLimit } from './types';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Units left in the current window after this request. */
  remaining: number;
  /** When the current window ends (epoch ms). */
  resetAt: number;
}

/**
 * Fixed-window counter per key (windows aligned to multiples of `windowMs`), the model providers
 * document ("N requests per second/minute"). Rejected attempts do not use up the window.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  take(key: string, { limit, windowMs }: RateLimit, cost = 1, now = Date.now()): RateDecision {
    const start = now - (now % windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, used: 0 };
      this.windows.set(key, w);
    }
    const allowed = w.used + cost <= limit;
    if (allowed) w.used += cost;
    return { allowed, limit, remaining: Math.max(0, limit - w.used), resetAt: start + windowMs };
  }

  reset(): void {
    this.windows.clear();
  }
}
