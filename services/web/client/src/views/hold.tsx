import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { errorSentence } from '../lib/api';
import { formatMoney, statusLabel } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { toBooking, toHold, toMatch } from '../lib/models';
import { href, navigate } from '../lib/router';
import { Countdown, ErrorText, Facts, Loading, Notice, PageTitle } from '../ui';
import { friendOf, payersBody, splitEvenly } from './split';

/** A held set of places: the countdown, paying alone or split with friends, or letting them go. */
export function HoldPage({ holdId }: { holdId: string }) {
  const { api, identity, announce } = useApp();
  const hold = useLoad(
    async (signal) => toHold(await api.get(`/v1/holds/${encodeURIComponent(holdId)}`, { signal })),
    [holdId],
    10000,
  );
  const h = hold.data;
  const match = useLoad(
    async (signal) =>
      h?.matchId
        ? toMatch(await api.get(`/v1/matches/${encodeURIComponent(h.matchId)}`, { signal }))
        : undefined,
    [h?.matchId],
  );
  const [split, setSplit] = useState(false);
  const [friends, setFriends] = useState<string[]>(['']);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [expired, setExpired] = useState(false);

  if (!h) {
    return (
      <>
        <PageTitle>Your hold</PageTitle>
        {hold.loading ? <Loading what="your hold" /> : <ErrorText message={hold.error} />}
      </>
    );
  }
  const m = match.data;
  const total = m?.unitPrice !== undefined ? m.unitPrice * h.quantity : undefined;
  const currency = m?.currency ?? 'EUR';
  const friendWho = friends.map(friendOf);
  const shares =
    total !== undefined && identity
      ? splitEvenly(total, identity.userId, split ? friendWho.filter((w) => w !== undefined) : [])
      : [];
  const active = h.status === 'ACTIVE' && !expired;

  const checkout = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (split) {
      const bad = friendWho.findIndex((w) => w === undefined);
      if (bad >= 0) {
        setError(`Friend ${bad + 1}: enter an email address or a user id.`);
        document.getElementById(`friend-${bad}`)?.focus();
        return;
      }
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { holdId };
      if (split && total !== undefined) body.payers = payersBody(shares);
      const booking = toBooking(
        await api.post('/v1/bookings', body, {
          idempotencyKey: `checkout-${holdId}-${split ? friends.join(',') : 'alone'}`,
        }),
      );
      announce('Booking created. Now pay for it.');
      navigate(href('bookings', booking.id));
    } catch (err) {
      setError(errorSentence(err));
      hold.reload();
    } finally {
      setBusy(false);
    }
  };

  const release = async () => {
    setError(undefined);
    setBusy(true);
    try {
      await api.del(`/v1/holds/${encodeURIComponent(holdId)}`);
      announce('Your places were released.');
      navigate(h.matchId ? href('matches', h.matchId) : '#/');
    } catch (err) {
      setError(errorSentence(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>Your hold</PageTitle>
      <section class="card" aria-labelledby="hold-summary">
        <h2 id="hold-summary">{m?.title ?? 'Match'}</h2>
        <Facts
          items={[
            ['Places', String(h.quantity)],
            ['Status', statusLabel(expired ? 'EXPIRED' : h.status)],
            ['Total', total !== undefined ? formatMoney(total, currency) : undefined],
          ]}
        />
        {active && (
          <Countdown until={h.expiresAt} label="Places held for" onExpired={() => setExpired(true)} />
        )}
        {!active && h.status !== 'CONVERTED' && (
          <Notice tone="warning">
            This hold is no longer active.{' '}
            {h.matchId && <a href={href('matches', h.matchId)}>Pick places again</a>}
          </Notice>
        )}
        {h.status === 'CONVERTED' && (
          <Notice>
            This hold was checked out.{' '}
            {h.bookingId ? (
              <a href={href('bookings', h.bookingId)}>See the booking</a>
            ) : (
              <a href={href('bookings')}>See your bookings</a>
            )}
          </Notice>
        )}
      </section>

      {active && (
        <form class="card" onSubmit={checkout} aria-labelledby="checkout-title">
          <h2 id="checkout-title">Check out</h2>
          <fieldset class="field">
            <legend>Who pays?</legend>
            <label class="check">
              <input
                type="radio"
                name="payers"
                value="alone"
                checked={!split}
                onChange={() => setSplit(false)}
              />{' '}
              I pay for everything
            </label>
            <label class="check">
              <input
                type="radio"
                name="payers"
                value="split"
                checked={split}
                onChange={() => setSplit(true)}
              />{' '}
              Split the cost with friends
            </label>
          </fieldset>
          {split && (
            <fieldset class="field">
              <legend>Friends paying a share</legend>
              <p class="hint" id="friends-hint">
                Each friend gets a link to pay their share. Enter an email address or a Matchday user id.
              </p>
              {friends.map((f, i) => (
                <div class="friend-row" key={i}>
                  <label for={`friend-${i}`}>Friend {i + 1}</label>
                  <input
                    id={`friend-${i}`}
                    value={f}
                    aria-describedby="friends-hint"
                    onInput={(e) => {
                      const v = e.currentTarget.value;
                      setFriends((fs) => fs.map((x, j) => (j === i ? v : x)));
                    }}
                  />
                  {friends.length > 1 && (
                    <button
                      type="button"
                      class="button-small secondary"
                      onClick={() => setFriends((fs) => fs.filter((_, j) => j !== i))}
                      aria-label={`Remove friend ${i + 1}`}
                    >
                      Remove
                    </button>
                  )}
                </div>
              ))}
              {friends.length < h.quantity - 1 + 5 && (
                <button type="button" class="secondary" onClick={() => setFriends((fs) => [...fs, ''])}>
                  Add a friend
                </button>
              )}
            </fieldset>
          )}
          {shares.length > 1 && (
            <table class="shares">
              <caption>Shares</caption>
              <thead>
                <tr>
                  <th scope="col">Payer</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody>
                {shares.map((s, i) => (
                  <tr key={i}>
                    <td>
                      {s.who.kind === 'me' ? 'You' : s.who.kind === 'email' ? s.who.email : s.who.userId}
                    </td>
                    <td>{formatMoney(s.amount, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ErrorText message={error} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Please wait…' : 'Continue to payment'}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => void release()}>
              Release these places
            </button>
          </div>
        </form>
      )}
      {!active && <ErrorText message={error} />}
    </>
  );
}
