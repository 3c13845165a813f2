import { startTelemetry } from './telemetry';
import { currentTraceIds, tracer } from './trace-context';

describe('startTelemetry when OTEL_SDK_DISABLED=true', () => {
  beforeAll(() => {
    process.env.OTEL_SDK_DISABLED = 'true';
  });

  it('when started, then no SDK runs and spans carry no ids', async () => {
    const handle = startTelemetry({ serviceName: 'disabled-test' });
    expect(handle).toMatchObject({ enabled: false, exporting: false });
    expect(startTelemetry({ serviceName: 'disabled-test' })).toBe(handle);
    const ids = tracer('test').startActiveSpan('noop', (span) => {
      span.end();
      return currentTraceIds();
    });
    expect(ids).toEqual({});
    await expect(handle.shutdown()).resolves.toBeUndefined();
  });
});
