import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from '@matchday/observability';
import { breakerStates, createBreaker, isBreakerOpen, isBreakerTimeout, type Breaker } from '../src';
import { capturingLogger } from './helpers';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A provider stand-in that answers 503 to its first `failFirst` requests, then 200. */
async function flakyProvider(failFirst: number) {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    if (hits <= failFirst) res.writeHead(503).end('unavailable');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charge`;
  return {
    hits: () => hits,
    close: () => new Promise((r) => server.close(r)),
    call: async (amount: number): Promise<{ ok: boolean; amount: number }> => {
      const res = await fetch(url, { method: 'POST', body: String(amount) });
      if (!res.ok) throw Object.assign(new Error(`provider answered ${res.status}`), { status: res.status });
      return { ...((await res.json()) as { ok: boolean }), amount };
    },
  };
}

class CardDeclined extends Error {
  override readonly name = 'CardDeclined';
}

describe('createBreaker', () => {
  const open: Array<Breaker<never[], unknown>> = [];
  afterEach(() => open.splice(0).forEach((b) => b.shutdown()));
  function track<A extends unknown[], R>(b: Breaker<A, R>): Breaker<A, R> {
    open.push(b as unknown as Breaker<never[], unknown>);
    return b;
  }

  it('when a provider keeps failing, then the breaker opens, fails fast without calling it, half-opens after the reset timeout and closes on success', async () => {
    const provider = await flakyProvider(3);
    const { logger, lines, settle } = capturingLogger();
    const breaker = track(
      createBreaker('stripe-charge', provider.call, { timeoutMs: 1000, volumeThreshold: 3, resetTimeoutMs: 150, logger }),
    );

    for (let i = 0; i < 3; i++) await expect(breaker.fire(100)).rejects.toThrow('provider answered 503');
    expect(breaker.state()).toBe('open');

    const rejected = await breaker.fire(100).catch((e: unknown) => e);
    expect(isBreakerOpen(rejected)).toBe(true);
    expect(provider.hits()).toBe(3);

    await wait(200);
    expect(breaker.state()).toBe('halfOpen');
    await expect(breaker.fire(250)).resolves.toEqual({ ok: true, amount: 250 });
    expect(breaker.state()).toBe('closed');
    expect(provider.hits()).toBe(4);
    await provider.close();

    await settle();
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', breaker: 'stripe-charge', msg: expect.stringContaining('opened'), failures: 3 }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', breaker: 'stripe-charge', msg: 'circuit breaker closed' }));
    const metrics = await metricsText();
    expect(metrics).toContain('circuit_breaker_state{breaker="stripe-charge"} 0');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="failure"} 3');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="reject"} 1');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="open"} 1');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="halfOpen"} 1');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="close"} 1');
    expect(metrics).toContain('circuit_breaker_events_total{breaker="stripe-charge",event="success"} 1');
  });

  it('when the breaker is open, then the state gauge reads 2', async () => {
    const breaker = track(
      createBreaker('always-down', () => Promise.reject(new Error('down')), { timeoutMs: 100, volumeThreshold: 1, resetTimeoutMs: 10_000 }),
    );
    await breaker.fire().catch(() => undefined);
    expect(breaker.state()).toBe('open');
    expect(await metricsText()).toContain('circuit_breaker_state{breaker="always-down"} 2');
  });

  it('when the half-open trial call fails, then the breaker opens again', async () => {
    const breaker = track(
      createBreaker('still-down', () => Promise.reject(new Error('down')), { timeoutMs: 100, volumeThreshold: 1, resetTimeoutMs: 50 }),
    );
    await breaker.fire().catch(() => undefined);
    await wait(80);
    expect(breaker.state()).toBe('halfOpen');
    await expect(breaker.fire()).rejects.toThrow('down');
    expect(breaker.state()).toBe('open');
  });

  it('when calls fail below the volume threshold, then the breaker stays closed', async () => {
    const breaker = track(createBreaker('few-calls', () => Promise.reject(new Error('down')), { timeoutMs: 100 }));
    for (let i = 0; i < 4; i++) await breaker.fire().catch(() => undefined);
    expect(breaker.state()).toBe('closed');
  });

  it('when a fallback is given, then failures and open-breaker rejections answer with it, given the arguments and the error', async () => {
    const seen: unknown[] = [];
    const breaker = track(
      createBreaker('sms-send', (to: string) => Promise.reject(new Error(`cannot reach ${to}`)), {
        timeoutMs: 100,
        volumeThreshold: 2,
        fallback: (to, err) => {
          seen.push([to, isBreakerOpen(err) ? 'open' : (err as Error).message]);
          return 'queued-for-later';
        },
      }),
    );
    await expect(breaker.fire('+15005550006')).resolves.toBe('queued-for-later');
    await expect(breaker.fire('+15005550006')).resolves.toBe('queued-for-later');
    expect(breaker.state()).toBe('open');
    await expect(breaker.fire('+15005550006')).resolves.toBe('queued-for-later');
    expect(seen).toEqual([
      ['+15005550006', 'cannot reach +15005550006'],
      ['+15005550006', 'cannot reach +15005550006'],
      ['+15005550006', 'open'],
    ]);
    expect(await metricsText()).toContain('circuit_breaker_events_total{breaker="sms-send",event="fallback"} 3');
  });

  it('when calls outlive the timeout, then they fail with a timeout that counts towards opening', async () => {
    const breaker = track(
      createBreaker('slow-provider', () => wait(300).then(() => 'late'), { timeoutMs: 30, volumeThreshold: 2, resetTimeoutMs: 10_000 }),
    );
    const first = await breaker.fire().catch((e: unknown) => e);
    expect(isBreakerTimeout(first)).toBe(true);
    await breaker.fire().catch(() => undefined);
    expect(breaker.state()).toBe('open');
    expect(await metricsText()).toContain('circuit_breaker_events_total{breaker="slow-provider",event="timeout"} 2');
  });

  it('when errors are excluded by isFailure (a card decline), then callers get them but the breaker stays closed and uses no fallback', async () => {
    let fallbacks = 0;
    const breaker = track(
      createBreaker('card-auth', () => Promise.reject(new CardDeclined('insufficient funds')), {
        timeoutMs: 100,
        volumeThreshold: 2,
        isFailure: (err) => !(err instanceof CardDeclined),
        fallback: () => {
          fallbacks++;
          return 'fallback';
        },
      }),
    );
    for (let i = 0; i < 6; i++) await expect(breaker.fire()).rejects.toBeInstanceOf(CardDeclined);
    expect(breaker.state()).toBe('closed');
    expect(fallbacks).toBe(0);
    const metrics = await metricsText();
    expect(metrics).toContain('circuit_breaker_events_total{breaker="card-auth",event="excluded"} 6');
    expect(metrics).not.toContain('circuit_breaker_events_total{breaker="card-auth",event="failure"}');
  });

  it('when isFailure would exclude everything, then timeouts still count', async () => {
    const breaker = track(
      createBreaker('timeouts-count', () => wait(200), { timeoutMs: 20, volumeThreshold: 1, isFailure: () => false, resetTimeoutMs: 10_000 }),
    );
    await breaker.fire().catch(() => undefined);
    expect(breaker.state()).toBe('open');
  });

  it('when breakers exist, then breakerStates lists each with its state and window stats until it is shut down', async () => {
    const up = track(createBreaker('states-up', () => Promise.resolve(1), { timeoutMs: 100 }));
    const down = track(createBreaker('states-down', () => Promise.reject(new Error('x')), { timeoutMs: 100, volumeThreshold: 1 }));
    await up.fire();
    await down.fire().catch(() => undefined);
    const states = breakerStates();
    expect(states).toContainEqual({ name: 'states-up', state: 'closed', stats: expect.objectContaining({ fires: 1, successes: 1, failures: 0 }) });
    expect(states).toContainEqual({ name: 'states-down', state: 'open', stats: expect.objectContaining({ fires: 1, failures: 1 }) });
    down.shutdown();
    expect(breakerStates().map((s) => s.name)).not.toContain('states-down');
  });
});
