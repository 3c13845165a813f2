import {
  buildableServices,
  buildProblems,
  composeSchemaProblems,
  dependsOnProblems,
  devOnlyServices,
  environmentHostProblems,
  kafkaInitTopics,
  kafkaTopics,
  loadCompose,
  loadK8sObjects,
  loadKustomization,
  mainTopics,
  mountProblems,
  packageFolder,
  parseCompose,
  parseYamlDocuments,
  platformServices,
  publishedComposePorts,
  publishedPorts,
  readRepoFile,
  readRepoYaml,
  repoFileExists,
  repoPath,
  schemaOwners,
  sendgridKeyPairProblems,
  sharedSettingProblems,
} from '../src';

const compose = loadCompose();
const composeFrom = (text: string) => parseCompose(parseYamlDocuments(text)[0]);

describe('docker-compose.yml', () => {
  it('when validated against the Compose Specification schema, then no key is unknown or mistyped', () => {
    expect(composeSchemaProblems(compose.raw)).toEqual([]);
  });

  it('when a service key is misspelt, then the schema check names it', () => {
    const broken = parseYamlDocuments(
      'services:\n  a:\n    image: x\n    helthcheck:\n      test: [CMD, true]\n',
    )[0];
    expect(composeSchemaProblems(broken).join('\n')).toMatch(/helthcheck/);
  });

  it('when services wait for each other, then every target exists, has a healthcheck if waited on for health, and is a one-shot if waited on for completion', () => {
    expect(dependsOnProblems(compose)).toEqual([]);
  });

  it('when a service waits for a missing or unhealthy-checkable target, then the check names both', () => {
    const broken = composeFrom(
      [
        'services:',
        '  a:',
        '    depends_on:',
        '      ghost: { condition: service_started }',
        '      b: { condition: service_healthy }',
        '  b:',
        '    image: x',
      ].join('\n'),
    );
    expect(dependsOnProblems(broken)).toEqual([
      'a depends on "ghost", which is not a service',
      'a waits for b to be healthy, but b has no healthcheck',
    ]);
  });

  it('when an image is built from the Dockerfile, then SERVICE names a known package whose manifest matches', () => {
    expect(buildProblems(compose, packageFolder)).toEqual([]);
    const built = Object.values(compose.services).flatMap((s) =>
      s.build?.args.SERVICE ? [s.build.args.SERVICE] : [],
    );
    expect([...built].sort()).toEqual([...buildableServices].sort());
  });

  it('when SERVICE names an unknown package, then the build check reports it', () => {
    const broken = composeFrom(
      'services:\n  x:\n    build:\n      context: .\n      args:\n        SERVICE: bookng\n',
    );
    expect(buildProblems(broken, packageFolder)).toEqual([
      expect.stringMatching(/SERVICE=bookng, which is not one of/),
    ]);
  });

  it('when a bind mount is declared, then its source exists in the repository', () => {
    expect(mountProblems(compose)).toEqual([]);
    expect(
      mountProblems(composeFrom('services:\n  x:\n    volumes: ["./infra/nope.yml:/etc/nope.yml:ro"]\n')),
    ).toEqual(['x mounts ./infra/nope.yml, which is not a path in the repository']);
  });

  it('when a service points at another process, then it uses that compose hostname and the port it listens on', () => {
    expect(environmentHostProblems(compose)).toEqual([]);
  });

  it('when a service points at localhost, an unknown host or a wrong port, then each is reported', () => {
    const broken = composeFrom(
      [
        'services:',
        '  redis:',
        '    image: redis:7.4',
        '  app:',
        '    build: { context: ., args: { SERVICE: booking } }',
        '    environment:',
        '      A: redis://127.0.0.1:6379',
        '      B: postgres://u:p@pg:5432/db',
        '      C: redis://redis:6380',
      ].join('\n'),
    );
    expect(environmentHostProblems(broken)).toEqual([
      expect.stringMatching(/^app A: .*container itself/),
      expect.stringMatching(/^app B: .*host "pg", which is not a service/),
      expect.stringMatching(/^app C: .*port 6380, but redis listens on 6379/),
    ]);
  });

  it('when the sandbox and the services share provider secrets, then they carry the same values', () => {
    expect(sharedSettingProblems(compose)).toEqual([]);
    const broken = composeFrom(
      'services:\n  s:\n    environment: { SANDBOX_STRIPE_WEBHOOK_SECRET: a }\n  w:\n    environment: { STRIPE_WEBHOOK_SECRET: b }\n',
    );
    expect(sharedSettingProblems(broken)).toEqual([
      's SANDBOX_STRIPE_WEBHOOK_SECRET and w STRIPE_WEBHOOK_SECRET differ',
    ]);
  });

  it("when webhook-ingest verifies SendGrid events, then its public key is the sandbox's signing key's", () => {
    expect(sendgridKeyPairProblems(compose)).toEqual([]);
    const other = composeFrom(
      'services:\n  provider-sandbox:\n    environment:\n      SANDBOX_SENDGRID_PRIVATE_KEY: nonsense\n  webhook-ingest:\n    environment:\n      SENDGRID_WEBHOOK_PUBLIC_KEY: abc\n',
    );
    expect(sendgridKeyPairProblems(other)).toEqual([expect.stringMatching(/not a usable private key/)]);
  });

  it('when the stack is up, then only the gateway, webhook-ingest, web, Grafana and the Jaeger UI are published on the host', () => {
    expect(publishedPorts(compose)).toEqual(
      Object.fromEntries(Object.entries(publishedComposePorts).map(([s, p]) => [s, [p]])),
    );
  });

  it.each([...platformServices, ...devOnlyServices])(
    'when $name runs in compose, then it listens on $port, reports readiness and names itself in traces',
    (service) => {
      const s = compose.services[service.name];
      expect(s?.build?.args.SERVICE).toBe(service.name);
      expect(s?.environment.PORT).toBe(String(service.port));
      expect(s?.hasHealthcheck).toBe(true);
      if (!devOnlyServices.includes(service)) {
        expect(s?.environment.OTEL_SERVICE_NAME).toBe(service.name);
        expect(s?.environment.HOST).toBe('0.0.0.0');
      }
    },
  );

  it.each(platformServices.filter((s) => s.schema))(
    'when $name connects to Postgres, then it uses its own role and schema, which the init script creates',
    (service) => {
      const env = compose.services[service.name]?.environment ?? {};
      const url = new URL(env.DATABASE_URL ?? '');
      const database = compose.services.postgres?.environment.POSTGRES_DB;
      expect({ role: url.username, schema: env.DB_SCHEMA, database: url.pathname.slice(1) }).toEqual({
        role: service.schema,
        schema: service.schema,
        database,
      });
      expect(schemaOwners(readRepoFile('infra/postgres/init.sql')).get(service.schema ?? '')).toBe(
        service.schema,
      );
    },
  );

  it('when no service owns a schema, then the init script does not create one for it', () => {
    const owned = platformServices.flatMap((s) => (s.schema ? [s.schema] : [])).sort();
    expect([...schemaOwners(readRepoFile('infra/postgres/init.sql')).keys()].sort()).toEqual(owned);
  });

  it('when the contracts package declares the topics, then kafka-init creates each with its declared partition count', () => {
    const contracts = 'packages/contracts/src/topics.ts';
    if (!repoFileExists(contracts)) {
      console.warn(`${contracts} not found: topic partitions are compared with the k8s manifests only`);
      return;
    }
    const { topics } = jest.requireActual<{ topics: Record<string, { partitions: number }> }>(
      repoPath(contracts),
    );
    const declared = Object.fromEntries(Object.entries(topics).map(([name, t]) => [name, t.partitions]));
    expect(Object.fromEntries(kafkaInitTopics(compose))).toEqual(declared);
  });

  it('when kafka-init runs, then it creates every main topic with the partitions the cluster manifests give it', () => {
    const k8sTopics = kafkaTopics(loadK8sObjects(loadKustomization().resources));
    const created = kafkaInitTopics(compose);
    expect([...created.keys()].sort()).toEqual([...mainTopics].sort());
    expect(Object.fromEntries(created)).toEqual(Object.fromEntries(k8sTopics));
  });
});

describe('buildable packages', () => {
  // Packages that exist but cannot be built into an image yet: their owners add a `build`
  // script that emits dist/main.js. The test fails once one has it, so the list cannot go stale.
  const awaitingBuildScript = ['provider-sandbox'];

  it.each([...buildableServices])(
    'when %s exists in the workspace, then it has the build script the image runs',
    (service) => {
      const manifest = `${packageFolder(service)}/package.json`;
      if (!repoFileExists(manifest)) return; // not written yet; its SERVICE value is still checked above
      const scripts = (readRepoYaml(manifest)[0] as { scripts?: Record<string, string> }).scripts ?? {};
      expect(scripts.build !== undefined).toBe(!awaitingBuildScript.includes(service));
    },
  );
});
