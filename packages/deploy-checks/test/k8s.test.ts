import {
  clusterEnvironmentProblems,
  kafkaTopics,
  type K8sObject,
  kustomizationProblems,
  listRepoFiles,
  loadK8sObjects,
  loadKustomization,
  mainTopics,
  parseYamlDocuments,
  platformServices,
  referenceProblems,
  schemaProblems,
  selectorMatches,
  toK8sObject,
  unknownFieldProblems,
  workloadProblems,
} from '../src';

const kustomization = loadKustomization();
const objects = loadK8sObjects(kustomization.resources);
const templates = loadK8sObjects(listRepoFiles('k8s', ['.example.yaml']));
const find = (kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.name === name);
const manifest = (text: string): K8sObject[] =>
  parseYamlDocuments(text).map((d) => toK8sObject(d, 'test.yaml'));
const spec = (o: K8sObject | undefined): Record<string, unknown> =>
  (o?.body.spec ?? {}) as Record<string, unknown>;

const deployment = (name: string, extra = ''): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  selector:',
    '    matchLabels:',
    `      app.kubernetes.io/name: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app.kubernetes.io/name: ${name}`,
    '    spec:',
    '      containers:',
    `        - name: ${name}`,
    `          image: matchday/${name}`,
    '          ports:',
    '            - name: http',
    '              containerPort: 8081',
    extra,
  ].join('\n');

describe('k8s/kustomization.yaml', () => {
  it('when the manifests are applied with -k, then every manifest in k8s/ is included and no placeholder Secret is', () => {
    expect(kustomizationProblems()).toEqual([]);
    expect([...new Set(templates.map((t) => t.file))]).toEqual(['k8s/secrets.example.yaml']);
  });

  it('when the kustomization sets the namespace, then the Namespace object it creates has that name', () => {
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.name)).toEqual([
      kustomization.namespace,
    ]);
  });
});

describe('k8s objects against their schemas', () => {
  it('when every object (Kubernetes and Strimzi) is validated against its schema, then none is invalid', () => {
    expect(schemaProblems([...objects, ...templates])).toEqual([]);
  });

  it('when an object misses a required field or has a wrong type, then the schema check reports it', () => {
    const broken = manifest(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec: { template: {} }\n---\napiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: { name: t }\nspec: { partitions: many }\n',
    );
    expect(schemaProblems(broken)).toEqual([
      expect.stringMatching(/Deployment x: .*selector/),
      expect.stringMatching(/KafkaTopic t: .*partitions must be integer/),
    ]);
  });

  it('when an object has a field its type does not declare, at any depth, then it is reported (the API server would drop it silently)', () => {
    expect(unknownFieldProblems([...objects, ...templates])).toEqual([]);
    const typo = manifest(
      deployment('x', '          readinesProbe: { httpGet: { path: /health/ready, port: http } }'),
    );
    expect(unknownFieldProblems(typo)).toEqual([
      expect.stringMatching(/Deployment x: .*'"?readinesProbe"?' does not exist/),
    ]);
  });
});

describe('k8s cross-references', () => {
  it('when Services, autoscalers, disruption budgets, network policies and ingresses are resolved, then each refers to something that exists', () => {
    expect(referenceProblems(objects)).toEqual([]);
  });

  it('when a Service selects no pods, an HPA scales a missing Deployment or a NetworkPolicy selects nothing, then each is reported', () => {
    const broken = manifest(
      [
        deployment('booking'),
        '---',
        'apiVersion: v1\nkind: Service\nmetadata: { name: booking }\nspec: { selector: { app.kubernetes.io/name: bookin }, ports: [{ port: 8081, targetPort: http }] }',
        '---',
        'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: pay }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: payment }, maxReplicas: 3 }',
        '---',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: np }\nspec: { podSelector: { matchLabels: { app.kubernetes.io/name: fraud } } }',
      ].join('\n'),
    );
    expect(referenceProblems(broken)).toEqual([
      "test.yaml: Service booking: its selector matches no Deployment's pods",
      'test.yaml: HorizontalPodAutoscaler pay: scales Deployment payment, which does not exist',
      'test.yaml: NetworkPolicy np: its podSelector matches no pod',
    ]);
  });

  it('when label selectors use expressions, then they follow Kubernetes semantics', () => {
    const labels = { app: 'booking', tier: 'backend' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'app', operator: 'In', values: ['booking', 'payment'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['booking'] }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(
      true,
    );
    expect(
      selectorMatches(
        { matchLabels: { app: 'booking' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
        labels,
      ),
    ).toBe(true);
  });

  it('when a Deployment is autoscaled, then it does not pin spec.replicas (an apply would undo the autoscaler)', () => {
    const pinned = manifest(
      `${deployment('x').replace('spec:\n  selector', 'spec:\n  replicas: 3\n  selector')}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: x }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }, maxReplicas: 3 }`,
    );
    expect(referenceProblems(pinned)).toEqual([
      expect.stringMatching(/sets spec\.replicas although x autoscales it/),
    ]);
  });
});

describe('k8s workloads', () => {
  it('when a service runs in the cluster, then it has probes, resources, a locked-down container, scrape annotations, a pinned image and resolvable config', () => {
    expect(workloadProblems(objects, templates, kustomization)).toEqual([]);
  });

  it('when a container lacks probes, limits and a security context, then each gap is reported', () => {
    const bare = manifest(deployment('x'));
    const problems = workloadProblems(bare, [], { resources: [], images: [] }).join('\n');
    for (const gap of [
      'prometheus.io/scrape',
      'readinessProbe does not GET /health/ready',
      'livenessProbe does not GET /health/live',
      'no memory limit',
      'runAsNonRoot',
      'read-only',
      'privilege escalation',
      'no pinned tag',
    ])
      expect(problems).toContain(gap);
  });

  it('when a service points at another in-cluster process, then it uses a Service of the manifests and one of its ports', () => {
    expect(clusterEnvironmentProblems(objects)).toEqual([]);
  });

  it.each(platformServices)(
    'when $name is deployed, then it has a Deployment on port $port, a Service, an autoscaler and a disruption budget',
    (service) => {
      const d = find('Deployment', service.name);
      const container = ((
        spec(d).template as { spec: { containers: { ports: { containerPort: number }[] }[] } }
      ).spec.containers ?? [])[0];
      expect(container?.ports.map((p) => p.containerPort)).toEqual([service.port]);
      expect(spec(find('Service', service.name)).ports).toEqual([
        expect.objectContaining({ port: service.port }),
      ]);
      expect(find('HorizontalPodAutoscaler', service.name)).toBeDefined();
      expect(find('PodDisruptionBudget', service.name)).toBeDefined();
    },
  );

  it('when the autoscalers react, then every Kafka consumer service also scales on its consumer group lag', () => {
    const lagScaled = objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .filter((o) => JSON.stringify(spec(o).metrics).includes('kafka_consumergroup_lag'))
      .map((o) => o.name)
      .sort();
    expect(lagScaled).toEqual(['booking', 'fraud', 'notification', 'payment', 'reconciliation']);
  });
});

describe('k8s exposure and network policies', () => {
  const ingressBackends = objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((o) => JSON.stringify(spec(o)).match(/"service":\{"name":"[^"]+"/g) ?? [])
    .map((m) => m.replace(/.*"name":"/, '').replace(/"$/, ''))
    .sort();

  it('when the cluster is reached from outside, then exactly the gateway, webhook-ingest and web have an Ingress', () => {
    expect(ingressBackends).toEqual(
      platformServices
        .filter((s) => s.public)
        .map((s) => s.name)
        .sort(),
    );
  });

  it('when no policy allows it, then ingress to every pod of the namespace is denied', () => {
    const denyAll = objects.find(
      (o) => o.kind === 'NetworkPolicy' && JSON.stringify(spec(o).podSelector) === '{}',
    );
    expect(spec(denyAll).policyTypes).toEqual(['Ingress']);
    expect(spec(denyAll).ingress).toBeUndefined();
  });

  it('when the ingress controller forwards a request, then only the three public services accept it', () => {
    const fromController = objects.filter(
      (o) => o.kind === 'NetworkPolicy' && JSON.stringify(spec(o).ingress ?? []).includes('ingress-nginx'),
    );
    const reachable = platformServices.filter((s) =>
      fromController.some((p) => selectorMatches(spec(p).podSelector, { 'app.kubernetes.io/name': s.name })),
    );
    expect(reachable.map((s) => s.name)).toEqual(platformServices.filter((s) => s.public).map((s) => s.name));
  });

  it('when the gateway calls an internal service, then a policy allows it, and Prometheus may scrape every service', () => {
    const allows = (peer: string, target: string): boolean =>
      objects
        .filter((o) => o.kind === 'NetworkPolicy')
        .filter((p) =>
          selectorMatches(spec(p).podSelector, {
            'app.kubernetes.io/name': target,
            'app.kubernetes.io/part-of': 'matchday',
          }),
        )
        .some((p) => JSON.stringify(spec(p).ingress ?? []).includes(peer));
    for (const s of platformServices.filter((x) => !x.public))
      expect([s.name, allows('"app.kubernetes.io/name":"gateway"', s.name)]).toEqual([s.name, true]);
    for (const s of platformServices)
      expect([s.name, allows('"app.kubernetes.io/name":"prometheus"', s.name)]).toEqual([s.name, true]);
  });
});

describe('k8s Kafka (Strimzi)', () => {
  const brokers = objects.filter(
    (o) => o.kind === 'KafkaNodePool' && (spec(o).roles as string[]).includes('broker'),
  );
  const brokerCount = brokers.reduce((n, p) => n + Number(spec(p).replicas), 0);

  it('when the cluster runs in KRaft mode, then node pools provide both controllers and brokers', () => {
    const roles = objects.filter((o) => o.kind === 'KafkaNodePool').flatMap((o) => spec(o).roles as string[]);
    expect(new Set(roles)).toEqual(new Set(['controller', 'broker']));
    expect(brokerCount).toBeGreaterThanOrEqual(3);
  });

  it('when topics are declared, then every main topic exists and can lose one broker without refusing writes', () => {
    expect([...kafkaTopics(objects).keys()].sort()).toEqual([...mainTopics].sort());
    for (const topic of objects.filter((o) => o.kind === 'KafkaTopic')) {
      const replicas = Number(spec(topic).replicas);
      const minIsr = Number((spec(topic).config as Record<string, unknown>)['min.insync.replicas']);
      expect({ topic: topic.name, fits: replicas <= brokerCount, tolerates: replicas - minIsr >= 1 }).toEqual(
        { topic: topic.name, fits: true, tolerates: true },
      );
      expect(Number((spec(topic).config as Record<string, unknown>)['retention.ms'])).toBeGreaterThan(0);
    }
  });
});

describe('k8s/secrets.example.yaml', () => {
  it('when the Secret template is read, then every value is a change-me placeholder, not a credential', () => {
    const values = templates.flatMap((t) =>
      Object.values((t.body.stringData ?? {}) as Record<string, string>),
    );
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => !v.includes('change-me'))).toEqual([]);
    expect(templates.every((t) => t.body.data === undefined)).toBe(true);
  });
});
