/* eslint-disable @typescript-eslint/no-require-imports -- the SDK is loaded only when telemetry starts (see below) */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { Logger } from './logger';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Receives the SDK's own warnings and errors (an unreachable collector, dropped spans). */
  logger?: Logger;
}

export interface TelemetryHandle {
  /** True when an SDK is running (false when OTEL_SDK_DISABLED=true). */
  readonly enabled: boolean;
  /** True when finished spans are sent to OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly exporting: boolean;
  /** Flushes pending spans and stops the SDK; safe to call more than once. */
  shutdown(): Promise<void>;
}

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

/** Keeps spans (and so trace ids for logs and propagation) without sending them anywhere. */
const keepLocalOnly: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** Probes and scrapes would otherwise make most of the traces. */
const UNTRACED_PATHS = ['/health/live', '/health/ready', '/metrics'];

let handle: TelemetryHandle | undefined;

/**
 * Starts OpenTelemetry tracing for this process: W3C trace-context propagation, instrumentation of
 * http, express, pg, ioredis, redis (node-redis) and kafkajs, and an OTLP/HTTP exporter when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (spans stay local otherwise: trace ids still reach logs and
 * downstream services). Does nothing when `OTEL_SDK_DISABLED=true`.
 *
 * Call it before anything imports express, pg, redis or kafkajs: the first import of a service's
 * main.ts. A second call returns the first call's handle.
 */
export function startTelemetry(options: TelemetryOptions): TelemetryHandle {
  if (handle) return handle;
  // The OTEL_* variables are the SDK's own interface (the exporter reads them too), hence process.env here.
  const env = process.env;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    handle = { enabled: false, exporting: false, shutdown: () => Promise.resolve() };
    return handle;
  }

  // The SDK and the instrumentations take about half a second to load; requiring them here rather
  // than at the top keeps that cost out of every process (and test) that only needs the logger or metrics.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } =
    require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { RedisInstrumentation } = require('@opentelemetry/instrumentation-redis') as typeof import('@opentelemetry/instrumentation-redis');
  const { KafkaJsInstrumentation } =
    require('@opentelemetry/instrumentation-kafkajs') as typeof import('@opentelemetry/instrumentation-kafkajs');

  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  let spanProcessors: SpanProcessor[] | undefined;
  let traceExporter: NodeSDKConfiguration['traceExporter'] | undefined;
  if (exporting) {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    // Batched by the SDK, honouring the OTEL_BSP_* settings.
    traceExporter = new OTLPTraceExporter();
  } else {
    spanProcessors = [keepLocalOnly];
  }

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    ),
    textMapPropagator: new W3CTraceContextPropagator(),
    ...(traceExporter ? { traceExporter } : {}),
    ...(spanProcessors ? { spanProcessors } : {}),
    // Metrics are Prometheus (prom-client) and logs are JSON lines on stdout: no OTel pipelines for them.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.includes((req.url ?? '').split('?')[0] ?? ''),
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new RedisInstrumentation({ requireParentSpan: true }),
      new KafkaJsInstrumentation(),
    ],
  });
  if (options.logger) {
    const log = options.logger.child({ component: 'opentelemetry' });
    diag.setLogger(
      {
        error: (msg, ...args) => log.error(msg, args.length ? { args } : undefined),
        warn: (msg, ...args) => log.warn(msg, args.length ? { args } : undefined),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  sdk.start();

  let stopped: Promise<void> | undefined;
  handle = {
    enabled: true,
    exporting,
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
  return handle;
}
