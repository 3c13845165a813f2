import * as cheerio from 'cheerio';
import { generatePerformanceReport, PrometheusUnavailableError, REPORT_QUERIES, type ReportQuery } from '../src';
import { freePort, openMetrics, startPrometheus, type Backfill, type RunningPrometheus } from './prometheus-server';

// Two hours of 15-second samples ending 10 minutes ago, on whole minutes so windows are exact.
const STEP = 15;
const COUNT = 480;
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
const START = END - (COUNT - 1) * STEP;

const families: Backfill[] = [
  {
    family: 'booking_bookings_transitions',
    type: 'counter',
    series: [
      { labels: { service: 'booking', from: 'PENDING_PAYMENT', to: 'CONFIRMED', reason: 'paid' }, value: (i) => i * 9 },
      { labels: { service: 'booking', from: 'PENDING_PAYMENT', to: 'EXPIRED', reason: 'window' }, value: (i) => i * 1 },
    ],
  },
  {
    family: 'gateway_active_users',
    type: 'gauge',
    series: [{ labels: { service: 'gateway', instance: 'gateway:8080' }, value: (i) => 1000 + (Math.floor(i / 4) % 2) * 200 }],
  },
  {
    family: 'http_server_request_duration_seconds',
    type: 'histogram',
    buckets: [
      { le: '0.1', share: 50 / 60 },
      { le: '0.5', share: 1 },
      { le: '+Inf', share: 1 },
    ],
    series: [
      {
        labels: { service: 'gateway', http_request_method: 'GET', http_route: '/v1/matches', http_response_status_code: '200' },
        value: (i) => i * 60,
      },
    ],
  },
];

describe('generatePerformanceReport from a Prometheus window', () => {
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    prometheus = await startPrometheus(openMetrics(families, START, COUNT, STEP));
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  const window = () => ({
    kind: 'prometheus' as const,
    url: prometheus.url,
    windowSeconds: 3600,
    end: new Date(END * 1000),
    stepSeconds: 60,
  });

  it('when Prometheus holds an hour of booking, user and API metrics, then the headline shows the seed\'s real-time figures', async () => {
    const report = await generatePerformanceReport(window());
    const figure = (label: string) => report.headline.find((f) => f.label === label);
    expect(figure('Booking success rate')?.value).toBe('90%');
    expect(figure('Concurrent users')?.value).toMatch(/^1[01]\d\d$/);
    expect(figure('Concurrent users')?.detail).toMatch(/max 1200/);
    expect(figure('API response time p95')?.value).toBe('380 ms');
    expect(figure('Payment success rate')).toEqual({ label: 'Payment success rate', value: 'n/a', detail: 'no data in this window' });
    expect(report.source).toContain(prometheus.url);
  });

  it('when the report is rendered, then every query has a chart, lines where data exists and a key-figure row per series', async () => {
    const report = await generatePerformanceReport(window());
    const $ = cheerio.load(report.html);
    const charts = $('svg.chart');
    expect(charts.map((_, el) => $(el).children('title').text()).get()).toEqual(
      [...REPORT_QUERIES.filter((q) => q.headline), ...REPORT_QUERIES.filter((q) => !q.headline)].map((q) => q.title),
    );
    const chart = (title: string) => charts.filter((_, el) => $(el).children('title').text() === title);
    const bookingLine = chart('Booking success rate').find('polyline').attr('points')?.split(' ') ?? [];
    expect(bookingLine.length).toBeGreaterThan(50);
    expect(chart('API requests per second').find('text.legend').text()).toBe('gateway');
    expect(chart('Payment success rate').find('text.empty').text()).toBe('no data in this window');
    const rows = $('table tbody tr')
      .map((_, tr) => $(tr).find('td').map((__, td) => $(td).text()).get().join(' | '))
      .get();
    expect(rows).toContain('Booking success rate | Booking success rate | 90% | 90% | 90%');
    expect(rows).toContain('API requests per second | gateway | 4/s | 4/s | 4/s');
  });

  it('when Prometheus refuses one query, then the report lists that problem and still shows the others', async () => {
    const broken: ReportQuery = { id: 'broken', title: 'Broken query', expr: 'sum(rate(x[5m])', unit: 'count' };
    const report = await generatePerformanceReport({ ...window(), queries: [REPORT_QUERIES[0]!, broken] });
    const problems = report.sections.flatMap((s) => s.problems);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Broken query: Prometheus refused the query: .*parse error/);
    expect(report.headline[0]?.value).toBe('90%');
  });

  it('when nothing listens at the URL, then generating fails saying Prometheus could not be reached', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const promise = generatePerformanceReport({ ...window(), url });
    await expect(promise).rejects.toBeInstanceOf(PrometheusUnavailableError);
    await expect(promise).rejects.toThrow(`Prometheus at ${url} could not be reached: connect ECONNREFUSED`);
  });
});
