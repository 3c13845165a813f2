import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { errorSentence } from '../lib/api';
import { formatDateTime, formatMoney } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { type Json, listOf, num, obj, str } from '../lib/json';
import { href } from '../lib/router';
import { ErrorText, Facts, Loading, Notice, PageTitle, TableWrap } from '../ui';

const runId = (r: Json) => str(r, 'runId', 'id') ?? '';

/** `2 new, 5 open` from a run's summary. */
function findingsSummary(r: Json): string {
  const s = obj(r.summary);
  const opened = num(s, 'opened');
  const open = num(s, 'openTotal', 'stillOpen');
  if (opened === undefined && open === undefined) return '—';
  return [opened !== undefined ? `${opened} new` : undefined, open !== undefined ? `${open} open` : undefined]
    .filter(Boolean)
    .join(', ');
}

function amountAtRisk(r: Json): string {
  const list = listOf(r.amountAtRisk);
  if (list.length === 0) return '—';
  return list.map((a) => formatMoney(num(a, 'amount') ?? 0, str(a, 'currency') ?? 'EUR')).join(', ');
}

/** Reconciliation runs: start one, see each run's findings and its HTML report. */
export function Reconciliation() {
  const { api } = useApp();
  const runs = useLoad(
    async (signal) => listOf(await api.get('/v1/admin/reconciliation/runs?limit=50', { signal }), 'runs'),
    [],
    5000,
  );
  const open = useLoad(
    async (signal) =>
      listOf(
        await api.get('/v1/admin/reconciliation/findings?status=open&limit=100', { signal }),
        'findings',
      ),
    [],
    10000,
  );
  const start = useAction();
  const [done, setDone] = useState<string | undefined>();
  return (
    <>
      <PageTitle>Reconciliation</PageTitle>
      <p class="muted">
        Matches bookings, payments and the provider's records, reports mismatches and resolves the ones it
        safely can.
      </p>
      {done && <Notice tone="success">{done}</Notice>}
      <ErrorText message={start.error} />
      <button
        type="button"
        disabled={start.busy}
        onClick={() =>
          void start.run(async () => {
            const run = obj(await api.post('/v1/admin/reconciliation/runs'));
            setDone(`Run ${runId(run)} started.`);
            runs.reload();
          })
        }
      >
        Start a run now
      </button>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        {runs.loading && !runs.data && <Loading what="runs" />}
        <ErrorText message={runs.error} />
        {runs.data?.length === 0 && <p>No runs yet.</p>}
        {runs.data && runs.data.length > 0 && (
          <TableWrap label="Reconciliation runs">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Findings</th>
                  <th scope="col">Amount at risk</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={runId(r)}>
                    <td>
                      <a href={href('ops', 'reconciliation', runId(r))}>{runId(r)}</a>
                    </td>
                    <td>{str(r, 'status') ?? '—'}</td>
                    <td>{formatDateTime(str(r, 'startedAt', 'createdAt'))}</td>
                    <td>{formatDateTime(str(r, 'finishedAt', 'completedAt')) || '—'}</td>
                    <td>{findingsSummary(r)}</td>
                    <td>{amountAtRisk(r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section aria-labelledby="open-findings-title">
        <h2 id="open-findings-title">Open findings</h2>
        <ErrorText message={open.error} />
        {open.data && <Findings findings={open.data} onResolved={open.reload} />}
      </section>
    </>
  );
}

function Findings({ findings, onResolved }: { findings: Json[]; onResolved: () => void }) {
  if (findings.length === 0) return <p>No findings.</p>;
  return (
    <ul class="plain">
      {findings.map((f) => (
        <FindingItem key={str(f, 'findingId', 'id')} finding={f} onResolved={onResolved} />
      ))}
    </ul>
  );
}

function FindingItem({ finding: f, onResolved }: { finding: Json; onResolved: () => void }) {
  const { api } = useApp();
  const id = str(f, 'findingId', 'id') ?? '';
  const [resolution, setResolution] = useState('');
  const action = useAction();
  const amount = num(f, 'amount', 'difference');
  const currency = str(f, 'currency');
  const bookingId = str(f, 'bookingId');
  const open = (str(f, 'status') ?? 'open') === 'open';
  return (
    <li class="card" data-testid="finding">
      <h3>{str(f, 'kind', 'type') ?? 'Finding'}</h3>
      <Facts
        items={[
          ['Booking', bookingId ? <a href={href('ops', 'bookings', bookingId)}>{bookingId}</a> : undefined],
          ['Amount', amount !== undefined && currency ? formatMoney(amount, currency) : undefined],
          ['Status', str(f, 'status')],
          ['Details', str(f, 'detail', 'description', 'message')],
          ['Resolution', str(f, 'resolution')],
          ['Found', formatDateTime(str(f, 'openedAt', 'createdAt'))],
        ]}
      />
      {open && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await api.post(`/v1/admin/reconciliation/findings/${encodeURIComponent(id)}/resolve`, {
                resolution: resolution.trim(),
              });
              onResolved();
            });
          }}
        >
          <label for={`resolution-${id}`}>Resolution</label>
          <input
            id={`resolution-${id}`}
            required
            value={resolution}
            onInput={(e) => setResolution(e.currentTarget.value)}
          />
          <button type="submit" class="button-small" disabled={action.busy || !resolution.trim()}>
            Resolve
          </button>
          <ErrorText message={action.error} />
        </form>
      )}
    </li>
  );
}

/** One run: its figures, the findings it opened, still saw open or resolved, and its HTML report. */
export function ReconciliationRun({ runId: id }: { runId: string }) {
  const { api } = useApp();
  const run = useLoad(
    async (signal) =>
      obj(await api.get(`/v1/admin/reconciliation/runs/${encodeURIComponent(id)}`, { signal })),
    [id],
    5000,
  );
  const r = obj(run.data?.run ?? run.data);
  const scanned = obj(r.scanned);
  const groups: [string, Json[]][] = [
    ['Opened by this run', listOf(r.opened)],
    ['Still open', listOf(r.stillOpen)],
    ['Resolved by this run', listOf(r.resolved)],
  ];
  return (
    <>
      <PageTitle>Reconciliation run {id}</PageTitle>
      <p>
        <a href={href('ops', 'reconciliation')}>All runs</a>
      </p>
      {!run.data && (run.loading ? <Loading what="the run" /> : <ErrorText message={run.error} />)}
      {run.data && (
        <section class="card">
          <Facts
            items={[
              ['Status', str(r, 'status')],
              ['Started', formatDateTime(str(r, 'startedAt', 'createdAt'))],
              ['Finished', formatDateTime(str(r, 'finishedAt', 'completedAt'))],
              [
                'Bookings checked',
                num(scanned, 'bookings') !== undefined ? String(num(scanned, 'bookings')) : undefined,
              ],
              [
                'Payments checked',
                num(scanned, 'payments') !== undefined ? String(num(scanned, 'payments')) : undefined,
              ],
              ['Findings', findingsSummary(r)],
              ['Amount at risk', amountAtRisk(r)],
              ['Error', str(r, 'error')],
            ]}
          />
        </section>
      )}
      <Report runId={id} reportPath={str(obj(r.links), 'html')} />
      {groups.map(([title, list]) => (
        <section key={title} aria-label={title}>
          <h2>{title}</h2>
          <Findings findings={list} onResolved={run.reload} />
        </section>
      ))}
    </>
  );
}

/**
 * The run's HTML report, fetched with the caller's token (a plain link could not carry it) and shown
 * in a sandboxed frame without scripts; it can also be saved as a file.
 */
function Report({ runId: id, reportPath }: { runId: string; reportPath: string | undefined }) {
  const { api } = useApp();
  const [html, setHtml] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const path = reportPath?.startsWith('/v1/')
    ? reportPath
    : `/v1/admin/reconciliation/runs/${encodeURIComponent(id)}/report.html`;
  const load = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setHtml(await api.text(path));
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  };
  const download = html ? URL.createObjectURL(new Blob([html], { type: 'text/html' })) : undefined;
  return (
    <section class="card" aria-labelledby="report-title">
      <h2 id="report-title">Report</h2>
      {!html && (
        <button type="button" class="secondary" disabled={busy} onClick={() => void load()}>
          Show the HTML report
        </button>
      )}
      <ErrorText message={error} />
      {html && (
        <>
          <p>
            <a href={download} download={`reconciliation-${id}.html`}>
              Save the report
            </a>
          </p>
          <iframe
            class="report-frame"
            title={`Reconciliation report for run ${id}`}
            sandbox=""
            srcdoc={html}
          />
        </>
      )}
    </section>
  );
}
