import { startTelemetry } from '@matchday/observability';

// Imported first by main.ts so the instrumentations patch http and express before they load.
export const telemetry = startTelemetry({ serviceName: 'web' });
