/**
 * Which service answers which public path. Services serve the public paths unchanged, so the
 * gateway forwards path for path; only the operations endpoints (`/v1/admin/dlq/{service}`,
 * `/v1/admin/breakers/{service}`, `/v1/admin/events/{outbox,inbox,summary}/{service}`) are
 * rewritten to the service's own `/v1/admin/...` path.
 * Webhooks are not here: providers reach webhook-ingest directly.
 */
export const UPSTREAMS = ['booking', 'payment', 'notification', 'fraud', 'reconciliation', 'webhook-ingest'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

const PREFIXES: ReadonlyArray<readonly [string, UpstreamName]> = [
  ['/v1/admin/matches', 'booking'],
  ['/v1/admin/bookings', 'booking'],
  ['/v1/admin/maintenance', 'booking'],
  ['/v1/admin/payments', 'payment'],
  ['/v1/admin/fraud', 'fraud'],
  ['/v1/admin/reconciliation', 'reconciliation'],
  ['/v1/admin/notifications', 'notification'],
  ['/v1/admin/webhooks', 'webhook-ingest'],
  ['/v1/matches', 'booking'],
  ['/v1/holds', 'booking'],
  ['/v1/bookings', 'booking'],
  ['/v1/transfers', 'booking'],
  ['/v1/sessions', 'booking'],
  ['/v1/waitlist', 'booking'],
  ['/v1/payments', 'payment'],
  ['/v1/fx', 'payment'],
  ['/v1/me', 'notification'],
];

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

/** The service that owns `path`, or undefined when the gateway answers it itself (or nobody does). */
export function upstreamFor(path: string): UpstreamName | undefined {
  return PREFIXES.find(([prefix]) => under(path, prefix))?.[1];
}

export const isUpstream = (name: string): name is UpstreamName => (UPSTREAMS as readonly string[]).includes(name);

/** The service's own path for an operations endpoint reached through the gateway. */
export const OPERATIONS_PATHS = {
  dlq: '/v1/admin/dlq',
  dlqReplay: '/v1/admin/dlq/replay',
  breakers: '/v1/admin/breakers',
  outbox: '/v1/admin/events/outbox',
  inbox: '/v1/admin/events/inbox',
  eventSummary: '/v1/admin/events/summary',
} as const;
