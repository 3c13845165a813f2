import { listRepoFiles, parseYamlDocuments, readRepoYaml, YamlFileError } from '../src';

const descriptors = [
  'docker-compose.yml',
  ...listRepoFiles('k8s', ['.yaml', '.yml']),
  ...listRepoFiles('infra', ['.yaml', '.yml']),
];

describe('deployment descriptors are well-formed YAML', () => {
  it('when the repository is scanned, then compose, k8s, Prometheus, OTel and Grafana descriptors are all found', () => {
    for (const expected of [
      'docker-compose.yml',
      'k8s/kustomization.yaml',
      'infra/prometheus/prometheus.yml',
      'infra/otel/collector.yaml',
    ])
      expect(descriptors).toContain(expected);
    expect(descriptors.some((f) => f.startsWith('infra/grafana/provisioning/'))).toBe(true);
  });

  it.each(descriptors)(
    'when %s is parsed, then it has no syntax error, duplicate key or unknown anchor',
    (file) => {
      expect(readRepoYaml(file).length).toBeGreaterThan(0);
    },
  );

  it('when a file repeats a key, then parsing fails naming the file and the key', () => {
    expect(() => parseYamlDocuments('a: 1\nb: 2\na: 3\n', 'broken.yaml')).toThrow(YamlFileError);
    expect(() => parseYamlDocuments('a: 1\nb: 2\na: 3\n', 'broken.yaml')).toThrow(/broken\.yaml[\s\S]*a/);
  });

  it('when a file is indented inconsistently, then parsing fails with the line', () => {
    expect(() => parseYamlDocuments('a:\n  b: 1\n c: 2\n', 'bad-indent.yaml')).toThrow(/line 3/);
  });

  it('when compose-style merge keys are used, then they are resolved like Docker Compose does', () => {
    const [doc] = parseYamlDocuments('x: &base\n  a: 1\ny:\n  <<: *base\n  b: 2\n');
    expect(doc).toEqual({ x: { a: 1 }, y: { a: 1, b: 2 } });
  });
});
