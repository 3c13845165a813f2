import { startTelemetry } from '@matchday/observability';

// Imported first by main.ts so the instrumentations patch express, pg and kafkajs before they load.
export const telemetry = startTelemetry({ serviceName: 'reconciliation' });
