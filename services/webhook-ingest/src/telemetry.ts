import { createLogger, startTelemetry } from '@matchday/observability';

/** Started before anything else is imported (first line of main.ts), so http, pg and kafkajs get traced. */
export const telemetry = startTelemetry({ serviceName: 'webhook-ingest', logger: createLogger({ service: 'webhook-ingest' }) });
