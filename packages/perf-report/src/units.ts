/** How a figure is measured, which decides how it is printed and how chart axes are labelled. */
export type Unit = 'ratio' | 'seconds' | 'milliseconds' | 'count' | 'per_second';

const trim = (n: number, digits: number) => Number(n.toPrecision(digits)).toString();

/** A value for a reader: 0.973 → "97.3%", 0.0042 s → "4.2 ms", 20450 → "20.5k", NaN → "n/a". */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ratio':
      return `${trim(value * 100, 3)}%`;
    case 'milliseconds':
      return value >= 1000 ? `${trim(value / 1000, 3)} s` : `${trim(value, 3)} ms`;
    case 'seconds':
      if (value === 0) return '0 s';
      if (Math.abs(value) < 1) return `${trim(value * 1000, 3)} ms`;
      if (value >= 120) return `${trim(value / 60, 3)} min`;
      return `${trim(value, 3)} s`;
    case 'per_second':
      return `${compact(value)}/s`;
    case 'count':
      return compact(value);
  }
}

function compact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9, 3)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6, 3)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3, 3)}k`;
  return trim(value, abs >= 1000 ? 4 : 3);
}

/** The unit a benchmark column header suggests: "p99 ms" → milliseconds, "events/s" → per_second. */
export function unitOfColumn(header: string): Unit {
  const h = header.toLowerCase();
  if (/\bms\b|_ms$|\(ms\)/.test(h)) return 'milliseconds';
  if (/\/s\b|per s|ops|rps|throughput/.test(h)) return 'per_second';
  if (/\bseconds?\b|\(s\)|_s$|\bs$/.test(h)) return 'seconds';
  if (/ratio|%|rate$/.test(h)) return 'ratio';
  return 'count';
}

/** The unit a `name_ratio=` line is in: ratios are plain multiples ("0.17×"). */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${trim(value, 4)}×` : 'n/a';
}
