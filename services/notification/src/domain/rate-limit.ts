/** A provider's documented limit: at most `units` (requests or messages) per `windowMs`. */
export interface RateLimit {
  units: number;
  windowMs: number;
}

/** Capacity and refill of a token bucket. */
export interface BucketShape {
  capacity: number;
  refillPerMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `600000/60s` → 600,000 units per 60,000 ms; `1/1s`, `500/250ms`, `100/1m`. Undefined when malformed. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  const units = Number(m[1]);
  const windowMs = Number(m[2]) * UNIT_MS[m[3]!]!;
  return units > 0 && windowMs > 0 ? { units, windowMs } : undefined;
}

/**
 * The token bucket that never lets a provider count more than `limit.units` in one of its windows,
 * whatever window alignment it uses, even when a request reaches it up to `safetyMs` after its
 * tokens were taken.
 *
 * Whatever is taken in a half-open interval of length T is less than capacity + refill·T. The
 * requests a provider counts in one window of length W were taken within W + safetyMs, so with
 * capacity + refill·(W + safetyMs) = units + 1 they are fewer than units + 1: at most `units`.
 * The capacity is the largest single take (one request, or one batch of messages); the rest of the
 * limit is spread evenly as refill.
 */
export function bucketShape(limit: RateLimit, largestTake: number, safetyMs: number): BucketShape {
  const capacity = Math.max(1, Math.min(largestTake, limit.units));
  return { capacity, refillPerMs: (limit.units + 1 - capacity) / (limit.windowMs + safetyMs) };
}

/** The shortest time `units` can take under `limit` when sent at its sustained rate (the benchmark's floor). */
export function minimumDurationMs(units: number, limit: RateLimit): number {
  return (units / limit.units) * limit.windowMs;
}
