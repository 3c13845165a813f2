import { createLogger, startTelemetry } from '@matchday/observability';

/** Started before anything else is imported (first line of main.ts), so http, pg, kafkajs and Stripe calls get traced. */
export const telemetry = startTelemetry({ serviceName: 'payment', logger: createLogger({ service: 'payment' }) });
