import { context, type Context, ROOT_CONTEXT, trace, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace-context helpers for transports that OpenTelemetry does not instrument for us, chiefly
 * Kafka headers written by the outbox relay and read by consumers. They use their own W3C propagator,
 * so they work the same whether or not the SDK has been started.
 */

const w3c = new W3CTraceContextPropagator();

/** Header values as transports hand them over: kafkajs gives Buffers (or arrays of them). */
export type CarrierValue = string | Buffer | ReadonlyArray<string | Buffer> | undefined;

const getter: TextMapGetter<Readonly<Record<string, CarrierValue>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key] ?? carrier[Object.keys(carrier).find((k) => k.toLowerCase() === key) ?? ''];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return (value as ReadonlyArray<string | Buffer>).map((v) => v.toString());
  },
};

/** A tracer for manual spans (`tracer('booking').startActiveSpan('place hold', ...)`). */
export function tracer(name: string, version?: string): Tracer {
  return trace.getTracer(name, version);
}

/**
 * Writes `traceparent` (and `tracestate` when present) for `ctx` (default: the active context) into
 * `headers` and returns the same object. Writes nothing when there is no valid span in `ctx`.
 */
export function injectTraceHeaders<H extends Record<string, string>>(headers: H, ctx: Context = context.active()): H {
  w3c.inject(ctx, headers, {
    set: (carrier, key, value) => {
      (carrier as Record<string, string>)[key] = value;
    },
  });
  return headers;
}

/**
 * Reads `traceparent`/`tracestate` from `headers` into a Context whose remote span becomes the parent
 * of spans started inside `context.with(ctx, ...)`. Without a valid `traceparent`, returns `base`
 * unchanged (default: the root context), so a consumer starts a fresh trace.
 */
export function extractTraceContext(
  headers: Readonly<Record<string, CarrierValue>>,
  base: Context = ROOT_CONTEXT,
): Context {
  return w3c.extract(base, headers, getter);
}

/**
 * Runs `fn` inside the trace context that `headers` carry (see extractTraceContext): work picked up
 * later from a queue or table continues the trace of whatever queued it.
 */
export function withTraceContext<T>(headers: Readonly<Record<string, CarrierValue>>, fn: () => T): T {
  return context.with(extractTraceContext(headers), fn);
}

/** Ids of the span active in `ctx` (default: the active context); empty when there is none. */
export function currentTraceIds(ctx: Context = context.active()): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * Runs `fn` with automatic instrumentation silenced: the instrumented libraries it calls make no spans
 * and inject no trace headers. For calls whose spans (and headers) the caller makes itself, e.g. the
 * outbox relay, whose messages already carry the trace context of the request that wrote them.
 */
export function withoutInstrumentation<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}
