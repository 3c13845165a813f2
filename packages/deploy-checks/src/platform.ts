/** What ARCHITECTURE.md fixes about the platform: the processes, their ports and schemas, the topics. */

export interface PlatformService {
  /** Package name without the @matchday/ scope; also the compose service, Deployment and Service name. */
  readonly name: string;
  readonly port: number;
  /** Postgres schema and role it owns, if any. */
  readonly schema?: string;
  /** Reached from outside the cluster (published port in compose, Ingress in k8s). */
  readonly public: boolean;
}

export const platformServices: readonly PlatformService[] = [
  { name: 'gateway', port: 8080, public: true },
  { name: 'booking', port: 8081, schema: 'booking', public: false },
  { name: 'payment', port: 8082, schema: 'payment', public: false },
  { name: 'webhook-ingest', port: 8083, schema: 'webhook', public: true },
  { name: 'notification', port: 8084, schema: 'notification', public: false },
  { name: 'fraud', port: 8085, schema: 'fraud', public: false },
  { name: 'reconciliation', port: 8086, schema: 'reconciliation', public: false },
  { name: 'web', port: 8090, public: true },
];

/** Processes that exist only in development (docker-compose.yml), never in k8s/. */
export const devOnlyServices: readonly PlatformService[] = [
  { name: 'provider-sandbox', port: 4010, public: false },
];

/** Every value the Dockerfile's SERVICE build argument may take. */
export const buildableServices: readonly string[] = [...platformServices, ...devOnlyServices].map(
  (s) => s.name,
);

/** Where a buildable package lives in the workspace. */
export function packageFolder(service: string): string {
  return devOnlyServices.some((s) => s.name === service) ? `packages/${service}` : `services/${service}`;
}

/** The main topics (event topology); retry and dead-letter topics belong to consumer groups. */
export const mainTopics: readonly string[] = [
  'booking.events',
  'inventory.events',
  'payment.events',
  'provider.webhooks',
  'fraud.decisions',
  'notification.events',
  'gateway.signals',
  'reconciliation.events',
];

/** Ports published on the developer's machine by docker-compose.yml, by compose service. */
export const publishedComposePorts: Readonly<Record<string, number>> = {
  gateway: 8080,
  'webhook-ingest': 8083,
  web: 8090,
  grafana: 3000,
  jaeger: 16686,
};
