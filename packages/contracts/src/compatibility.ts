import { z } from 'zod';
import { eventSchemas, type EventType } from './registry';

type Json = { [k: string]: unknown };

/** JSON Schema of every event type, as committed in schema-snapshots/events.json. */
export function currentSnapshot(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const type of Object.keys(eventSchemas).sort() as EventType[]) {
    out[type] = z.toJSONSchema(eventSchemas[type], { io: 'input', unrepresentable: 'any' }) as Json;
  }
  return out;
}

const asObj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/**
 * Lists what makes `next` a non-additive change of `prev` (empty when compatible): a field
 * removed, a field's type changed, a new required field, a required field made optional,
 * an enum value removed, or a constraint changed.
 */
export function breakingChanges(prev: Json, next: Json, path = '$'): string[] {
  const problems: string[] = [];
  if (JSON.stringify(prev) === JSON.stringify(next)) return problems;
  if (prev.type !== next.type) return [`${path}: type ${String(prev.type)} became ${String(next.type)}`];
  if (prev.type === 'object') {
    const pp = asObj(prev.properties);
    const np = asObj(next.properties);
    for (const key of Object.keys(pp)) {
      if (!(key in np)) problems.push(`${path}.${key}: removed`);
      else problems.push(...breakingChanges(asObj(pp[key]), asObj(np[key]), `${path}.${key}`));
    }
    const preq = new Set(asStrings(prev.required));
    const nreq = new Set(asStrings(next.required));
    for (const key of nreq) if (!preq.has(key)) problems.push(`${path}.${key}: new required field`);
    for (const key of preq) if (!nreq.has(key) && key in np) problems.push(`${path}.${key}: no longer required`);
    return problems;
  }
  if (prev.type === 'array') return breakingChanges(asObj(prev.items), asObj(next.items), `${path}[]`);
  if (Array.isArray(prev.enum)) {
    const nextValues = new Set(asStrings(next.enum));
    for (const v of asStrings(prev.enum)) if (!nextValues.has(v)) problems.push(`${path}: enum value ${v} removed`);
    return problems;
  }
  const { description: _d1, ...pRest } = prev;
  const { description: _d2, ...nRest } = next;
  if (JSON.stringify(pRest) !== JSON.stringify(nRest)) problems.push(`${path}: constraints changed`);
  return problems;
}

/** Compares a committed snapshot with the current schemas; new event types are always fine. */
export function compareSnapshots(committed: Record<string, Json>, current: Record<string, Json>): string[] {
  const problems: string[] = [];
  for (const [type, schema] of Object.entries(committed)) {
    const now = current[type];
    if (!now) problems.push(`${type}: event type removed (publish a new version instead)`);
    else problems.push(...breakingChanges(schema, now).map((p) => `${type} ${p}`));
  }
  return problems;
}
