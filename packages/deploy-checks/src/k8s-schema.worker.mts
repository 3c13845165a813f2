// Validates Kubernetes objects against the JSON schemas shipped by kubernetes-models and
// @kubernetes-models/strimzi-kafka-operator. Those packages are ESM with import-only exports,
// which jest's CommonJS module system cannot load, so k8s.ts runs this file with Node itself
// (native ESM and type stripping). stdin: JSON array of { module, object }; stdout: JSON array of
// problems, one string per invalid object.

interface Request {
  /** The module whose export named after `object.kind` is the model class. */
  module: string;
  object: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
}
type ModelClass = new (data: unknown) => { validate(): void };

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function problemsOf({ module, object }: Request): Promise<string[]> {
  const label = `${String(object.apiVersion)} ${String(object.kind)} ${String(object.metadata?.name ?? '(no name)')}`;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(module)) as Record<string, unknown>;
  } catch {
    return [`${label}: no schema is known for apiVersion ${String(object.apiVersion)}`];
  }
  const model = typeof object.kind === 'string' ? exports[object.kind] : undefined;
  if (typeof model !== 'function')
    return [`${label}: ${String(object.apiVersion)} has no kind ${String(object.kind)}`];
  try {
    new (model as ModelClass)(object).validate();
    return [];
  } catch (e) {
    return [`${label}: ${e instanceof Error ? e.message : String(e)}`];
  }
}

const requests = JSON.parse(await readStdin()) as Request[];
process.stdout.write(JSON.stringify((await Promise.all(requests.map(problemsOf))).flat()));
