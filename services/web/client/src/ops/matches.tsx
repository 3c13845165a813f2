import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { ApiError } from '../lib/api';
import { withLiveAvailability } from '../views/matches';
import { isAdmin } from '../lib/auth';
import { formatDateTime, formatMoney, minorPerMajor, toLocalInput } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { listOf } from '../lib/json';
import { type MatchView, toMatch } from '../lib/models';
import { ErrorText, Loading, Notice, PageTitle, TableWrap } from '../ui';

const CURRENCIES = ['EUR', 'GBP', 'USD', 'CHF', 'JPY'];

/** Create and reschedule matches, open or close their waiting room. */
export function OpsMatches() {
  const { api, identity } = useApp();
  const matches = useLoad(
    async (signal) => {
      let list: MatchView[];
      try {
        list = listOf(await api.get('/v1/admin/matches?limit=100', { signal }), 'matches').map(toMatch);
      } catch (err) {
        // Without the admin listing, the public one still shows every match on sale.
        if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
        list = listOf(await api.get('/v1/matches?limit=100', { signal }), 'matches').map(toMatch);
      }
      return withLiveAvailability(api, list, signal);
    },
    [],
    10000,
  );
  const [done, setDone] = useState<string | undefined>();
  const admin = isAdmin(identity);
  const changed = (sentence: string) => {
    setDone(sentence);
    matches.reload();
  };
  return (
    <>
      <PageTitle>Matches</PageTitle>
      {done && <Notice tone="success">{done}</Notice>}
      {admin && <CreateMatch onCreated={changed} />}
      <section aria-labelledby="match-table-title">
        <h2 id="match-table-title">All matches</h2>
        {matches.loading && !matches.data && <Loading what="matches" />}
        <ErrorText message={matches.error} />
        {matches.data && matches.data.length === 0 && <p>No matches yet.</p>}
        {matches.data && matches.data.length > 0 && (
          <TableWrap label="All matches">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Match</th>
                  <th scope="col">Kick-off</th>
                  <th scope="col">Price</th>
                  <th scope="col">Free / held / confirmed of capacity</th>
                  <th scope="col">Status</th>
                  {admin && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {matches.data.map((m) => (
                  <MatchRow key={m.id} match={m} admin={admin} onChanged={changed} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}

function MatchRow({
  match: m,
  admin,
  onChanged,
}: {
  match: MatchView;
  admin: boolean;
  onChanged: (s: string) => void;
}) {
  const { api } = useApp();
  const id = encodeURIComponent(m.id);
  const [open, setOpen] = useState<'none' | 'reschedule' | 'hot'>('none');
  const [kickoff, setKickoff] = useState(m.kickoffAt ? toLocalInput(new Date(m.kickoffAt)) : '');
  const [rate, setRate] = useState(5);
  const action = useAction();
  return (
    <tr data-testid={`ops-match-${m.id}`}>
      <th scope="row">
        {m.title}
        <div class="muted small">
          <code>{m.id}</code>
        </div>
      </th>
      <td>{formatDateTime(m.kickoffAt)}</td>
      <td>{m.unitPrice !== undefined ? formatMoney(m.unitPrice, m.currency) : '—'}</td>
      <td>
        {m.available ?? '?'} / {m.held ?? '?'} / {m.confirmed ?? '?'} of {m.capacity ?? '?'}
      </td>
      <td>
        {m.status ?? '—'}
        {m.hot && <span class="badge badge-hot">Waiting room</span>}
      </td>
      {admin && (
        <td class="row-actions">
          <button
            type="button"
            class="button-small secondary"
            aria-expanded={open === 'reschedule'}
            onClick={() => setOpen(open === 'reschedule' ? 'none' : 'reschedule')}
          >
            Reschedule<span class="visually-hidden"> {m.title}</span>
          </button>
          <button
            type="button"
            class="button-small secondary"
            aria-expanded={open === 'hot'}
            onClick={() => setOpen(open === 'hot' ? 'none' : 'hot')}
          >
            Waiting room<span class="visually-hidden"> for {m.title}</span>
          </button>
          {open === 'reschedule' && (
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void action.run(async () => {
                  await api.post(`/v1/admin/matches/${id}/reschedule`, {
                    kickoffAt: new Date(kickoff).toISOString(),
                  });
                  setOpen('none');
                  onChanged(`${m.title} now kicks off ${formatDateTime(new Date(kickoff).toISOString())}.`);
                });
              }}
            >
              <label for={`kickoff-${m.id}`}>New kick-off</label>
              <input
                id={`kickoff-${m.id}`}
                type="datetime-local"
                required
                value={kickoff}
                onInput={(e) => setKickoff(e.currentTarget.value)}
              />
              <button type="submit" class="button-small" disabled={action.busy}>
                Save
              </button>
            </form>
          )}
          {open === 'hot' && (
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void action.run(async () => {
                  await api.post(`/v1/admin/matches/${id}/hot`, { hot: true, admissionRatePerSecond: rate });
                  setOpen('none');
                  onChanged(`Waiting room opened for ${m.title} (${rate} fans let in per second).`);
                });
              }}
            >
              <label for={`rate-${m.id}`}>Fans let in per second</label>
              <input
                id={`rate-${m.id}`}
                type="number"
                min={0.1}
                step={0.1}
                required
                value={rate}
                onInput={(e) => setRate(Number(e.currentTarget.value))}
              />
              <button type="submit" class="button-small" disabled={action.busy}>
                Open waiting room
              </button>
              <button
                type="button"
                class="button-small secondary"
                disabled={action.busy}
                onClick={() =>
                  void action.run(async () => {
                    await api.post(`/v1/admin/matches/${id}/hot`, { hot: false });
                    setOpen('none');
                    onChanged(`Waiting room closed for ${m.title}.`);
                  })
                }
              >
                Close waiting room
              </button>
            </form>
          )}
          <ErrorText message={action.error} />
        </td>
      )}
    </tr>
  );
}

function CreateMatch({ onCreated }: { onCreated: (s: string) => void }) {
  const { api } = useApp();
  const inAWeek = new Date(Date.now() + 7 * 24 * 3600 * 1000);
  inAWeek.setMinutes(0, 0, 0);
  const [form, setForm] = useState({
    homeTeam: '',
    awayTeam: '',
    venue: '',
    kickoff: toLocalInput(inAWeek),
    capacity: 100,
    price: '25.00',
    currency: 'EUR',
  });
  const [invalid, setInvalid] = useState<string | undefined>();
  const action = useAction();
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });

  const submit = (e: Event) => {
    e.preventDefault();
    const price = Number(form.price);
    const capacity = Number(form.capacity);
    if (!form.homeTeam.trim() || !form.awayTeam.trim()) return setInvalid('Enter both teams.');
    if (!form.venue.trim()) return setInvalid('Enter the venue.');
    if (!Number.isInteger(capacity) || capacity < 1)
      return setInvalid('Capacity must be a whole number above 0.');
    if (!Number.isFinite(price) || price < 0) return setInvalid('Enter a price of 0 or more.');
    const kickoff = new Date(form.kickoff);
    if (Number.isNaN(kickoff.getTime()) || kickoff.getTime() <= Date.now())
      return setInvalid('Kick-off must be in the future.');
    setInvalid(undefined);
    const title = `${form.homeTeam.trim()} v ${form.awayTeam.trim()}`;
    void action.run(async () => {
      await api.post('/v1/admin/matches', {
        title,
        venue: form.venue.trim(),
        kickoffAt: kickoff.toISOString(),
        capacity,
        unitPrice: Math.round(price * minorPerMajor(form.currency)),
        currency: form.currency,
      });
      onCreated(`${title} was created.`);
      setForm({ ...form, homeTeam: '', awayTeam: '' });
    });
  };

  return (
    <details class="card">
      <summary>Create a match</summary>
      <form onSubmit={submit} noValidate class="grid-form">
        <div class="field">
          <label for="new-home">Home team</label>
          <input id="new-home" required value={form.homeTeam} onInput={set('homeTeam')} />
        </div>
        <div class="field">
          <label for="new-away">Away team</label>
          <input id="new-away" required value={form.awayTeam} onInput={set('awayTeam')} />
        </div>
        <div class="field">
          <label for="new-venue">Venue</label>
          <input id="new-venue" required value={form.venue} onInput={set('venue')} />
        </div>
        <div class="field">
          <label for="new-kickoff">Kick-off</label>
          <input
            id="new-kickoff"
            type="datetime-local"
            required
            value={form.kickoff}
            onInput={set('kickoff')}
          />
        </div>
        <div class="field">
          <label for="new-capacity">Capacity</label>
          <input
            id="new-capacity"
            type="number"
            min={1}
            required
            value={form.capacity}
            onInput={set('capacity')}
          />
        </div>
        <div class="field">
          <label for="new-price">Price per place</label>
          <input id="new-price" inputMode="decimal" required value={form.price} onInput={set('price')} />
        </div>
        <div class="field">
          <label for="new-currency">Currency</label>
          <select id="new-currency" value={form.currency} onChange={set('currency')}>
            {CURRENCIES.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <ErrorText message={invalid} />
        <ErrorText message={action.error} />
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            Create match
          </button>
        </div>
      </form>
    </details>
  );
}
