import {
  collectorProblems,
  composeHostPorts,
  dashboardPaths,
  datasourceProblems,
  datasources,
  endpointProblems,
  endpointsIn,
  exporterEndpoints,
  findPromtool,
  loadCompose,
  parseYamlDocuments,
  platformServices,
  promtoolCheckConfig,
  readRepoYaml,
  repoFileExists,
  scrapeTargets,
} from '../src';

const compose = loadCompose();
const hostPorts = composeHostPorts(compose);
const [prometheusConfig] = readRepoYaml('infra/prometheus/prometheus.yml');
const [collector] = readRepoYaml('infra/otel/collector.yaml');
const [datasourceFile] = readRepoYaml('infra/grafana/provisioning/datasources/datasources.yml');
const [dashboardFile] = readRepoYaml('infra/grafana/provisioning/dashboards/dashboards.yml');

/** Where a compose service mounts a repository path, as container path → repository path. */
const mountsOf = (service: string): Record<string, string> =>
  Object.fromEntries(
    (compose.services[service]?.volumes ?? [])
      .filter((v) => v.bind)
      .map((v) => [v.target, v.source.replace(/^\.\//, '')]),
  );

describe('Prometheus', () => {
  const promtool = findPromtool();
  if (!promtool) {
    console.warn(
      'promtool not found on PATH: the `promtool check config` test is skipped. Install it with `apt-get install -y --no-install-recommends prometheus`.',
    );
  }
  const withPromtool = promtool ? it : it.skip;

  withPromtool(
    'when promtool checks infra/prometheus/prometheus.yml, then the configuration and its rule files are valid',
    () => {
      const result = promtoolCheckConfig(promtool ?? 'promtool', 'infra/prometheus/prometheus.yml');
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    },
  );

  withPromtool('when a configuration is invalid, then promtool rejects it', () => {
    const result = promtoolCheckConfig(
      promtool ?? 'promtool',
      'packages/deploy-checks/test/fixtures/prometheus-invalid.yml',
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED[\s\S]*not a valid duration string: "fifteen seconds"/);
  });

  it('when Prometheus scrapes the stack, then every service is a target on its port, labelled with its name', () => {
    const targets = scrapeTargets(prometheusConfig);
    for (const s of platformServices)
      expect(targets).toContainEqual(
        expect.objectContaining({ target: `${s.name}:${s.port}`, labels: { service: s.name } }),
      );
  });

  it('when Prometheus resolves its targets, then each is a compose host listening on that port', () => {
    const problems = scrapeTargets(prometheusConfig)
      .filter((t) => !t.target.startsWith('localhost:'))
      .flatMap((t) => endpointProblems(`job ${t.job}`, t.target, hostPorts));
    expect(problems).toEqual([]);
  });

  it('when alert rules are added, then Prometheus loads them from infra/prometheus/rules, which the container mounts', () => {
    expect((prometheusConfig as { rule_files: string[] }).rule_files).toEqual(['rules/*.yml']);
    expect(repoFileExists('infra/prometheus/rules')).toBe(true);
    expect(mountsOf('prometheus')['/etc/prometheus']).toBe('infra/prometheus');
  });
});

describe('OpenTelemetry Collector', () => {
  it('when the collector starts, then its traces pipeline uses only receivers, processors and exporters it defines', () => {
    expect(collectorProblems(collector)).toEqual([]);
  });

  it('when a pipeline names an undefined component or there is no traces pipeline, then each is reported', () => {
    const [broken] = parseYamlDocuments(
      'receivers: { otlp: {} }\nexporters: { otlp/jaeger: {} }\nservice:\n  extensions: [health_check]\n  pipelines:\n    metrics: { receivers: [otlp], exporters: [otlp] }\n',
    );
    expect(collectorProblems(broken)).toEqual([
      'service.pipelines has no traces pipeline',
      'pipeline metrics uses exporter "otlp", which is not defined under exporters',
      'service.extensions lists "health_check", which is not defined under extensions',
    ]);
  });

  it('when the collector exports traces, then it sends them to a compose host on a port it listens on', () => {
    const problems = Object.entries(exporterEndpoints(collector)).flatMap(([name, endpoint]) =>
      endpointProblems(
        `exporter ${name}`,
        endpoint.includes('://') ? endpoint : `otlp://${endpoint}`,
        hostPorts,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('when a service exports telemetry, then it reaches the OTLP/HTTP receiver of the mounted collector configuration', () => {
    expect(mountsOf('otel-collector')['/etc/otelcol-contrib/config.yaml']).toBe('infra/otel/collector.yaml');
    const receiver = (collector as { receivers: { otlp: { protocols: { http: { endpoint: string } } } } })
      .receivers.otlp.protocols.http.endpoint;
    const receiverPort = Number(receiver.split(':').at(-1));
    for (const s of platformServices) {
      const [endpoint] = endpointsIn(compose.services[s.name]?.environment.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
      expect([s.name, endpoint]).toEqual([s.name, { host: 'otel-collector', port: receiverPort }]);
    }
  });
});

describe('Grafana provisioning', () => {
  it('when Grafana starts, then its data sources are Prometheus (default) and Jaeger with fixed uids', () => {
    expect(datasourceProblems(datasourceFile)).toEqual([]);
    expect(datasources(datasourceFile).map((d) => [d.type, d.uid, d.isDefault])).toEqual([
      ['prometheus', 'prometheus', true],
      ['jaeger', 'jaeger', false],
    ]);
  });

  it('when a data source has no URL or two are default, then each is reported', () => {
    const [broken] = parseYamlDocuments(
      'apiVersion: 1\ndatasources:\n  - { name: a, type: prometheus, isDefault: true }\n  - { name: b, type: jaeger, url: "http://j", isDefault: true }\n',
    );
    expect(datasourceProblems(broken)).toEqual([
      'datasource "a" needs a name, type and url',
      'exactly one datasource must be the default',
    ]);
  });

  it('when Grafana queries its data sources, then each URL is a compose host on a port it listens on', () => {
    expect(
      datasources(datasourceFile).flatMap((d) => endpointProblems(`datasource ${d.name}`, d.url, hostPorts)),
    ).toEqual([]);
  });

  it('when dashboards are added to infra/grafana/dashboards, then the provider loads them from where the container mounts that folder', () => {
    const mounts = mountsOf('grafana');
    expect(mounts['/etc/grafana/provisioning']).toBe('infra/grafana/provisioning');
    expect(dashboardPaths(dashboardFile).map((p) => mounts[p])).toEqual(['infra/grafana/dashboards']);
  });
});
