import { execFileSync } from 'node:child_process';
import path from 'node:path';
import ts from 'typescript';
import { endpointProblems } from './endpoints';
import { asArray, asRecord, asString, isRecord, listRepoFiles, readRepoYaml, repoFileExists } from './repo';

/** One Kubernetes object from a manifest file. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The whole object as written. */
  readonly body: Readonly<Record<string, unknown>>;
  /** Repository-relative file it came from. */
  readonly file: string;
}

export interface Kustomization {
  readonly namespace?: string;
  readonly resources: readonly string[];
  readonly images: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string }[];
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asRecord(value)).map(([k, v]) => [k, String(v)]));
}

export function toK8sObject(body: unknown, file: string): K8sObject {
  const r = asRecord(body);
  const metadata = asRecord(r.metadata);
  return {
    apiVersion: asString(r.apiVersion) ?? '',
    kind: asString(r.kind) ?? '',
    name: asString(metadata.name) ?? '',
    labels: stringMap(metadata.labels),
    body: r,
    file,
  };
}

export function loadK8sObjects(files: readonly string[]): K8sObject[] {
  return files.flatMap((file) => readRepoYaml(file).map((doc) => toK8sObject(doc, file)));
}

export function loadKustomization(dir = 'k8s'): Kustomization {
  const [raw] = readRepoYaml(path.posix.join(dir, 'kustomization.yaml'));
  const r = asRecord(raw);
  const namespace = asString(r.namespace);
  return {
    ...(namespace === undefined ? {} : { namespace }),
    resources: asArray(r.resources).map((p) => path.posix.join(dir, String(p))),
    images: asArray(r.images).map((i) => {
      const image = asRecord(i);
      const newName = asString(image.newName);
      const newTag =
        asString(image.newTag) ?? (image.newTag === undefined ? undefined : String(image.newTag));
      return {
        name: asString(image.name) ?? '',
        ...(newName === undefined ? {} : { newName }),
        ...(newTag === undefined ? {} : { newTag }),
      };
    }),
  };
}

/** Manifests meant to be copied and filled in, never applied as they are. */
export const isTemplateManifest = (file: string): boolean => file.endsWith('.example.yaml');

/** Every manifest in k8s/ is listed in kustomization.yaml (templates never are), and every listed file exists. */
export function kustomizationProblems(dir = 'k8s'): string[] {
  const listed = loadKustomization(dir).resources;
  const onDisk = listRepoFiles(dir, ['.yaml', '.yml']).filter(
    (f) => path.posix.basename(f) !== 'kustomization.yaml',
  );
  return [
    ...onDisk
      .filter((f) => !isTemplateManifest(f) && !listed.includes(f))
      .map((f) => `${f} is not listed in ${dir}/kustomization.yaml`),
    ...listed
      .filter((f) => isTemplateManifest(f))
      .map((f) => `${f} is a template with placeholder values but is listed in ${dir}/kustomization.yaml`),
    ...listed
      .filter((f) => !repoFileExists(f))
      .map((f) => `${dir}/kustomization.yaml lists ${f}, which does not exist`),
  ];
}

/** The npm module with the model (class `Kind`, interface `IKind`) of an apiVersion. */
export function modelModule(apiVersion: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  if (group.endsWith('.strimzi.io')) return `@kubernetes-models/strimzi-kafka-operator/${apiVersion}`;
  if (group === '' || group.endsWith('.k8s.io') || !group.includes('.'))
    return `kubernetes-models/${apiVersion}`;
  return undefined;
}

const describe = (o: K8sObject): string => `${o.file}: ${o.kind} ${o.name}`;

/**
 * Validation against the Kubernetes OpenAPI schemas (kubernetes-models) and Strimzi's CRD schemas
 * (@kubernetes-models/strimzi-kafka-operator): required fields, types, enums, formats.
 */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  const problems = objects
    .filter((o) => !modelModule(o.apiVersion))
    .map((o) => `${describe(o)}: no schema is known for ${o.apiVersion}`);
  const requests = objects
    .filter((o) => modelModule(o.apiVersion))
    .map((o) => ({ module: modelModule(o.apiVersion), object: o.body }));
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 6))
    throw new Error(
      `the schema check runs TypeScript with Node's type stripping (Node 22.6 or later); this is Node ${process.versions.node}`,
    );
  const flags = major > 23 || (major === 23 && minor >= 6) ? [] : ['--experimental-strip-types'];
  const output = execFileSync(
    process.execPath,
    [...flags, '--disable-warning=ExperimentalWarning', path.join(__dirname, 'k8s-schema.worker.mts')],
    {
      input: JSON.stringify(requests),
      encoding: 'utf8',
      cwd: __dirname,
    },
  );
  return [...problems, ...(JSON.parse(output) as string[])];
}

/**
 * Fields that the object's Kubernetes (or Strimzi) type does not declare, at any depth: the API
 * server drops them silently, so a misspelt `readinesProbe` would leave a pod without a probe.
 * Each object is checked as a TypeScript object literal of the model's interface, whose excess
 * property check reports unknown keys (and wrong types) with their names.
 */
export function unknownFieldProblems(objects: readonly K8sObject[]): string[] {
  const checked = objects.filter((o) => modelModule(o.apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(o.kind));
  const imports = checked.map(
    (o, i) => `import type { I${o.kind} as T${i} } from '${modelModule(o.apiVersion)}/${o.kind}';`,
  );
  const consts = checked.map((o, i) => `export const o${i}: T${i} = ${JSON.stringify(o.body)};`);
  const header = imports.length;
  const fileName = path.join(__dirname, '__unknown-fields__.mts');
  const text = [...imports, ...consts].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (f, language, ...rest) =>
    f === fileName ? ts.createSourceFile(f, text, language) : getSourceFile.call(host, f, language, ...rest);
  host.fileExists = (f) => f === fileName || fileExists.call(host, f);
  host.readFile = (f) => (f === fileName ? text : readFile.call(host, f));
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fileName)
    .map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      const owner = line >= header ? checked[line - header] : undefined;
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
      return `${owner ? describe(owner) : 'manifest'}: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
    });
}

// --- label selectors and what they select -------------------------------------------------------

/** Kubernetes label-selector semantics (matchLabels and matchExpressions); an empty selector selects everything. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = asRecord(selector);
  const matchLabels = stringMap(s.matchLabels);
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return asArray(s.matchExpressions).every((e) => {
    const expr = asRecord(e);
    const key = asString(expr.key) ?? '';
    const values = asArray(expr.values).map(String);
    const value = labels[key];
    switch (expr.operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

/** A pod that the manifests cause to exist: from a Deployment, or created by Strimzi for a Kafka cluster. */
export interface PodShape {
  readonly owner: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports. */
  readonly ports: Readonly<Record<string, number>>;
}

export function podTemplate(deployment: K8sObject): Record<string, unknown> {
  return asRecord(asRecord(asRecord(deployment.body.spec).template));
}

export function containersOf(deployment: K8sObject): Record<string, unknown>[] {
  return asArray(asRecord(podTemplate(deployment).spec).containers).map(asRecord);
}

/**
 * Pods the manifests produce. Strimzi's pods carry the labels Strimzi documents:
 * strimzi.io/cluster, strimzi.io/kind=Kafka and strimzi.io/name=<cluster>-kafka (brokers and
 * controllers), <cluster>-kafka-exporter and <cluster>-entity-operator.
 */
export function podsOf(objects: readonly K8sObject[]): PodShape[] {
  const pods: PodShape[] = [];
  for (const o of objects) {
    if (o.kind === 'Deployment') {
      const ports = Object.fromEntries(
        containersOf(o).flatMap((c) =>
          asArray(c.ports)
            .map(asRecord)
            .filter((p) => asString(p.name))
            .map((p) => [String(p.name), Number(p.containerPort)]),
        ),
      );
      pods.push({
        owner: `Deployment ${o.name}`,
        labels: stringMap(asRecord(podTemplate(o).metadata).labels),
        ports,
      });
    }
    if (o.kind === 'Kafka' && o.apiVersion.startsWith('kafka.strimzi.io/')) {
      const base = { 'strimzi.io/cluster': o.name, 'strimzi.io/kind': 'Kafka' };
      const spec = asRecord(o.body.spec);
      for (const pool of objects.filter(
        (p) => p.kind === 'KafkaNodePool' && p.labels['strimzi.io/cluster'] === o.name,
      )) {
        pods.push({
          owner: `KafkaNodePool ${pool.name}`,
          labels: { ...base, 'strimzi.io/name': `${o.name}-kafka`, 'strimzi.io/pool-name': pool.name },
          ports: {},
        });
      }
      if (isRecord(spec.kafkaExporter))
        pods.push({
          owner: `Kafka ${o.name} exporter`,
          labels: { ...base, 'strimzi.io/name': `${o.name}-kafka-exporter` },
          ports: {},
        });
      if (isRecord(spec.entityOperator))
        pods.push({
          owner: `Kafka ${o.name} entity operator`,
          labels: { ...base, 'strimzi.io/name': `${o.name}-entity-operator` },
          ports: {},
        });
    }
  }
  return pods;
}

/** Service name → ports, including the bootstrap Service Strimzi creates for each Kafka listener. */
export function servicePorts(objects: readonly K8sObject[]): Map<string, { name?: string; port: number }[]> {
  const services = new Map<string, { name?: string; port: number }[]>();
  for (const o of objects) {
    if (o.kind === 'Service') {
      services.set(
        o.name,
        asArray(asRecord(o.body.spec).ports).map((p) => {
          const name = asString(asRecord(p).name);
          return { ...(name === undefined ? {} : { name }), port: Number(asRecord(p).port) };
        }),
      );
    }
    if (o.kind === 'Kafka' && o.apiVersion.startsWith('kafka.strimzi.io/')) {
      const listeners = asArray(asRecord(asRecord(o.body.spec).kafka).listeners).map(asRecord);
      services.set(
        `${o.name}-kafka-bootstrap`,
        listeners.map((l) => ({ port: Number(l.port) })),
      );
    }
  }
  return services;
}

/**
 * Cross-references between objects: Services and PodDisruptionBudgets select a Deployment's pods,
 * Service target ports exist on them, HPAs scale an existing Deployment, NetworkPolicies select
 * pods that exist (and name ports those pods have), Ingress backends are existing Service ports,
 * Strimzi resources belong to an existing Kafka cluster.
 */
export function referenceProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const pods = podsOf(objects);
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const services = servicePorts(objects);
  const kafkas = new Set(objects.filter((o) => o.kind === 'Kafka').map((o) => o.name));
  const selected = (selector: unknown): PodShape[] => pods.filter((p) => selectorMatches(selector, p.labels));

  for (const o of objects) {
    const spec = asRecord(o.body.spec);
    switch (o.kind) {
      case 'Deployment': {
        const templateLabels = stringMap(asRecord(podTemplate(o).metadata).labels);
        if (!selectorMatches(spec.selector, templateLabels))
          problems.push(`${describe(o)}: its selector does not match its own pod template's labels`);
        break;
      }
      case 'Service': {
        const targets = selected({ matchLabels: spec.selector }).filter((p) =>
          p.owner.startsWith('Deployment'),
        );
        if (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0)
          problems.push(`${describe(o)}: has no selector`);
        else if (targets.length === 0)
          problems.push(`${describe(o)}: its selector matches no Deployment's pods`);
        for (const p of asArray(spec.ports).map(asRecord)) {
          const target = p.targetPort ?? p.port;
          for (const pod of targets) {
            const ok =
              typeof target === 'string'
                ? target in pod.ports
                : Object.values(pod.ports).includes(Number(target));
            if (!ok)
              problems.push(`${describe(o)}: targetPort ${String(target)} is not a port of ${pod.owner}`);
          }
        }
        break;
      }
      case 'HorizontalPodAutoscaler': {
        const ref = asRecord(spec.scaleTargetRef);
        const target = deployments.find((d) => ref.kind === 'Deployment' && d.name === ref.name);
        if (!target)
          problems.push(
            `${describe(o)}: scales ${String(ref.kind)} ${String(ref.name)}, which does not exist`,
          );
        else if (asRecord(target.body.spec).replicas !== undefined)
          problems.push(
            `${describe(target)}: sets spec.replicas although ${o.name} autoscales it (every apply would reset the replica count)`,
          );
        if (Number(spec.minReplicas ?? 1) > Number(spec.maxReplicas))
          problems.push(`${describe(o)}: minReplicas exceeds maxReplicas`);
        break;
      }
      case 'PodDisruptionBudget':
        if (!selected(spec.selector).some((p) => p.owner.startsWith('Deployment')))
          problems.push(`${describe(o)}: its selector matches no Deployment's pods`);
        break;
      case 'NetworkPolicy': {
        const targets = selected(spec.podSelector);
        if (targets.length === 0) problems.push(`${describe(o)}: its podSelector matches no pod`);
        for (const rule of asArray(spec.ingress).map(asRecord)) {
          for (const peer of asArray(rule.from).map(asRecord)) {
            // A podSelector without a namespaceSelector means pods of this namespace.
            if (
              isRecord(peer.podSelector) &&
              peer.namespaceSelector === undefined &&
              selected(peer.podSelector).length === 0
            )
              problems.push(`${describe(o)}: an ingress peer's podSelector matches no pod`);
          }
          for (const port of asArray(rule.ports).map(asRecord)) {
            if (typeof port.port === 'string') {
              for (const pod of targets.filter((p) => !(String(port.port) in p.ports)))
                problems.push(
                  `${describe(o)}: port "${String(port.port)}" is not a named port of ${pod.owner}`,
                );
            }
          }
        }
        break;
      }
      case 'Ingress': {
        for (const rule of asArray(spec.rules).map(asRecord)) {
          for (const p of asArray(asRecord(rule.http).paths).map(asRecord)) {
            const backend = asRecord(asRecord(p.backend).service);
            const port = asRecord(backend.port);
            const ports = services.get(String(backend.name));
            if (!ports)
              problems.push(`${describe(o)}: backend Service ${String(backend.name)} does not exist`);
            else if (
              !ports.some((sp) =>
                port.name !== undefined ? sp.name === port.name : sp.port === Number(port.number),
              )
            )
              problems.push(
                `${describe(o)}: Service ${String(backend.name)} has no port ${String(port.name ?? port.number)}`,
              );
          }
        }
        break;
      }
      case 'KafkaNodePool':
      case 'KafkaTopic':
        if (!kafkas.has(o.labels['strimzi.io/cluster'] ?? ''))
          problems.push(`${describe(o)}: label strimzi.io/cluster does not name a Kafka in the manifests`);
        break;
      default:
        break;
    }
  }
  return problems;
}

// --- workloads ------------------------------------------------------------------------------------

const probePath = (probe: unknown): string | undefined => asString(asRecord(asRecord(probe).httpGet).path);

/**
 * What an operator relies on for every Deployment: readiness on /health/ready and liveness on
 * /health/live against a declared port, CPU and memory requests and limits, a non-root container
 * with a read-only root filesystem and no privilege escalation, Prometheus scrape annotations on
 * a real port, an image whose tag the kustomization pins, and Secret/ConfigMap references that
 * resolve (Secrets against the template in secrets.example.yaml).
 */
export function workloadProblems(
  objects: readonly K8sObject[],
  secretTemplates: readonly K8sObject[],
  kustomization: Kustomization,
): string[] {
  const problems: string[] = [];
  const secrets = new Map(
    secretTemplates
      .filter((s) => s.kind === 'Secret')
      .map((s) => [
        s.name,
        new Set([...Object.keys(asRecord(s.body.stringData)), ...Object.keys(asRecord(s.body.data))]),
      ]),
  );
  const configMaps = new Map(
    objects
      .filter((o) => o.kind === 'ConfigMap')
      .map((c) => [c.name, new Set(Object.keys(asRecord(c.body.data)))]),
  );
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const podSpec = asRecord(podTemplate(d).spec);
    const podSecurity = asRecord(podSpec.securityContext);
    const annotations = stringMap(asRecord(podTemplate(d).metadata).annotations);
    const containerPorts = containersOf(d).flatMap((c) => asArray(c.ports).map(asRecord));
    if (annotations['prometheus.io/scrape'] !== 'true')
      problems.push(`${describe(d)}: pods are not annotated prometheus.io/scrape: "true"`);
    if (!containerPorts.some((p) => String(p.containerPort) === annotations['prometheus.io/port']))
      problems.push(
        `${describe(d)}: prometheus.io/port "${annotations['prometheus.io/port'] ?? ''}" is not a container port`,
      );
    for (const c of containersOf(d)) {
      const where = `${describe(d)} container ${String(c.name)}`;
      const named = new Set(asArray(c.ports).map((p) => asString(asRecord(p).name)));
      const numbers = new Set(asArray(c.ports).map((p) => Number(asRecord(p).containerPort)));
      for (const [probe, expected] of [
        ['readinessProbe', '/health/ready'],
        ['livenessProbe', '/health/live'],
      ] as const) {
        if (probePath(c[probe]) !== expected) problems.push(`${where}: ${probe} does not GET ${expected}`);
        const port = asRecord(asRecord(c[probe]).httpGet).port;
        if (port !== undefined && !(typeof port === 'string' ? named.has(port) : numbers.has(Number(port))))
          problems.push(`${where}: ${probe} uses port ${String(port)}, which the container does not declare`);
      }
      const resources = asRecord(c.resources);
      for (const kind of ['requests', 'limits'] as const)
        for (const r of ['cpu', 'memory'] as const)
          if (asRecord(resources[kind])[r] === undefined)
            problems.push(`${where}: no ${r} ${kind === 'requests' ? 'request' : 'limit'}`);
      const security = asRecord(c.securityContext);
      if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true)
        problems.push(`${where}: does not set runAsNonRoot: true`);
      if (security.readOnlyRootFilesystem !== true)
        problems.push(`${where}: root filesystem is not read-only`);
      if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: allows privilege escalation`);
      const image = asString(c.image) ?? '';
      if (!kustomization.images.some((i) => i.name === image && i.newTag))
        problems.push(`${where}: image ${image} has no pinned tag in the kustomization's images`);
      for (const e of asArray(c.env).map(asRecord)) {
        const from = asRecord(e.valueFrom);
        const secretRef = asRecord(from.secretKeyRef);
        const configRef = asRecord(from.configMapKeyRef);
        if (isRecord(from.secretKeyRef) && !secrets.get(String(secretRef.name))?.has(String(secretRef.key)))
          problems.push(
            `${where}: ${String(e.name)} reads key ${String(secretRef.key)} of Secret ${String(secretRef.name)}, which secrets.example.yaml does not define`,
          );
        if (
          isRecord(from.configMapKeyRef) &&
          !configMaps.get(String(configRef.name))?.has(String(configRef.key))
        )
          problems.push(
            `${where}: ${String(e.name)} reads key ${String(configRef.key)} of ConfigMap ${String(configRef.name)}, which does not exist`,
          );
      }
      for (const source of asArray(c.envFrom).map(asRecord)) {
        const cm = asString(asRecord(source.configMapRef).name);
        const secret = asString(asRecord(source.secretRef).name);
        if (cm !== undefined && !configMaps.has(cm))
          problems.push(`${where}: envFrom ConfigMap ${cm}, which does not exist`);
        if (secret !== undefined && !secrets.has(secret))
          problems.push(`${where}: envFrom Secret ${secret}, which secrets.example.yaml does not define`);
      }
    }
  }
  return problems;
}

/** The literal environment a Deployment's first container sees: its ConfigMaps (envFrom), then its own env values. */
export function literalEnvironment(
  deployment: K8sObject,
  objects: readonly K8sObject[],
): Record<string, string> {
  const [container] = containersOf(deployment);
  const env: Record<string, string> = {};
  for (const source of asArray(container?.envFrom).map(asRecord)) {
    const cm = objects.find(
      (o) => o.kind === 'ConfigMap' && o.name === asString(asRecord(source.configMapRef).name),
    );
    Object.assign(env, stringMap(cm?.body.data));
  }
  for (const e of asArray(container?.env).map(asRecord))
    if (e.value !== undefined) env[String(e.name)] = String(e.value);
  return env;
}

/**
 * Variables that point at another in-cluster process use a Service of these manifests (short
 * name, same namespace) and one of its ports. Fully qualified names (with dots) point outside
 * the manifests and are not checked.
 */
export function clusterEnvironmentProblems(objects: readonly K8sObject[]): string[] {
  const services = servicePorts(objects);
  const ports = (host: string): readonly number[] | undefined =>
    host.includes('.') ? [] : services.get(host)?.map((p) => p.port);
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap((d) =>
      Object.entries(literalEnvironment(d, objects)).flatMap(([key, value]) =>
        endpointProblems(`${describe(d)} ${key}`, value, ports),
      ),
    );
}

/** Topic name → partitions, from the KafkaTopic resources. */
export function kafkaTopics(objects: readonly K8sObject[]): Map<string, number> {
  return new Map(
    objects
      .filter((o) => o.kind === 'KafkaTopic')
      .map((o) => {
        const spec = asRecord(o.body.spec);
        return [asString(spec.topicName) ?? o.name, Number(spec.partitions)];
      }),
  );
}
