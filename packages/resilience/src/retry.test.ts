import { metricsText } from '@matchday/observability';
import { capturingLogger } from '../test/helpers';
import { backoffDelay, retry } from './retry';

describe('backoffDelay', () => {
  it('when random is at its extremes, then the delay spans [0, base·2^(attempt−1))', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, 10_000, () => 0.999)).toBe(399);
    expect(backoffDelay(4, 100, 10_000, () => 0.5)).toBe(400);
  });

  it('when attempts grow, then the delay never exceeds maxMs', () => {
    for (let attempt = 1; attempt <= 60; attempt++) {
      const d = backoffDelay(attempt, 100, 5_000, () => 0.999999);
      expect(d).toBeLessThan(5_000);
      expect(d).toBeGreaterThanOrEqual(0);
    }
    expect(backoffDelay(60, 100, 5_000, () => 0.5)).toBe(2_500);
  });

  it('when drawn many times with Math.random, then delays stay within bounds and are spread out', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(3, 100, 10_000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(400);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe('retry', () => {
  it('when the operation fails twice then succeeds, then it resolves on the third attempt after jittered waits', async () => {
    const attempts: number[] = [];
    const waits: number[] = [];
    const result = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { retries: 5, baseMs: 10, maxMs: 100, onRetry: (_e, _a, delayMs) => waits.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(10);
    expect(waits[1]).toBeLessThan(20);
  });

  it('when every attempt fails, then it rejects with the last error after retries + 1 calls, logged and counted', async () => {
    const { logger, lines, settle } = capturingLogger();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { retries: 2, baseMs: 1, maxMs: 5, name: 'relay-publish', logger },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
    await settle();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'retries exhausted', operation: 'relay-publish', attempts: 3 }));
    const metrics = await metricsText();
    expect(metrics).toContain('retries_total{operation="relay-publish",outcome="retried"} 2');
    expect(metrics).toContain('retries_total{operation="relay-publish",outcome="exhausted"} 1');
  });

  it('when shouldRetry says no, then it stops at once', async () => {
    let calls = 0;
    const declined = Object.assign(new Error('card declined'), { status: 402 });
    await expect(
      retry(
        async () => {
          calls++;
          throw declined;
        },
        { retries: 5, baseMs: 1, maxMs: 5, shouldRetry: (err) => (err as { status?: number }).status !== 402 },
      ),
    ).rejects.toBe(declined);
    expect(calls).toBe(1);
  });

  it('when a breaker is open, then by default it is not retried', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' });
        },
        { retries: 5, baseMs: 1, maxMs: 5 },
      ),
    ).rejects.toThrow('Breaker is open');
    expect(calls).toBe(1);
  });

  it('when the signal aborts during a wait, then it stops waiting and rejects', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const run = retry(
      async () => {
        calls++;
        throw new Error('down');
      },
      { retries: 5, baseMs: 10_000, maxMs: 10_000, random: () => 0.99, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
