import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { formatDateTime } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { listOf, num, obj, str } from '../lib/json';
import { ErrorText, Loading, Notice, PageTitle, TableWrap } from '../ui';

export const CONSUMERS = [
  'booking',
  'payment',
  'notification',
  'fraud',
  'reconciliation',
  'gateway',
] as const;

/** Dead-letter topics per consumer group: what failed and why, and replaying them once fixed. */
export function DeadLetters() {
  const { api } = useApp();
  const [service, setService] = useState<string>('booking');
  const [done, setDone] = useState<string | undefined>();
  const letters = useLoad(
    async (signal) =>
      listOf(
        await api.get(`/v1/admin/dlq/${encodeURIComponent(service)}?limit=100`, { signal }),
        'deadLetters',
        'messages',
      ),
    [service],
  );
  const replay = useAction();
  return (
    <>
      <PageTitle>Dead letters</PageTitle>
      <div class="field inline">
        <label for="dlq-service">Consumer</label>
        <select
          id="dlq-service"
          value={service}
          onChange={(e) => {
            setService(e.currentTarget.value);
            setDone(undefined);
          }}
        >
          {CONSUMERS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={letters.reload}>
          Refresh
        </button>
      </div>
      {done && <Notice tone="success">{done}</Notice>}
      {letters.loading && !letters.data && <Loading what="dead letters" />}
      <ErrorText message={letters.error} />
      {letters.data && (
        <section aria-labelledby="dlq-title">
          <h2 id="dlq-title" data-testid="dlq-count">
            {letters.data.length === 0
              ? `No dead letters for ${service}`
              : `${letters.data.length} dead letter${letters.data.length === 1 ? '' : 's'} for ${service}`}
          </h2>
          {letters.data.length > 0 && (
            <>
              <TableWrap label="Dead letters">
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">From topic</th>
                      <th scope="col">Key</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Error</th>
                      <th scope="col">Failed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {letters.data.map((d, i) => (
                      <tr key={`${str(d, 'partition')}-${str(d, 'offset') ?? i}`} data-testid="dead-letter">
                        <td>
                          {str(d, 'eventType', 'type') ?? 'unparseable'}
                          <div class="muted small">
                            <code>{str(d, 'eventId') ?? `offset ${str(d, 'offset') ?? '?'}`}</code>
                          </div>
                        </td>
                        <td>{str(d, 'originalTopic', 'topic') ?? '—'}</td>
                        <td>
                          <code>{str(d, 'key') ?? '—'}</code>
                        </td>
                        <td>{num(d, 'attempt', 'attempts') ?? '—'}</td>
                        <td class="wrap">{str(d, 'error') ?? '—'}</td>
                        <td>{formatDateTime(str(d, 'failedAt'))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <ErrorText message={replay.error} />
              <button
                type="button"
                disabled={replay.busy}
                onClick={() =>
                  void replay.run(async () => {
                    const res = obj(await api.post(`/v1/admin/dlq/${encodeURIComponent(service)}/replay`));
                    const n = num(res, 'replayed') ?? 0;
                    setDone(
                      `${n} message${n === 1 ? ' was' : 's were'} sent back to ${service} for another try.`,
                    );
                    letters.reload();
                  })
                }
              >
                Replay all to {service}
              </button>
            </>
          )}
        </section>
      )}
    </>
  );
}
