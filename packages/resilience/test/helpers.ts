import { PassThrough } from 'node:stream';
import { createLogger, type Logger } from '@matchday/observability';

/** A real logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; settle: () => Promise<void> } {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return {
    logger: createLogger({ service: 'resilience-test', level: 'debug', destination: stream }),
    lines,
    settle: () => new Promise((resolve) => setTimeout(resolve, 10)),
  };
}
