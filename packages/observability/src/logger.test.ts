import { PassThrough } from 'node:stream';
import { createLogger, type LoggerOptions } from './logger';

function capture(options: Omit<LoggerOptions, 'destination'>) {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const logger = createLogger({ ...options, destination: stream });
  return { logger, lines, flush: () => new Promise<void>((resolve) => setImmediate(resolve)) };
}

describe('createLogger', () => {
  it('when a line is logged, then it is one JSON object with timestamp, level, service, msg and the fields', async () => {
    const { logger, lines, flush } = capture({ service: 'booking', level: 'info' });
    logger.info('hold placed', { holdId: 'h-1', quantity: 2 });
    await flush();
    expect(lines).toEqual([
      { timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', service: 'booking', msg: 'hold placed', holdId: 'h-1', quantity: 2 },
    ]);
  });

  it('when no span is active, then the line carries no trace ids', async () => {
    const { logger, lines, flush } = capture({ service: 'booking', level: 'info' });
    logger.info('no trace');
    await flush();
    expect(lines[0]).not.toHaveProperty('traceId');
  });

  it('when a line is below the configured level, then it is not written', async () => {
    const { logger, lines, flush } = capture({ service: 'booking', level: 'warn' });
    logger.info('chatty');
    logger.debug('chattier');
    logger.http('GET /x');
    logger.warn('careful');
    logger.error('broken');
    await flush();
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  });

  it('when the level is http, then access lines are written and debug lines are not', async () => {
    const { logger, lines, flush } = capture({ service: 'gateway', level: 'http' });
    logger.http('GET /v1/matches 200');
    logger.debug('details');
    await flush();
    expect(lines.map((l) => l.msg)).toEqual(['GET /v1/matches 200']);
  });

  it('when fields or the message carry PII, then the written line has it redacted', async () => {
    const { logger, lines, flush } = capture({ service: 'notification', level: 'info' });
    logger.info('sending to ann@example.com', {
      to: '+447700900123',
      card: { cardNumber: '4242424242424242', last4: '4242' },
      headers: { Authorization: 'Bearer abc' },
    });
    await flush();
    const raw = JSON.stringify(lines[0]);
    expect(raw).not.toContain('ann@example.com');
    expect(raw).not.toContain('447700900123');
    expect(raw).not.toContain('4242424242424242');
    expect(raw).not.toContain('Bearer abc');
    expect(lines[0]).toMatchObject({ msg: 'sending to a***@example.com', to: '+44********23' });
  });

  it('when a child logger is used, then its fields appear on every line, redacted like the others', async () => {
    const { logger, lines, flush } = capture({ service: 'payment', level: 'info' });
    const child = logger.child({ bookingId: 'b-9', email: 'ann@example.com' });
    child.info('captured', { amount: 1000 });
    child.child({ attempt: 2 }).warn('retrying');
    logger.info('parent untouched');
    await flush();
    expect(lines[0]).toMatchObject({ service: 'payment', bookingId: 'b-9', email: 'a***@example.com', amount: 1000 });
    expect(lines[1]).toMatchObject({ bookingId: 'b-9', attempt: 2, level: 'warn' });
    expect(lines[2]).not.toHaveProperty('bookingId');
  });

  it('when an error is logged as a field, then its type, message and stack are kept', async () => {
    const { logger, lines, flush } = capture({ service: 'payment', level: 'info' });
    logger.error('provider call failed', { err: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) });
    await flush();
    expect(lines[0]).toMatchObject({ err: { type: 'Error', message: 'timeout', code: 'ETIMEDOUT' } });
    expect((lines[0]!.err as { stack: string }).stack).toContain('logger.test.ts');
  });

  it('when fields try to overwrite level, service or msg, then the logger keeps its own', async () => {
    const { logger, lines, flush } = capture({ service: 'fraud', level: 'info' });
    logger.info('real message', { level: 'error', service: 'spoof', msg: 'fake', message: 'fake' });
    await flush();
    expect(lines[0]).toMatchObject({ level: 'info', service: 'fraud', msg: 'real message' });
  });
});
