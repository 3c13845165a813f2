import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('a service process with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  const posted: string[] = [];
  let collector: http.Server;
  let stdout = '';
  const incomingTraceId = '0af7651916cd43dd8448eb211c80319c';

  beforeAll(async () => {
    // A stand-in OTLP/HTTP collector that keeps whatever is posted to /v1/traces.
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') posted.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as AddressInfo;

    const result = await run(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'fixtures/traced-service.ts')], {
      env: {
        ...process.env,
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        INCOMING_TRACE_ID: incomingTraceId,
        LOG_LEVEL: 'info',
      },
      timeout: 60000,
    });
    stdout = result.stdout;
  });

  afterAll(() => new Promise((r) => collector.close(r)));

  function lines(): Array<Record<string, unknown>> {
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('when a request carries traceparent, then the handler runs inside that trace and logs its ids', () => {
    const result = lines().find((l) => 'result' in l) as { result: { traceId: string; spanId: string }; exporting: boolean };
    expect(result.exporting).toBe(true);
    expect(result.result.traceId).toBe(incomingTraceId);
    expect(result.result.spanId).not.toBe('b7ad6b7169203331');
    expect(lines().find((l) => l.msg === 'handled')).toMatchObject({ traceId: incomingTraceId, service: 'traced-fixture' });
  });

  it('when the process shuts telemetry down, then its spans have reached the collector, named by service', () => {
    const body = posted.join('\n');
    expect(body).toContain(incomingTraceId);
    expect(body).toContain('traced-fixture');
    expect(body).toContain('9.9.9');
  });

  it('when probes hit the health endpoints, then they make no spans', () => {
    const body = posted.join('\n');
    expect(body).toContain('/v1/matches');
    expect(body).not.toContain('/health/live');
  });
});
