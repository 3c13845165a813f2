import { counter, gauge, histogram, metricsContentType, metricsText, registry } from './metrics';

describe('metrics', () => {
  it('when two components ask for the same counter, then they share one metric instead of crashing', async () => {
    const a = counter({ name: 'booking_holds_placed_total', help: 'Holds placed', labelNames: ['outcome'] });
    const b = counter({ name: 'booking_holds_placed_total', help: 'Holds placed', labelNames: ['outcome'] });
    expect(b).toBe(a);
    a.inc({ outcome: 'ok' });
    b.inc({ outcome: 'ok' });
    expect(await metricsText()).toContain('booking_holds_placed_total{outcome="ok"} 2');
  });

  it('when a name is taken by another kind of metric, then asking for it fails loudly', () => {
    counter({ name: 'dup_kind_total', help: 'x' });
    expect(() => gauge({ name: 'dup_kind_total', help: 'x' })).toThrow(/not as a gauge/);
  });

  it('when a histogram has no buckets given, then it uses the HTTP duration buckets in seconds', async () => {
    const h = histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
    });
    expect(histogram({ name: 'http_server_request_duration_seconds', help: 'again' })).toBe(h);
    h.observe({ http_request_method: 'GET', http_route: '/v1/matches', http_response_status_code: '200' }, 0.03);
    const text = await metricsText();
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{le="0.05",http_request_method="GET",http_route="/v1/matches",http_response_status_code="200"} 1',
    );
    expect(text).toContain('le="10"');
  });

  it('when a histogram is given buckets, then they are used', async () => {
    histogram({ name: 'messaging_process_duration_seconds', help: 'x', buckets: [0.1, 1] }).observe(0.5);
    expect(await metricsText()).toContain('messaging_process_duration_seconds_bucket{le="1"} 1');
  });

  it('when a gauge has a collect function, then a scrape reports the collected value', async () => {
    let depth = 7;
    gauge({
      name: 'outbox_pending_events',
      help: 'Events waiting in the outbox',
      collect() {
        this.set(depth);
      },
    });
    expect(await metricsText()).toContain('outbox_pending_events 7');
    depth = 3;
    expect(await metricsText()).toContain('outbox_pending_events 3');
  });

  it('when scraped, then default Node metrics are included without a prefix, in the Prometheus text format', async () => {
    const text = await metricsText();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(metricsContentType).toBe(registry.contentType);
    expect(metricsContentType).toMatch(/^text\/plain/);
  });
});
