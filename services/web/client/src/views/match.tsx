import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { ApiError, errorSentence } from '../lib/api';
import { formatDateTime, formatMoney } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { bool, num, obj } from '../lib/json';
import { toHold, toMatch, withAvailability } from '../lib/models';
import { href, navigate } from '../lib/router';
import { ErrorText, Facts, Loading, Notice, PageTitle } from '../ui';
import { availabilityText } from './matches';
import { WaitingRoom } from './waiting-room';

const MAX_PER_HOLD = 20;

/** One match: live availability, how many places, the hold (through the waiting room when hot). */
export function MatchPage({ matchId }: { matchId: string }) {
  const { api, identity, announce } = useApp();
  const id = encodeURIComponent(matchId);
  const match = useLoad(
    async (signal) => {
      const [m, a] = await Promise.all([
        api.get(`/v1/matches/${id}`, { signal }),
        api.get(`/v1/matches/${id}/availability`, { signal }).catch(() => ({})),
      ]);
      return withAvailability(toMatch(m), a);
    },
    [matchId],
    3000,
  );
  const room = useLoad(
    async (signal) => {
      if (!identity) return undefined;
      const r = obj(await api.get(`/v1/waiting-room/${id}`, { signal }).catch(() => ({})));
      return { hot: bool(r, 'hot') ?? false, waiting: num(r, 'waiting') };
    },
    [matchId, identity?.userId],
    5000,
  );
  const [quantity, setQuantity] = useState(2);
  const [mode, setMode] = useState<'choose' | 'queue' | 'holding'>('choose');
  const [error, setError] = useState<string | undefined>();
  const [existingHold, setExistingHold] = useState<string | undefined>();
  const [waitlisted, setWaitlisted] = useState(false);

  const m = match.data;
  const max = Math.max(1, Math.min(MAX_PER_HOLD, m?.available ?? MAX_PER_HOLD));

  const placeHold = async (admissionToken?: string) => {
    setMode('holding');
    setError(undefined);
    setExistingHold(undefined);
    try {
      const hold = toHold(
        await api.post(
          '/v1/holds',
          { matchId, quantity },
          admissionToken ? { headers: { 'X-Admission-Token': admissionToken } } : {},
        ),
      );
      announce(`${quantity} places held.`);
      navigate(href('holds', hold.id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 428) {
        setMode('queue');
        return;
      }
      if (err instanceof ApiError) {
        const holdId = obj(err.problem).holdId;
        if (typeof holdId === 'string') setExistingHold(holdId);
      }
      setError(errorSentence(err));
      setMode('choose');
    }
  };

  const joinWaitlist = async () => {
    setError(undefined);
    try {
      await api.post('/v1/waitlist', { matchId, quantity });
      setWaitlisted(true);
    } catch (err) {
      setError(errorSentence(err));
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > max) {
      setError(`Choose between 1 and ${max} places.`);
      return;
    }
    if (room.data?.hot) setMode('queue');
    else void placeHold();
  };

  if (!m) {
    return (
      <>
        <PageTitle>Match</PageTitle>
        {match.loading ? <Loading what="the match" /> : <ErrorText message={match.error} />}
      </>
    );
  }
  const soldOut = m.available === 0;
  const onSale = m.onSale !== false && m.status !== 'CANCELLED';
  return (
    <>
      <PageTitle>{m.title}</PageTitle>
      <p>
        <a href="#/">All matches</a>
      </p>
      <section class="card">
        <Facts
          items={[
            ['Kick-off', formatDateTime(m.kickoffAt)],
            ['Venue', m.venue],
            ['Price per place', m.unitPrice !== undefined ? formatMoney(m.unitPrice, m.currency) : undefined],
            ['Availability', <span data-testid="availability">{availabilityText(m)}</span>],
          ]}
        />
        {room.data?.hot && (
          <Notice tone="warning">
            High demand: a waiting room is open for this match
            {room.data.waiting !== undefined
              ? ` (${room.data.waiting} fan${room.data.waiting === 1 ? '' : 's'} waiting)`
              : ''}
            .
          </Notice>
        )}
        <ErrorText message={match.error} />
      </section>

      {!identity && onSale && (
        <p>
          <a class="button" href={`#/signin?next=${encodeURIComponent(`/matches/${matchId}`)}`}>
            Sign in to book
          </a>
        </p>
      )}

      {identity && onSale && !soldOut && mode === 'choose' && (
        <form class="card" onSubmit={submit} aria-labelledby="choose-title">
          <h2 id="choose-title">Choose your places</h2>
          <div class="field">
            <label for="quantity">Number of places</label>
            <input
              id="quantity"
              name="quantity"
              type="number"
              inputMode="numeric"
              min={1}
              max={max}
              required
              value={quantity}
              aria-describedby="quantity-hint"
              onInput={(e) => setQuantity(Number(e.currentTarget.value))}
            />
            <p id="quantity-hint" class="hint">
              Up to {max}. Places are held for you for a few minutes while you check out.
            </p>
          </div>
          {m.unitPrice !== undefined && Number.isInteger(quantity) && quantity > 0 && (
            <p>
              Total: <strong>{formatMoney(m.unitPrice * quantity, m.currency)}</strong>
            </p>
          )}
          <ErrorText message={error} />
          {existingHold && (
            <p>
              <a href={href('holds', existingHold)}>Go to your current hold</a>
            </p>
          )}
          <button type="submit">{room.data?.hot ? 'Join the queue' : 'Hold places'}</button>
        </form>
      )}

      {identity && mode === 'queue' && (
        <WaitingRoom matchId={matchId} onAdmitted={(token) => void placeHold(token)} />
      )}
      {identity && mode === 'holding' && <p role="status">Holding your places…</p>}

      {identity && onSale && soldOut && (
        <section class="card" aria-labelledby="soldout-title">
          <h2 id="soldout-title">Sold out</h2>
          {waitlisted ? (
            <Notice tone="success">
              You are on the waiting list. We will tell you when places come back.
            </Notice>
          ) : (
            <>
              <p>Places come back when holds expire or bookings are cancelled.</p>
              <button type="button" onClick={() => void joinWaitlist()}>
                Join the waiting list
              </button>
            </>
          )}
          <ErrorText message={error} />
        </section>
      )}
    </>
  );
}
