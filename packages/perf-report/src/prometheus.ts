import type { LineSeries } from './svg';
import type { Unit } from './units';

/** One figure of the report, as a PromQL query over raw metrics (so no recording rule needs to be loaded). */
export interface ReportQuery {
  readonly id: string;
  readonly title: string;
  readonly expr: string;
  readonly unit: Unit;
  /** Label whose value names each series (`service`); without one the series is named by the title. */
  readonly legend?: string;
  /** The seed's "Real-time Metrics": shown as headline figures. */
  readonly headline?: boolean;
}

const API = 'http_route!~"/health/.*|/metrics"';

/** The seed's monitoring requirements (real-time metrics and performance tracking) plus the bus and pools. */
export const REPORT_QUERIES: readonly ReportQuery[] = [
  {
    id: 'booking_success_rate',
    title: 'Booking success rate',
    expr: 'sum(rate(booking_bookings_transitions_total{from="PENDING_PAYMENT", to="CONFIRMED"}[5m])) / sum(rate(booking_bookings_transitions_total{from="PENDING_PAYMENT"}[5m]))',
    unit: 'ratio',
    headline: true,
  },
  {
    id: 'payment_success_rate',
    title: 'Payment success rate',
    expr: 'sum(rate(payment_attempts_total{outcome="succeeded"}[5m])) / sum(rate(payment_attempts_total{outcome!="canceled"}[5m]))',
    unit: 'ratio',
    headline: true,
  },
  {
    id: 'average_booking_time',
    title: 'Average booking time',
    expr: 'sum(rate(booking_confirmation_duration_seconds_sum[5m])) / sum(rate(booking_confirmation_duration_seconds_count[5m]))',
    unit: 'seconds',
    headline: true,
  },
  { id: 'concurrent_users', title: 'Concurrent users', expr: 'max(gateway_active_users)', unit: 'count', headline: true },
  {
    id: 'api_p95',
    title: 'API response time p95',
    expr: `histogram_quantile(0.95, sum by (service, le) (rate(http_server_request_duration_seconds_bucket{${API}}[5m])))`,
    unit: 'seconds',
    legend: 'service',
    headline: true,
  },
  {
    id: 'api_requests',
    title: 'API requests per second',
    expr: `sum by (service) (rate(http_server_request_duration_seconds_count{${API}}[5m]))`,
    unit: 'per_second',
    legend: 'service',
  },
  {
    id: 'api_errors',
    title: 'API server error ratio (5xx)',
    expr: `sum by (service) (rate(http_server_request_duration_seconds_count{${API}, http_response_status_code=~"5.."}[5m])) / sum by (service) (rate(http_server_request_duration_seconds_count{${API}}[5m]))`,
    unit: 'ratio',
    legend: 'service',
  },
  {
    id: 'db_query_p95',
    title: 'Database query time p95',
    expr: 'histogram_quantile(0.95, sum by (service, le) (rate(db_client_operation_duration_seconds_bucket[5m])))',
    unit: 'seconds',
    legend: 'service',
  },
  {
    id: 'db_pool_usage',
    title: 'Database pool usage',
    expr: 'sum by (service) (db_client_connection_count{state="used"}) / sum by (service) (db_client_connection_max)',
    unit: 'ratio',
    legend: 'service',
  },
  {
    id: 'payment_processing_p95',
    title: 'Payment processing time p95',
    expr: 'histogram_quantile(0.95, sum by (le) (rate(payment_processing_duration_seconds_bucket[5m])))',
    unit: 'seconds',
  },
  {
    id: 'notification_delivery_rate',
    title: 'Notification delivery rate',
    expr: 'sum by (channel) (rate(notification_delivered_total{provider=~"twilio|sendgrid"}[30m])) / sum by (channel) (rate(notification_sent_total{provider=~"twilio|sendgrid"}[30m]))',
    unit: 'ratio',
    legend: 'channel',
  },
  {
    id: 'cache_hit_ratio',
    title: 'Cache hit ratio',
    expr: 'sum by (cache) (rate(booking_cache_requests_total{outcome="hit"}[5m])) / sum by (cache) (rate(booking_cache_requests_total[5m]))',
    unit: 'ratio',
    legend: 'cache',
  },
  {
    id: 'kafka_consumer_lag',
    title: 'Kafka consumer lag',
    expr: 'sum by (group) (max by (group, topic, partition) (messaging_kafka_consumer_lag))',
    unit: 'count',
    legend: 'group',
  },
  { id: 'outbox_lag', title: 'Outbox lag', expr: 'max by (service) (outbox_lag_seconds)', unit: 'seconds', legend: 'service' },
  {
    id: 'dead_letters',
    title: 'Dead letters per hour',
    expr: 'sum by (group) (increase(messaging_dead_letters_total[1h]))',
    unit: 'count',
    legend: 'group',
  },
  { id: 'open_breakers', title: 'Open circuit breakers', expr: 'count(circuit_breaker_state == 2) or vector(0)', unit: 'count' },
];

export interface PrometheusWindow {
  /** Prometheus base URL, e.g. http://127.0.0.1:9090. */
  readonly url: string;
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
}

export interface QueryResult {
  readonly query: ReportQuery;
  readonly series: readonly LineSeries[];
  /** Prometheus refused the query (its error text); the other queries still make the report. */
  readonly error?: string;
}

/** Prometheus could not be reached or did not answer like Prometheus: the report cannot be made. */
export class PrometheusUnavailableError extends Error {
  override readonly name = 'PrometheusUnavailableError';
}

interface MatrixResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** A step that keeps about 240 points in the window, at least 15 s (the scrape interval). */
export function defaultStep(start: Date, end: Date): number {
  return Math.max(15, Math.ceil((end.getTime() - start.getTime()) / 1000 / 240));
}

function seriesName(metric: Record<string, string>, query: ReportQuery): string {
  if (query.legend) return metric[query.legend] ?? `(no ${query.legend})`;
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__');
  return labels.length === 0 ? query.title : labels.map(([k, v]) => `${k}="${v}"`).join(', ');
}

/** One range query through Prometheus's HTTP API (`/api/v1/query_range`). */
export async function queryRange(window: PrometheusWindow, query: ReportQuery): Promise<QueryResult> {
  const url = new URL('api/v1/query_range', window.url.endsWith('/') ? window.url : `${window.url}/`);
  const body = new URLSearchParams({
    query: query.expr,
    start: String(window.start.getTime() / 1000),
    end: String(window.end.getTime() / 1000),
    step: String(window.stepSeconds),
  });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    // fetch reports "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its cause.
    const cause = (e as { cause?: { message?: unknown } }).cause;
    const reason = typeof cause?.message === 'string' ? cause.message : String((e as { message?: unknown }).message ?? e);
    throw new PrometheusUnavailableError(`Prometheus at ${window.url} could not be reached: ${reason}`, { cause: e });
  }
  let json: MatrixResponse;
  try {
    json = (await response.json()) as MatrixResponse;
  } catch (e) {
    throw new PrometheusUnavailableError(`${url.href} answered ${response.status} without Prometheus's JSON`, { cause: e });
  }
  if (json.status !== 'success' || json.data?.resultType !== 'matrix')
    return { query, series: [], error: json.error ?? `unexpected answer (HTTP ${response.status})` };
  const series = json.data.result
    .map((r) => ({ name: seriesName(r.metric, query), points: r.values.map(([t, v]) => [t, Number(v)] as const) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { query, series };
}

/** Every report query over the window, in order. */
export async function fetchPrometheusWindow(
  window: PrometheusWindow,
  queries: readonly ReportQuery[] = REPORT_QUERIES,
): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const q of queries) results.push(await queryRange(window, q));
  return results;
}

/** A Prometheus duration (`90s`, `15m`, `1h30m`, `2d`) in seconds; throws on anything else. */
export function parseDuration(text: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new Error(`"${text}" is not a duration like 30m, 1h or 1h30m`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (unit[p[2] ?? 's'] ?? 1), 0);
}
