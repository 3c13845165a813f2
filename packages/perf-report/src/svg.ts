import { formatValue, type Unit } from './units';

/** Text for SVG/HTML: the five characters markup gives meaning to, escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Round axis ticks (1, 2, 5 × 10ⁿ) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; ticks.length < 50; v += step) {
    ticks.push(Number(v.toPrecision(12)));
    if (v >= max) break;
  }
  return ticks;
}

export interface LineSeries {
  readonly name: string;
  /** [unix seconds, value]; NaN values leave a gap. */
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChartSpec {
  readonly title: string;
  readonly unit: Unit;
  readonly series: readonly LineSeries[];
  readonly width?: number;
  readonly height?: number;
}

const hhmm = (t: number) => new Date(t * 1000).toISOString().slice(11, 16);

/** A time-series line chart as a standalone `<svg>`: one polyline per series, axes, legend. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const legendRows = Math.ceil(spec.series.length / 3);
  const height = (spec.height ?? 260) + legendRows * 18;
  const m = { top: 30, right: 16, bottom: 34 + legendRows * 18, left: 72 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  const times = all.map(([t]) => t);
  const values = all.map(([, v]) => v);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const yTicks = niceTicks(Math.min(0, ...values), Math.max(...values));
  const y0 = yTicks[0] ?? 0;
  const y1 = yTicks[yTicks.length - 1] ?? 1;
  const x = (t: number) => m.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => m.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${m.left}" y="18" class="chart-title">${escapeXml(spec.title)}</text>`);
  for (const v of yTicks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${escapeXml(formatValue(v, spec.unit))}</text>`);
  }
  if (all.length > 0) {
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      parts.push(`<text x="${x(t).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle" class="tick">${hhmm(t)}</text>`);
    }
  } else {
    parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle" class="empty">no data in this window</text>`);
  }
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] ?? '#000';
    // A NaN (no sample, division by zero) breaks the line instead of drawing it through zero.
    const runs: string[][] = [[]];
    for (const [t, v] of s.points) {
      if (Number.isFinite(v)) runs[runs.length - 1]?.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      else if ((runs[runs.length - 1]?.length ?? 0) > 0) runs.push([]);
    }
    for (const run of runs.filter((r) => r.length > 0))
      parts.push(
        run.length === 1
          ? `<circle cx="${run[0]?.split(',')[0]}" cy="${run[0]?.split(',')[1]}" r="2" fill="${color}"/>`
          : `<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`,
      );
    const lx = m.left + (i % 3) * (plotW / 3);
    const ly = height - m.bottom + 34 + Math.floor(i / 3) * 18;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${ly}" class="legend">${escapeXml(s.name)}</text>`);
  });
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" class="axis"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" class="axis"/>`);
  return svg(width, height, spec.title, parts);
}

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface BarChartSpec {
  readonly title: string;
  readonly unit: Unit | 'multiple';
  readonly bars: readonly Bar[];
  /** A vertical reference line (e.g. 1× for ratios: ours equals the baseline). */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly width?: number;
}

/** A horizontal bar chart as a standalone `<svg>`, each bar labelled with its value. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const barH = 22;
  const gap = 8;
  const m = { top: 30, right: 90, bottom: spec.reference ? 24 : 8, left: 260 };
  const plotW = width - m.left - m.right;
  const height = m.top + spec.bars.length * (barH + gap) + m.bottom;
  const fmt = (v: number) => (spec.unit === 'multiple' ? `${Number(v.toPrecision(3))}×` : formatValue(v, spec.unit));
  const max = Math.max(...spec.bars.map((b) => b.value).filter(Number.isFinite), spec.reference?.value ?? 0) || 1;
  const w = (v: number) => (Math.max(0, v) / max) * plotW;
  const parts: string[] = [`<text x="8" y="18" class="chart-title">${escapeXml(spec.title)}</text>`];
  spec.bars.forEach((b, i) => {
    const top = m.top + i * (barH + gap);
    const color = PALETTE[i % PALETTE.length] ?? '#000';
    parts.push(`<text x="${m.left - 8}" y="${top + barH / 2 + 4}" text-anchor="end" class="label">${escapeXml(b.label)}</text>`);
    parts.push(`<rect x="${m.left}" y="${top}" width="${w(b.value).toFixed(1)}" height="${barH}" fill="${color}"><title>${escapeXml(`${b.label}: ${fmt(b.value)}`)}</title></rect>`);
    parts.push(`<text x="${(m.left + w(b.value) + 6).toFixed(1)}" y="${top + barH / 2 + 4}" class="value">${escapeXml(fmt(b.value))}</text>`);
  });
  if (spec.reference) {
    const rx = (m.left + w(spec.reference.value)).toFixed(1);
    parts.push(`<line x1="${rx}" x2="${rx}" y1="${m.top - 4}" y2="${height - m.bottom + 4}" class="reference"/>`);
    parts.push(`<text x="${rx}" y="${height - 6}" text-anchor="middle" class="tick">${escapeXml(spec.reference.label)}</text>`);
  }
  return svg(width, height, spec.title, parts);
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
