import { PassThrough } from 'node:stream';
import { createLogger } from '@matchday/observability';
import { levelGate } from './level-gate';

describe('levelGate', () => {
  it('when a line is below the level, then it never reaches the logger; above it, it is written with the child fields', async () => {
    const out = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    out.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    const log = levelGate(createLogger({ service: 'gate-test', level: 'debug', destination: out }), 'info');
    const child = log.child({ requestId: 'r1' });
    child.http('GET /x 200');
    child.debug('detail');
    child.warn('kept', { n: 1 });
    log.info('top');
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['kept', 'r1'],
      ['top', undefined],
    ]);
  });
});
