import { useApp } from '../app-context';
import type { ApiClient } from '../lib/api';
import { formatDateTime, formatMoney } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { listOf } from '../lib/json';
import { type MatchView, toMatch, withAvailability } from '../lib/models';
import { href } from '../lib/router';
import { ErrorText, Loading, PageTitle } from '../ui';
import { ResumeSession } from './resume-session';

/** Refresh period of the live availability on the match list. */
const LIVE_MS = 5000;

export function availabilityText(m: MatchView): string {
  if (m.status === 'CANCELLED') return 'Cancelled';
  if (m.onSale === false) return 'Not on sale';
  if (m.available === undefined) return 'Availability unknown';
  if (m.available === 0) return 'Sold out';
  return m.capacity !== undefined
    ? `${m.available} of ${m.capacity} places left`
    : `${m.available} places left`;
}

/** Fills in the counters a list did not carry from each match's (cached) availability. */
export function withLiveAvailability(
  api: ApiClient,
  list: MatchView[],
  signal: AbortSignal,
): Promise<MatchView[]> {
  return Promise.all(
    list.map(async (m) =>
      m.available === undefined
        ? withAvailability(
            m,
            await api
              .get(`/v1/matches/${encodeURIComponent(m.id)}/availability`, { signal })
              .catch(() => ({})),
          )
        : m,
    ),
  );
}

/** Upcoming matches with live availability. */
export function Matches() {
  const { api } = useApp();
  const matches = useLoad(
    async (signal) =>
      withLiveAvailability(
        api,
        listOf(await api.get('/v1/matches?limit=100', { signal }), 'matches').map(toMatch),
        signal,
      ),
    [],
    LIVE_MS,
  );

  return (
    <>
      <PageTitle>Upcoming matches</PageTitle>
      <ResumeSession />
      {matches.loading && !matches.data && <Loading what="matches" />}
      <ErrorText message={matches.error} />
      {matches.data && matches.data.length === 0 && <p>No matches are on sale right now.</p>}
      {matches.data && matches.data.length > 0 && (
        <ul class="match-list" aria-label="Matches">
          {matches.data.map((m) => (
            <li class="card match-card" key={m.id} data-testid={`match-${m.id}`}>
              <h2>
                <a href={href('matches', m.id)}>{m.title}</a>
              </h2>
              <p class="muted">
                {formatDateTime(m.kickoffAt)}
                {m.venue ? ` · ${m.venue}` : ''}
              </p>
              <p>
                {m.unitPrice !== undefined && (
                  <span>{formatMoney(m.unitPrice, m.currency)} per place · </span>
                )}
                <span class="availability" data-testid="availability">
                  {availabilityText(m)}
                </span>
                {m.hot && <span class="badge badge-hot">High demand</span>}
              </p>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small">Availability refreshes every few seconds.</p>
    </>
  );
}
