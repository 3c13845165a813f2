import { grafanaLink, jaegerLink } from './trace-links';

describe('links from a booking to its traces', () => {
  it('when the trace id is known, then Jaeger opens that trace', () => {
    expect(jaegerLink('http://jaeger:16686', { traceId: 'abc123', bookingId: 'b1' })).toBe(
      'http://jaeger:16686/trace/abc123',
    );
  });

  it('when only the booking id is known, then Jaeger searches the spans keyed by it', () => {
    const url = new URL(jaegerLink('http://jaeger:16686', { bookingId: 'b-42' }));
    expect(url.pathname).toBe('/search');
    expect(url.searchParams.get('service')).toBe('booking');
    expect(JSON.parse(url.searchParams.get('tags')!)).toEqual({ 'messaging.kafka.message.key': 'b-42' });
  });

  it('when opened in Grafana, then Explore queries the Jaeger data source for the same trace', () => {
    const url = new URL(grafanaLink('http://grafana:3000', { traceId: 'abc123', bookingId: 'b1' }));
    expect(url.pathname).toBe('/explore');
    const panes = JSON.parse(url.searchParams.get('panes')!) as {
      trace: { queries: { query: string; datasource: { uid: string } }[] };
    };
    expect(panes.trace.queries[0]).toMatchObject({ query: 'abc123', datasource: { uid: 'jaeger' } });
  });
});
