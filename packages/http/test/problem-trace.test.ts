import { startTelemetry, tracer } from '@matchday/observability';
import request from 'supertest';
import { createHttpApp, HttpProblem } from '../src';
import { capturingLogger } from './helpers';

describe('problem documents with tracing on', () => {
  const telemetry = (() => {
    process.env.OTEL_SDK_DISABLED = 'false';
    return startTelemetry({ serviceName: 'http-trace-test' });
  })();
  afterAll(() => telemetry.shutdown());

  it('when a request fails inside a span, then the problem carries that trace id for support to find', async () => {
    let traceId = '';
    const app = createHttpApp({
      serviceName: 'http-trace-test',
      logger: capturingLogger().logger,
      routes: (a) => {
        a.get('/v1/traced', (_req, _res, next) => {
          tracer('test').startActiveSpan('handler', (span) => {
            traceId = span.spanContext().traceId;
            next(new HttpProblem(409, 'Conflict'));
            span.end();
          });
        });
      },
    });
    const res = await request(app).get('/v1/traced');
    expect(res.status).toBe(409);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body.traceId).toBe(traceId);
  });
});
