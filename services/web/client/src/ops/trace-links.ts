/**
 * Links from a booking to its traces. With a trace id: Jaeger's trace view. Without one: a Jaeger
 * search for the booking service's spans whose Kafka message key is the booking id (booking.events
 * are keyed by bookingId and the kafkajs instrumentation records `messaging.kafka.message.key`;
 * the traceparent header carries those traces on into payment, fraud and notification).
 * Grafana Explore opens the same on its Jaeger data source (uid `jaeger`, provisioned in infra/grafana).
 */
const KEY_TAG = 'messaging.kafka.message.key';

export function jaegerLink(jaegerUrl: string, opts: { traceId?: string; bookingId: string }): string {
  if (opts.traceId) return `${jaegerUrl}/trace/${encodeURIComponent(opts.traceId)}`;
  const tags = JSON.stringify({ [KEY_TAG]: opts.bookingId });
  return `${jaegerUrl}/search?service=booking&lookback=7d&tags=${encodeURIComponent(tags)}`;
}

export function grafanaLink(grafanaUrl: string, opts: { traceId?: string; bookingId: string }): string {
  const datasource = { type: 'jaeger', uid: 'jaeger' };
  const query = opts.traceId
    ? { refId: 'A', datasource, queryType: 'traceId', query: opts.traceId }
    : {
        refId: 'A',
        datasource,
        queryType: 'search',
        service: 'booking',
        tags: `${KEY_TAG}=${opts.bookingId}`,
      };
  const panes = { trace: { datasource: 'jaeger', queries: [query], range: { from: 'now-7d', to: 'now' } } };
  return `${grafanaUrl}/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}
