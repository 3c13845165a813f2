/**
 * Reading the API's JSON without trusting its shape: every view normalises what it receives
 * through these helpers, so a missing or renamed field shows as "unknown" instead of breaking the page.
 */
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const obj = (v: unknown): Json => (isObject(v) ? v : {});

/** The first of `keys` holding a string (numbers are turned into strings). */
export function str(o: Json, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** The first of `keys` holding a finite number (numeric strings count). */
export function num(o: Json, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

export function bool(o: Json, ...keys: string[]): boolean | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'boolean') return v;
  }
  return undefined;
}

/** The array a list endpoint answered: the body itself, or its `items`/`data`/named member. */
export function listOf(v: unknown, ...names: string[]): Json[] {
  const pick = (a: unknown): Json[] | undefined => (Array.isArray(a) ? a.filter(isObject) : undefined);
  const direct = pick(v);
  if (direct) return direct;
  const o = obj(v);
  for (const n of [...names, 'items', 'data', 'results']) {
    const found = pick(o[n]);
    if (found) return found;
  }
  return [];
}

export const strings = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map((x) =>
        typeof x === 'string'
          ? x
          : isObject(x)
            ? (str(x, 'message', 'reason', 'code', 'rule', 'name') ?? JSON.stringify(x))
            : String(x),
      )
    : [];
