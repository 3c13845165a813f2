import path from 'node:path';
import { REPORT_QUERIES } from '@matchday/perf-report';
import {
  buildCatalogue,
  conflictingDeclarations,
  loadInventory,
  missingMetricsReport,
  parsePromql,
  parseRequiredMetrics,
  queryProblems,
  requiredMismatches,
  scanDeclaredMetrics,
  type DeclaredMetric,
  type RequiredMetric,
} from '../src';

const inventory = loadInventory();

afterAll(() => {
  const report = missingMetricsReport(inventory.missing);
  if (report) console.warn(report);
});

describe('Metric declarations in the sources', () => {
  it('when packages/*/src is scanned, then the shared packages\' metrics are found with their labels', () => {
    const byName = new Map(inventory.declared.filter((m) => m.origin.startsWith('packages/')).map((m) => [m.name, m]));
    expect(byName.get('http_server_request_duration_seconds')).toMatchObject({
      type: 'histogram',
      labels: ['http_request_method', 'http_route', 'http_response_status_code'],
      origin: 'packages/http/src/app.ts:35',
    });
    expect(byName.get('messaging_kafka_consumer_lag')).toMatchObject({ type: 'gauge', labels: ['group', 'topic', 'partition'] });
    expect(byName.get('circuit_breaker_state')).toMatchObject({ type: 'gauge', labels: ['breaker'] });
    expect(byName.get('db_client_connection_count')).toMatchObject({ type: 'gauge', labels: ['pool', 'state'] });
  });

  it('when two sources declare the same metric, then they agree on its type and labels', () => {
    expect(conflictingDeclarations(inventory.declared)).toEqual([]);
  });

  it('when two declarations of a name disagree, then both places are named', () => {
    expect(
      conflictingDeclarations([
        { name: 'm_total', type: 'counter', labels: ['a'], origin: 'x.ts:1' },
        { name: 'm_total', type: 'counter', labels: ['a'], origin: 'y.ts:2' },
        { name: 'm_total', type: 'counter', labels: ['b'], origin: 'z.ts:3' },
      ]),
    ).toEqual(['m_total is a counter [b] in z.ts:3 but a counter [a] in x.ts:1']);
  });

  it('when a source declares a metric in a way the scanner cannot read, then it is reported rather than skipped', () => {
    expect(inventory.unreadable).toEqual([]);
  });

  it('when declarations use the helpers, prom-client classes, consts and template literals, then each is read; a computed name is reported', () => {
    const fixture = path.join(__dirname, 'fixtures', 'declares-metrics.txt');
    const { metrics, unreadable } = scanDeclaredMetrics([fixture], path.dirname(fixture));
    expect(metrics.map((m) => [m.name, m.type, m.labels])).toEqual([
      ['booking_holds_placed_total', 'counter', []],
      ['booking_checkouts_total', 'counter', ['outcome']],
      ['booking_confirmation_duration_seconds', 'histogram', []],
      ['gateway_active_users', 'gauge', ['region']],
    ]);
    expect(unreadable).toEqual([
      { origin: 'declares-metrics.txt:13', reason: 'the metric name is not a string literal or a const of this file' },
    ]);
  });
});

describe('REQUIRED_METRICS.md', () => {
  it('when the list is read, then every row has a name, a type and its labels, and no name is listed twice', () => {
    expect(inventory.required.length).toBeGreaterThan(0);
    for (const m of inventory.required) {
      expect([m.name, /^[a-z_:][a-z0-9_:]*$/.test(m.name)]).toEqual([m.name, true]);
      expect([m.name, m.service !== '' && m.meaning !== '']).toEqual([m.name, true]);
      expect([m.name, m.labels.every((l) => /^[a-z_][a-z0-9_]*$/.test(l))]).toEqual([m.name, true]);
    }
    const names = inventory.required.map((m) => m.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('when a row has no metric name or an unknown type, then reading the list fails naming the line', () => {
    const table = (row: string) => `# x\n\n| metric | type | labels | service | meaning |\n|---|---|---|---|---|\n${row}\n`;
    expect(parseRequiredMetrics(table('| `a_total` | counter | `x`, `y` | svc | m |'))).toEqual([
      { name: 'a_total', type: 'counter', labels: ['x', 'y'], service: 'svc', meaning: 'm' },
    ]);
    expect(() => parseRequiredMetrics(table('| `a_total` | countr | | svc | m |'))).toThrow(
      'REQUIRED_METRICS.md line 5: type "countr" is not one of counter, gauge, histogram, summary',
    );
    expect(() => parseRequiredMetrics(table('| a_total | counter | | svc | m |'))).toThrow('line 5: the metric cell');
    expect(() => parseRequiredMetrics('no table')).toThrow('has no');
  });

  it('when a service declares a required metric, then it has the type and labels the list (and so the rules) expect', () => {
    expect(requiredMismatches(inventory.required, inventory.declared)).toEqual([]);
  });

  it('when a declaration has another type or lacks a needed label, then the mismatch names the file and the labels; extra labels are fine', () => {
    const required: RequiredMetric[] = [
      { name: 'payment_attempts_total', type: 'counter', labels: ['outcome'], service: 'payment', meaning: '' },
    ];
    const declared: DeclaredMetric[] = [
      { name: 'payment_attempts_total', type: 'gauge', labels: ['result'], origin: 'services/payment/src/x.ts:3' },
    ];
    expect(
      requiredMismatches(required, [
        { name: 'payment_attempts_total', type: 'counter', labels: ['outcome', 'provider'], origin: 'x.ts:1' },
      ]),
    ).toEqual([]);
    expect(requiredMismatches(required, declared)).toEqual([
      'payment_attempts_total is a gauge in services/payment/src/x.ts:3, but REQUIRED_METRICS.md needs a counter',
      'payment_attempts_total in services/payment/src/x.ts:3 has labels [result] but lacks [outcome], which REQUIRED_METRICS.md needs',
    ]);
  });

  it('when required metrics are not declared yet, then the warning lists each with its service and labels', () => {
    const report = missingMetricsReport([
      { name: 'cache_requests_total', type: 'counter', labels: ['cache', 'result'], service: 'booking', meaning: '' },
    ]);
    expect(report).toContain('1 metric(s) in infra/prometheus/REQUIRED_METRICS.md are not declared by any source yet');
    expect(report).toContain('booking         cache_requests_total (counter; cache, result)');
    expect(missingMetricsReport([])).toBe('');
  });
});

describe('Rule expressions', () => {
  it.each(inventory.rules.map((r) => [`${r.kind} ${r.name}`, r.expr]))(
    'when %s is parsed, then it is PromQL naming only exported, required or recorded metrics with their labels',
    (where, expr) => {
      expect(queryProblems(expr, where, inventory.catalogue)).toEqual([]);
    },
  );
});

describe('Performance report queries', () => {
  it.each(REPORT_QUERIES.map((q) => [q.title, q.expr]))(
    'when the report asks Prometheus for %s, then the query names only exported or required metrics with their labels',
    (title, expr) => {
      expect(queryProblems(expr, `perf-report ${title}`, inventory.catalogue)).toEqual([]);
    },
  );
});

describe('Query checking', () => {
  const catalogue = buildCatalogue({
    declared: [
      { name: 'http_server_request_duration_seconds', type: 'histogram', labels: ['http_route'], origin: 'app.ts:1' },
    ],
    builtin: [],
    required: [{ name: 'booking_checkouts_total', type: 'counter', labels: ['outcome'], service: 'booking', meaning: '' }],
    recorded: ['service:http_server_requests:rate5m'],
  });

  it('when a query uses histogram series, target labels, required and recorded metrics correctly, then nothing is reported', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="booking", http_route="/v1/holds", le!=""}[$__rate_interval])))' +
      ' / sum(rate(booking_checkouts_total{outcome="confirmed"}[5m])) + service:http_server_requests:rate5m{anything="x"}';
    expect(queryProblems(expr, 'q', catalogue)).toEqual([]);
  });

  it('when a query names an unknown metric, a label the metric lacks or is not PromQL, then each is reported', () => {
    expect(queryProblems('sum(rate(booking_seats_total[5m]))', 'q', catalogue)).toEqual([
      'q: metric booking_seats_total is not declared in packages/*/src or services/*/src, not listed in infra/prometheus/REQUIRED_METRICS.md and not recorded by a rule',
    ]);
    expect(queryProblems('booking_checkouts_total{status="ok"}', 'q', catalogue)).toEqual([
      'q: booking_checkouts_total has no label "status" (it has outcome, service, job, instance; declared in infra/prometheus/REQUIRED_METRICS.md)',
    ]);
    expect(queryProblems('sum(rate(booking_checkouts_total[5m])', 'q', catalogue)[0]).toMatch(/^q: syntax error/);
    expect(queryProblems('http_server_request_duration_seconds_total', 'q', catalogue)).toHaveLength(1);
    expect(queryProblems('{__name__=~"booking_.*"}', 'q', catalogue)).toEqual([
      'q: selector {__name__=~"booking_.*"} names no metric',
    ]);
  });

  it('when a selector is parsed, then its name and matchers come out unquoted', () => {
    expect(parsePromql('x{a="b\\"c", \'d\'!~`e.*`}').selectors).toEqual([
      {
        name: 'x',
        matchers: [
          { label: 'a', op: '=', value: 'b"c' },
          { label: 'd', op: '!~', value: 'e.*' },
        ],
        text: 'x{a="b\\"c", \'d\'!~`e.*`}',
      },
    ]);
  });
});
