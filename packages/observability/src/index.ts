export { startTelemetry, type TelemetryHandle, type TelemetryOptions } from './telemetry';
export {
  currentTraceIds,
  extractTraceContext,
  injectTraceHeaders,
  tracer,
  withoutInstrumentation,
  withTraceContext,
  type CarrierValue,
} from './trace-context';
export { createLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from './logger';
export { maskEmail, maskPan, maskPhone, redact, redactString, REDACTED } from './redact';
export {
  counter,
  DURATION_BUCKETS_SECONDS,
  gauge,
  histogram,
  metricsContentType,
  metricsText,
  registry,
} from './metrics';
export type { MonitoringSystem } from './monitoring-system';
