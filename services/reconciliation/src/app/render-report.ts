import escapeHtml from 'escape-html';
import type { Finding } from '../db/findings.repository';
import type { Run } from '../db/runs.repository';
import type { RunReport } from './run-reconciliation.use-case';

const e = (v: unknown): string => escapeHtml(String(v ?? ''));

function findingRows(findings: Finding[]): string {
  if (findings.length === 0) return '<p class="none">None.</p>';
  const rows = findings
    .map(
      (f) => `<tr><td>${e(f.kind)}</td><td>${e(f.bookingId ?? '—')}</td><td>${e(f.intentId ?? '—')}</td>` +
        `<td class="num">${e(f.amount)} ${e(f.currency)}</td><td>${e(f.detail)}</td>` +
        `<td>${e(f.autoAction ? `${f.autoAction.type} requested` : 'needs a person')}</td><td><code>${e(f.id)}</code></td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>kind</th><th>booking</th><th>intent</th><th>amount</th><th>detail</th><th>action</th><th>finding</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}.num{text-align:right}
.none{color:#777}.failed{color:#b00}.ok{color:#070}code{font-size:12px}`;

/** A self-contained HTML summary of a run for people (the JSON report is the machine-readable one). */
export function renderReportHtml(run: Run, report: RunReport | undefined): string {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reconciliation run ${e(run.id)}</title><style>${STYLE}</style></head><body>`;
  const title = `<h1>Reconciliation run</h1><p><code>${e(run.id)}</code> · ${e(run.trigger)} by ${e(run.requestedBy)} · started ${e(run.startedAt.toISOString())}</p>`;
  if (!report) {
    const status = run.status === 'failed' ? `<p class="failed">Failed: ${e(run.error)}</p>` : `<p>Status: ${e(run.status)}</p>`;
    return `${head}${title}${status}</body></html>`;
  }
  const kinds = Object.entries(report.byKind)
    .filter(([, c]) => c.opened + c.stillOpen + c.resolved > 0)
    .map(([kind, c]) => `<tr><td>${e(kind)}</td><td class="num">${c.opened}</td><td class="num">${c.stillOpen}</td><td class="num">${c.resolved}</td></tr>`)
    .join('');
  const atRisk = report.amountAtRisk.length
    ? report.amountAtRisk.map((a) => `${e(a.amount)} ${e(a.currency)}`).join(', ')
    : '0';
  const s = report.summary;
  return `${head}${title}
<p class="${s.opened === 0 ? 'ok' : 'failed'}">${s.opened} new, ${s.stillOpen} still open, ${s.resolved} resolved in this run · ${s.openTotal} open in all · amount at risk: ${atRisk}</p>
<p>Window ${e(report.window.from)} → ${e(report.window.to)} · scanned ${report.scanned.bookings} bookings, ${report.scanned.payments} payments,
${report.scanned.providerIntents} provider intents, ${report.scanned.balanceTransactions} balance transactions (${report.scanned.providerPages} pages) ·
${report.scanned.notJudgedYet} still settling · ${report.durationMs} ms</p>
<h2>By kind</h2>${kinds ? `<table><thead><tr><th>kind</th><th>new</th><th>still open</th><th>resolved</th></tr></thead><tbody>${kinds}</tbody></table>` : '<p class="none">Nothing found.</p>'}
<h2>New findings</h2>${findingRows(report.opened)}
<h2>Still open</h2>${findingRows(report.stillOpen)}
<h2>Resolved in this run</h2>${findingRows(report.resolved)}
<h2>Requested actions</h2>${
    report.actions.length
      ? `<ul>${report.actions.map((a) => `<li>${e(a.type)} ${e(a.intentId ?? a.bookingId)} ${a.amount !== undefined ? `${e(a.amount)} ${e(a.currency)}` : ''} (finding <code>${e(a.findingId)}</code>)</li>`).join('')}</ul>`
      : '<p class="none">None.</p>'
  }
</body></html>`;
}
