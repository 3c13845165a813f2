import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { currentTraceIds, extractTraceContext, injectTraceHeaders } from './trace-context';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

describe('trace context helpers', () => {
  it('when a span context is given, then traceparent is written into the headers', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
    const headers = injectTraceHeaders({ ce_type: 'booking.confirmed.v1' }, ctx);
    expect(headers).toEqual({ ce_type: 'booking.confirmed.v1', traceparent });
  });

  it('when there is no span, then nothing is written', () => {
    expect(injectTraceHeaders({}, ROOT_CONTEXT)).toEqual({});
  });

  it('when Kafka headers carry traceparent as a Buffer, then the remote span becomes the context parent', () => {
    const ctx = extractTraceContext({ traceparent: Buffer.from(traceparent), ce_id: Buffer.from('e-1') });
    const spanContext = trace.getSpanContext(ctx);
    expect(spanContext).toMatchObject({ traceId, spanId, isRemote: true });
    expect(currentTraceIds(ctx)).toEqual({ traceId, spanId });
  });

  it('when the header name is capitalised, then it is still found', () => {
    expect(currentTraceIds(extractTraceContext({ Traceparent: traceparent }))).toEqual({ traceId, spanId });
  });

  it('when traceparent is missing or malformed, then the consumer starts from an empty context', () => {
    expect(currentTraceIds(extractTraceContext({}))).toEqual({});
    expect(currentTraceIds(extractTraceContext({ traceparent: 'garbage' }))).toEqual({});
    expect(currentTraceIds(extractTraceContext({ traceparent: `00-${'0'.repeat(32)}-${spanId}-01` }))).toEqual({});
  });

  it('when headers are injected from an extracted context, then the trace continues unchanged', () => {
    const headers = injectTraceHeaders({}, extractTraceContext({ traceparent, tracestate: 'vendor=1' }));
    expect(headers).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('when no span is active, then currentTraceIds is empty', () => {
    expect(currentTraceIds()).toEqual({});
  });
});
