import { useApp } from '../app-context';
import { useLoad } from '../lib/hooks';
import { type Json, listOf, num, obj, str } from '../lib/json';
import { ApiError, errorSentence } from '../lib/api';
import { ErrorText, Loading, PageTitle, TableWrap } from '../ui';

const SERVICES = [
  'gateway',
  'booking',
  'payment',
  'notification',
  'fraud',
  'reconciliation',
  'webhook-ingest',
] as const;
const PROVIDERS = ['stripe', 'twilio', 'sendgrid', 'fcm', 'vonage', 'smtp', 'webpush'];

const STATE_TEXT: Record<string, string> = {
  closed: 'Closed (healthy)',
  open: 'Open (calls refused)',
  halfOpen: 'Half-open (testing)',
  half_open: 'Half-open (testing)',
};

interface ServiceBreakers {
  service: string;
  breakers: Json[];
  error?: string;
}

/** Circuit-breaker states of every service, and the providers' health read from their breakers. */
export function Health() {
  const { api } = useApp();
  const all = useLoad(
    async (signal) =>
      Promise.all(
        SERVICES.map(async (service): Promise<ServiceBreakers> => {
          try {
            return {
              service,
              breakers: listOf(await api.get(`/v1/admin/breakers/${service}`, { signal }), 'breakers'),
            };
          } catch (err) {
            // A service without outbound calls has no breaker report.
            if (err instanceof ApiError && err.status === 404) return { service, breakers: [] };
            return { service, breakers: [], error: errorSentence(err) };
          }
        }),
      ),
    [],
    10000,
  );
  const providers = (all.data ?? []).flatMap((s) =>
    s.breakers
      .filter((b) => PROVIDERS.some((p) => (str(b, 'name') ?? '').toLowerCase().includes(p)))
      .map((b) => ({ service: s.service, b })),
  );
  return (
    <>
      <PageTitle>Breakers and providers</PageTitle>
      {all.loading && !all.data && <Loading what="breaker states" />}
      <ErrorText message={all.error} />
      {all.data && (
        <>
          <section aria-labelledby="providers-title">
            <h2 id="providers-title">Providers</h2>
            {providers.length === 0 ? (
              <p>No provider calls recorded yet.</p>
            ) : (
              <BreakerTable rows={providers} withService label="Provider breakers" />
            )}
          </section>
          {all.data.map((s) => (
            <section key={s.service} aria-labelledby={`breakers-${s.service}`}>
              <h2 id={`breakers-${s.service}`}>{s.service}</h2>
              {s.error ? (
                <p class="error">{s.error}</p>
              ) : s.breakers.length === 0 ? (
                <p>No circuit breakers.</p>
              ) : (
                <BreakerTable
                  rows={s.breakers.map((b) => ({ service: s.service, b }))}
                  label={`Circuit breakers of ${s.service}`}
                />
              )}
            </section>
          ))}
        </>
      )}
    </>
  );
}

function BreakerTable({
  rows,
  withService,
  label,
}: {
  rows: { service: string; b: Json }[];
  withService?: boolean;
  label: string;
}) {
  return (
    <TableWrap label={label}>
      <table class="data">
        <thead>
          <tr>
            {withService && <th scope="col">Service</th>}
            <th scope="col">Breaker</th>
            <th scope="col">State</th>
            <th scope="col">Calls</th>
            <th scope="col">Failures</th>
            <th scope="col">Timeouts</th>
            <th scope="col">Refused</th>
            <th scope="col">Mean latency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ service, b }) => {
            const state = str(b, 'state') ?? 'unknown';
            const stats = obj(b.stats);
            const latency = num(stats, 'latencyMeanMs');
            return (
              <tr key={`${service}-${str(b, 'name')}`} data-testid="breaker">
                {withService && <td>{service}</td>}
                <th scope="row">{str(b, 'name') ?? '—'}</th>
                <td>
                  <span class={`badge badge-breaker-${state.toLowerCase()}`}>
                    {STATE_TEXT[state] ?? state}
                  </span>
                </td>
                <td>{num(stats, 'fires') ?? '—'}</td>
                <td>{num(stats, 'failures') ?? '—'}</td>
                <td>{num(stats, 'timeouts') ?? '—'}</td>
                <td>{num(stats, 'rejects') ?? '—'}</td>
                <td>{latency !== undefined ? `${Math.round(latency)} ms` : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
