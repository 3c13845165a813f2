import type { PerformanceReport, ReportSection } from './report';
import { escapeXml } from './svg';

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2329; margin: 0; background: #f5f6f8; }
header, main { max-width: 1040px; margin: 0 auto; padding: 16px 24px; }
header { border-bottom: 1px solid #dde1e6; background: #fff; max-width: none; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.source { color: #5b6570; font-size: 12px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.figure { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 14px; min-width: 160px; }
.figure .label { color: #5b6570; font-size: 12px; } .figure .value { font-size: 24px; font-weight: 600; }
.figure .detail { color: #5b6570; font-size: 11px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 4px 16px 16px; margin: 16px 0; }
svg.chart { display: block; margin: 12px 0; max-width: 100%; height: auto; }
svg .chart-title { font-weight: 600; font-size: 13px; } svg .tick, svg .legend, svg .label, svg .value { font-size: 11px; fill: #3b444d; }
svg .grid { stroke: #e6e9ed; } svg .axis { stroke: #9aa3ad; } svg .reference { stroke: #d62728; stroke-dasharray: 4 3; }
svg .empty { fill: #9aa3ad; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12px; } caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #e6e9ed; padding: 4px 10px; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.problems { color: #a4161a; } .notes { color: #5b6570; }
`;

const isNumeric = (cell: string) => /^[-+]?[\d.,]+(e[-+]?\d+)?\s?(%|×|ms|s|min|k|M|G|\/s)?$/.test(cell.trim());

function figures(list: PerformanceReport['headline']): string {
  if (list.length === 0) return '';
  return `<div class="figures">${list
    .map(
      (f) =>
        `<div class="figure"><div class="label">${escapeXml(f.label)}</div><div class="value">${escapeXml(f.value)}</div>${
          f.detail ? `<div class="detail">${escapeXml(f.detail)}</div>` : ''
        }</div>`,
    )
    .join('')}</div>`;
}

function section(s: ReportSection): string {
  const tables = s.tables
    .filter((t) => t.rows.length > 0)
    .map(
      (t) =>
        `<table><caption>${escapeXml(t.caption)}</caption><thead><tr>${t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr></thead><tbody>${t.rows
          .map((r) => `<tr>${r.map((c) => `<td${isNumeric(c) ? ' class="num"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
    );
  const list = (cls: string, items: readonly string[]) =>
    items.length ? `<ul class="${cls}">${items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>` : '';
  return [
    '<section>',
    `<h2>${escapeXml(s.title)}</h2>`,
    s.description ? `<p class="source">${escapeXml(s.description)}</p>` : '',
    list('problems', s.problems),
    figures(s.figures),
    ...s.charts,
    ...tables,
    list('notes', s.notes),
    '</section>',
  ].join('\n');
}

/** The report as one HTML document with inline CSS and SVG: it opens offline and can be mailed or archived as is. */
export function renderReportHtml(report: Omit<PerformanceReport, 'html'>): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(report.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeXml(report.title)}</h1>`,
    `<div class="source">Generated ${escapeXml(report.generatedAt.toISOString())} from ${escapeXml(report.source)}</div>`,
    '</header>',
    '<main>',
    figures(report.headline),
    ...report.sections.map(section),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
