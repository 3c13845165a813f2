/**
 * Links from a booking to its traces: Jaeger's trace view when the trace id is known, else a Jaeger
 * search by the booking id tag; Grafana Explore on the Jaeger data source (uid `jaeger`, provisioned
 * in infra/grafana) for the same trace.
 */
export function jaegerLink(jaegerUrl: string, opts: { traceId?: string; bookingId: string }): string {
  if (opts.traceId) return `${jaegerUrl}/trace/${encodeURIComponent(opts.traceId)}`;
  const tags = JSON.stringify({ 'booking.id': opts.bookingId });
  return `${jaegerUrl}/search?service=gateway&tags=${encodeURIComponent(tags)}`;
}

export function grafanaLink(grafanaUrl: string, opts: { traceId?: string; bookingId: string }): string {
  const query = opts.traceId
    ? { refId: 'A', datasource: { type: 'jaeger', uid: 'jaeger' }, queryType: 'traceId', query: opts.traceId }
    : { refId: 'A', datasource: { type: 'jaeger', uid: 'jaeger' }, queryType: 'search', service: 'gateway', tags: `booking.id=${opts.bookingId}` };
  const panes = { trace: { datasource: 'jaeger', queries: [query], range: { from: 'now-24h', to: 'now' } } };
  return `${grafanaUrl}/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}
