import { createLogger } from '@matchday/observability';
import { Writable } from 'node:stream';
import { runChaos, type ChaosTarget } from './chaos';

const logger = createLogger({ service: 'chaos-test', level: 'error', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const target = (name: string, o: { upFailures?: number; downError?: string } = {}): ChaosTarget & { calls: string[] } => {
  const calls: string[] = [];
  let failures = o.upFailures ?? 0;
  return {
    name,
    action: 'kill -9',
    calls,
    down: async () => {
      calls.push('down');
      if (o.downError) throw new Error(o.downError);
    },
    up: async () => {
      calls.push('up');
      if (failures-- > 0) throw new Error('not ready yet');
    },
  };
};

describe('chaos', () => {
  it('when targets go down one after the other, then each comes back and its downtime is recorded', async () => {
    const a = target('payment');
    const b = target('booking', { upFailures: 1 });
    const events = await runChaos({ targets: [a, b], startAfterMs: 0, downMs: 10, gapMs: 0 }, logger);
    expect(events.map((e) => [e.target, e.error])).toEqual([
      ['payment', undefined],
      ['booking', undefined],
    ]);
    expect(b.calls).toEqual(['down', 'up', 'up']);
    expect(events.every((e) => (e.downMs ?? 0) >= 10)).toBe(true);
  });

  it('when a kill does not take the target down, then the event carries the failure instead of passing silently', async () => {
    const events = await runChaos({ targets: [target('gateway', { downError: 'gateway still answers after kill -9' })], startAfterMs: 0, downMs: 0, gapMs: 0 }, logger);
    expect(events[0]!.error).toBe('gateway still answers after kill -9');
  });

  it('when the run is over before the plan, then the remaining targets are left alone', async () => {
    const abort = new AbortController();
    abort.abort();
    const t = target('fraud');
    expect(await runChaos({ targets: [t], startAfterMs: 0, downMs: 0, gapMs: 0 }, logger, abort.signal)).toEqual([]);
    expect(t.calls).toEqual([]);
  });
});
