import { diag } from '@opentelemetry/api';
import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { startTelemetry } from './telemetry';
import { currentTraceIds, injectTraceHeaders, tracer, withoutInstrumentation, withTraceContext } from './trace-context';

// Export to a collector needs a plain Node process (the exporter loads its transport with a dynamic
// import that jest's VM cannot run): see test/telemetry-export.test.ts.
describe('startTelemetry without an OTLP endpoint', () => {
  let handle: ReturnType<typeof startTelemetry>;
  const sdkLines: string[] = [];

  beforeAll(() => {
    process.env.OTEL_SDK_DISABLED = 'false';
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const out = new PassThrough();
    out.on('data', (c: Buffer) => sdkLines.push(c.toString()));
    const logger = createLogger({ service: 'telemetry-test', level: 'info', destination: out });
    handle = startTelemetry({ serviceName: 'telemetry-test', serviceVersion: '1.2.3', logger });
  });

  afterAll(() => handle.shutdown());

  it('when started twice, then the second call returns the running handle, which exports nothing', () => {
    expect(handle).toMatchObject({ enabled: true, exporting: false });
    expect(startTelemetry({ serviceName: 'other' })).toBe(handle);
  });

  it('when a span is active, then log lines carry its trace and span ids', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(c.toString()));
    const logger = createLogger({ service: 'telemetry-test', level: 'info', destination: out });

    const ids = tracer('test').startActiveSpan('place hold', (span) => {
      logger.info('inside');
      span.end();
      return currentTraceIds();
    });
    logger.info('outside');
    await new Promise((r) => setImmediate(r));

    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'inside', traceId: ids.traceId, spanId: ids.spanId });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('traceId');
  });

  it('when the SDK reports a problem, then it becomes a log line of the service', async () => {
    diag.error('OTLPExporterError: connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    diag.info('not interesting');
    await new Promise((r) => setImmediate(r));
    expect(sdkLines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'error', component: 'opentelemetry', msg: 'OTLPExporterError: connect ECONNREFUSED' }),
    ]);
  });

  it('when instrumentation is silenced, then what runs inside makes no spans and writes no trace headers', () => {
    const seen = tracer('test').startActiveSpan('relay cycle', (outer) => {
      const inside = withoutInstrumentation(() => {
        const span = tracer('kafkajs').startSpan('send booking.events');
        span.end();
        return { recording: span.isRecording(), headers: injectTraceHeaders({}) };
      });
      const after = injectTraceHeaders<Record<string, string>>({});
      outer.end();
      return { inside, after };
    });
    expect(seen.inside).toEqual({ recording: false, headers: {} });
    expect(seen.after.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('when work picked up later runs in the trace context stored with it, then its spans continue that trace', async () => {
    const stored = tracer('test').startActiveSpan('queue job', (span) => {
      span.end();
      return injectTraceHeaders<Record<string, string>>({});
    });
    const storedTraceId = stored.traceparent!.split('-')[1];
    const ids = await withTraceContext(stored, async () => {
      await new Promise((r) => setImmediate(r));
      return tracer('test').startActiveSpan('provider call', (span) => {
        span.end();
        return currentTraceIds();
      });
    });
    expect(ids.traceId).toBe(storedTraceId);
    expect(withTraceContext({}, () => currentTraceIds())).toEqual({});
  });

  it('when shut down twice, then both calls resolve', async () => {
    await handle.shutdown();
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });
});
