import { bucketShape, minimumDurationMs, parseRateLimit } from './rate-limit';

/** Simulates a bucket taking `cost` whenever it can, and counts what lands in each fixed window. */
function worstWindow(
  limit: { units: number; windowMs: number },
  cost: number,
  safetyMs: number,
  delay: (i: number) => number,
): number {
  const shape = bucketShape(limit, cost, safetyMs);
  let tokens = shape.capacity;
  let t = 0;
  const arrivals: number[] = [];
  for (let i = 0; i < 400; i++) {
    if (tokens < cost) {
      t += (cost - tokens) / shape.refillPerMs;
      tokens = cost;
    }
    tokens -= cost;
    for (let k = 0; k < cost; k++) arrivals.push(t + delay(i));
    // Time moves on a little between takes; the bucket refills meanwhile (up to its capacity).
    const step = (i % 7) * 3;
    t += step;
    tokens = Math.min(shape.capacity, tokens + step * shape.refillPerMs);
  }
  const perWindow = new Map<number, number>();
  for (const a of arrivals)
    perWindow.set(Math.floor(a / limit.windowMs), (perWindow.get(Math.floor(a / limit.windowMs)) ?? 0) + 1);
  return Math.max(...perWindow.values());
}

describe('provider rate limits', () => {
  it('when a limit is written as units per window, then it is parsed; nonsense is refused', () => {
    expect(parseRateLimit('600000/60s')).toEqual({ units: 600000, windowMs: 60000 });
    expect(parseRateLimit('1/1s')).toEqual({ units: 1, windowMs: 1000 });
    expect(parseRateLimit('500/250ms')).toEqual({ units: 500, windowMs: 250 });
    expect(parseRateLimit('10/1m')).toEqual({ units: 10, windowMs: 60000 });
    expect(parseRateLimit('10 per second')).toBeUndefined();
    expect(parseRateLimit('0/1s')).toBeUndefined();
  });

  it('when requests arrive up to the safety margin late, then no provider window ever counts more than the limit', () => {
    const cases = [
      { limit: { units: 1, windowMs: 1000 }, cost: 1 },
      { limit: { units: 5, windowMs: 1000 }, cost: 1 },
      { limit: { units: 4000, windowMs: 1000 }, cost: 500 },
      { limit: { units: 600000, windowMs: 60000 }, cost: 500 },
    ];
    for (const { limit, cost } of cases) {
      for (const delay of [
        () => 0,
        () => 250,
        (i: number) => (i % 2 ? 250 : 0),
        (i: number) => (i * 37) % 251,
      ]) {
        expect(worstWindow(limit, cost, 250, delay)).toBeLessThanOrEqual(limit.units);
      }
    }
  });

  it('when the bucket is shaped, then it keeps the sustained rate close to the limit', () => {
    const fcm = bucketShape({ units: 600000, windowMs: 60000 }, 500, 250);
    expect(fcm.capacity).toBe(500);
    expect(fcm.refillPerMs * 1000).toBeGreaterThan(0.99 * 10000);
    expect(minimumDurationMs(100000, { units: 600000, windowMs: 60000 })).toBe(10000);
  });
});
