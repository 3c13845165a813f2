import { startTelemetry } from '@matchday/observability';

/** Imported first by main.ts, so http, express, pg, redis and kafkajs are instrumented. */
export const telemetry = startTelemetry({ serviceName: 'booking' });
