import { asArray, asRecord, asString } from './repo';

const componentKinds = ['receivers', 'processors', 'exporters', 'connectors'] as const;

/**
 * An OpenTelemetry Collector configuration that the collector would start with: a traces
 * pipeline with at least one receiver and one exporter, every component a pipeline names defined
 * in its section (names match exactly, including `type/name` suffixes), every enabled extension
 * defined.
 */
export function collectorProblems(config: unknown): string[] {
  const root = asRecord(config);
  const service = asRecord(root.service);
  const pipelines = asRecord(service.pipelines);
  const problems: string[] = [];
  const defined = (section: string, name: string): boolean =>
    Object.prototype.hasOwnProperty.call(asRecord(root[section]), name) ||
    (section !== 'connectors' && Object.prototype.hasOwnProperty.call(asRecord(root.connectors), name));
  if (!Object.keys(pipelines).some((p) => p === 'traces' || p.startsWith('traces/')))
    problems.push('service.pipelines has no traces pipeline');
  for (const [pipelineName, pipeline] of Object.entries(pipelines)) {
    const p = asRecord(pipeline);
    for (const kind of ['receivers', 'exporters'] as const)
      if (asArray(p[kind]).length === 0) problems.push(`pipeline ${pipelineName} has no ${kind}`);
    for (const kind of componentKinds.slice(0, 3)) {
      for (const name of asArray(p[kind]).map(String)) {
        if (!defined(kind, name))
          problems.push(
            `pipeline ${pipelineName} uses ${kind.slice(0, -1)} "${name}", which is not defined under ${kind}`,
          );
      }
    }
  }
  for (const name of asArray(service.extensions).map(String)) {
    if (!Object.prototype.hasOwnProperty.call(asRecord(root.extensions), name))
      problems.push(`service.extensions lists "${name}", which is not defined under extensions`);
  }
  return problems;
}

/** Endpoints the collector's exporters send to, by exporter name. */
export function exporterEndpoints(config: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(asRecord(config).exporters))
      .map(([name, e]) => [name, asString(asRecord(e).endpoint)])
      .filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
