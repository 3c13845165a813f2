import path from 'node:path';
import {
  dashboardProblems,
  dashboardQueries,
  duplicateDashboards,
  loadDashboards,
  loadInventory,
  panelsOf,
  queryProblems,
} from '../src';

const inventory = loadInventory();
const datasourceUid = inventory.datasourceUid ?? '';
const dashboards = inventory.dashboards;
const byUid = new Map(dashboards.map((d) => [d.json.uid, d]));

describe('Grafana dashboards', () => {
  it('when the data sources are provisioned, then Prometheus has a fixed uid the dashboards can name', () => {
    expect(datasourceUid).toBe('prometheus');
  });

  it.each([
    ['overview (the seed\'s real-time metrics)', 'matchday-overview'],
    ['booking funnel', 'matchday-booking'],
    ['payments', 'matchday-payments'],
    ['webhooks', 'matchday-webhooks'],
    ['notifications', 'matchday-notifications'],
    ['fraud', 'matchday-fraud'],
    ['Kafka and outbox lag', 'matchday-messaging'],
    ['database and cache', 'matchday-database-cache'],
    ['circuit breakers', 'matchday-breakers'],
  ])('when an operator looks for the %s dashboard, then %s is provisioned', (_area, uid) => {
    expect(byUid.has(uid)).toBe(true);
  });

  it.each(dashboards.map((d) => [path.basename(d.file), d]))(
    'when Grafana provisions %s, then it has a uid, a title and panels whose queries use the provisioned Prometheus',
    (_file, dashboard) => {
      expect(dashboardProblems(dashboard, datasourceUid)).toEqual([]);
      expect(panelsOf(dashboard).length).toBeGreaterThan(3);
    },
  );

  it('when several dashboards are provisioned, then no two share a uid or a title', () => {
    expect(duplicateDashboards(dashboards)).toEqual([]);
  });

  it.each(dashboards.map((d) => [path.basename(d.file), d]))(
    'when the panels of %s query Prometheus, then every query is PromQL naming metrics the code exports, REQUIRED_METRICS.md lists or a rule records',
    (_file, dashboard) => {
      const queries = dashboardQueries(dashboard);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.flatMap((q) => queryProblems(q.expr, q.where, inventory.catalogue))).toEqual([]);
    },
  );

  it('when an alert links to a dashboard, then that dashboard is provisioned', () => {
    const alerts = inventory.rules.filter((r) => r.kind === 'alert');
    const broken = alerts
      .map((a) => [a.name, a.annotations.dashboard ?? ''])
      .filter(([, link]) => !byUid.has(/^\/d\/([\w-]+)$/.exec(link ?? '')?.[1]));
    expect(broken).toEqual([]);
    expect(alerts.length).toBeGreaterThan(0);
  });
});

describe('Dashboard checks on a broken dashboard', () => {
  const [broken] = loadDashboards(path.join(__dirname, 'fixtures', 'dashboards'));

  it('when a dashboard lacks a uid, uses another data source, repeats a panel id or has a panel without a query, then each is reported', () => {
    expect(dashboardProblems(broken!, 'prometheus')).toEqual([
      'broken.json: no uid',
      'broken.json › On another data source: datasource must be {"type":"prometheus","uid":"prometheus"}, is {"type":"prometheus","uid":"grafanacloud-prom"}',
      'broken.json › No query: duplicate panel id 2',
      'broken.json › No query: no queries',
    ]);
  });

  it('when its queries name an unknown metric, a wrong label or are not PromQL, then each is reported with its panel', () => {
    const problems = dashboardQueries(broken!).flatMap((q) => queryProblems(q.expr, q.where, inventory.catalogue));
    expect(problems).toEqual([
      expect.stringMatching(/^broken\.json › Queries with mistakes › A: metric booking_seats_sold_total is not declared/),
      expect.stringMatching(/^broken\.json › Queries with mistakes › B: http_server_request_duration_seconds_count has no label "status_code"/),
      expect.stringMatching(/^broken\.json › Queries with mistakes › C: syntax error/),
    ]);
  });
});
