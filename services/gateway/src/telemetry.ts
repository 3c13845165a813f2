import { createLogger, startTelemetry } from '@matchday/observability';

/** Started before anything else is imported (first line of main.ts), so http, express, redis and kafkajs are instrumented. */
export const telemetry = startTelemetry({ serviceName: 'gateway', logger: createLogger({ service: 'gateway' }) });
