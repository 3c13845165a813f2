/** The platform's processes, their ports and what each one's environment needs. */
export interface ServiceSpec {
  name: string;
  port: number;
  /** Consumer group (topics for its retries and dead letters are created up front). */
  group?: string;
  /** Public: shown to people (the others are internal). */
  public?: boolean;
}

export const services: ServiceSpec[] = [
  { name: 'webhook-ingest', port: 8083, public: true },
  { name: 'booking', port: 8081, group: 'booking' },
  { name: 'payment', port: 8082, group: 'payment' },
  { name: 'notification', port: 8084, group: 'notification' },
  { name: 'fraud', port: 8085, group: 'fraud' },
  { name: 'reconciliation', port: 8086, group: 'reconciliation' },
  { name: 'gateway', port: 8080, group: 'gateway', public: true },
  { name: 'web', port: 8090, public: true },
];

export const SANDBOX_PORT = 4010;
export const PROMETHEUS_PORT = 9090;

export const schemaOf = (service: string) => service.replace(/-/g, '_');
export const roleOf = (service: string) => `matchday_${schemaOf(service)}`;
