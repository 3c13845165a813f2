import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { qs } from '../lib/api';
import { formatDateTime, formatMoney, reasonLabel, statusLabel } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { listOf, num, obj, str } from '../lib/json';
import {
  type BookingView,
  type MatchView,
  type PaymentView,
  paymentPayable,
  toBooking,
  toMatch,
  toPayment,
  toTransfer,
} from '../lib/models';
import { href, shareUrl } from '../lib/router';
import { CopyLink, Countdown, ErrorText, Facts, Loading, Notice, PageTitle, StatusBadge } from '../ui';
import { CardForm } from './card-form';

const payerName = (p: PaymentView) => p.email ?? p.userId ?? p.payerId ?? 'a friend';

const isMine = (p: PaymentView, me: string, all: PaymentView[]) =>
  p.userId === me || (all.length === 1 && !p.email && (p.userId === undefined || p.userId === me));

/** One booking: its status as the saga moves it, paying the shares, and changing or cancelling it. */
export function BookingPage({ bookingId }: { bookingId: string }) {
  const { api, identity } = useApp();
  const id = encodeURIComponent(bookingId);
  const [pendingMs, setPendingMs] = useState(2000);
  const [done, setDone] = useState<string | undefined>();
  const booking = useLoad(
    async (signal) => {
      const b = toBooking(await api.get(`/v1/bookings/${id}`, { signal }));
      setPendingMs(b.status === 'PENDING_PAYMENT' || b.raw.pendingModificationId ? 2000 : 15000);
      return b;
    },
    [bookingId],
    pendingMs,
  );
  const b = booking.data;
  const payments = useLoad(
    async (signal) =>
      listOf(await api.get(`/v1/payments${qs({ bookingId })}`, { signal }), 'payments').map(toPayment),
    [bookingId],
    b?.status === 'PENDING_PAYMENT' ? 2000 : 15000,
  );
  const match = useLoad(
    async (signal) =>
      b?.matchId
        ? toMatch(await api.get(`/v1/matches/${encodeURIComponent(b.matchId)}`, { signal }))
        : undefined,
    [b?.matchId],
  );

  if (!b) {
    return (
      <>
        <PageTitle>Booking</PageTitle>
        {booking.loading ? <Loading what="the booking" /> : <ErrorText message={booking.error} />}
      </>
    );
  }
  const me = identity?.userId ?? '';
  // A share re-quoted into a new payment shows only as the new one.
  const all = (payments.data ?? []).filter((p) => !p.raw.replacedBy);
  const mine = all.filter((p) => isMine(p, me, all));
  const friends = all.filter((p) => !isMine(p, me, all));
  const refresh = () => {
    booking.reload();
    payments.reload();
  };

  return (
    <>
      <PageTitle>
        {b.status === 'CONFIRMED'
          ? 'Booking confirmed'
          : b.status === 'PENDING_PAYMENT'
            ? 'Pay for your booking'
            : `Booking ${statusLabel(b.status).toLowerCase()}`}
      </PageTitle>
      {done && (
        <Notice tone="success">
          <span data-testid="booking-change">{done}</span>
        </Notice>
      )}
      {b.status === 'CONFIRMED' && !done && (
        <Notice tone="success">
          <span data-testid="booking-confirmed">Your places are confirmed. Enjoy the match!</span>
        </Notice>
      )}
      <section class="card" aria-labelledby="booking-summary">
        <h2 id="booking-summary">{match.data?.title ?? 'Your booking'}</h2>
        <Facts
          items={[
            [
              'Status',
              <StatusBadge status={b.status}>
                <span data-testid="booking-status">{statusLabel(b.status)}</span>
              </StatusBadge>,
            ],
            ['Kick-off', formatDateTime(match.data?.kickoffAt)],
            [
              'Places',
              b.quantity !== undefined ? <span data-testid="booking-places">{b.quantity}</span> : undefined,
            ],
            ['Total', formatMoney(b.amount ?? 0, b.currency)],
            ['Refunded', b.refunded ? formatMoney(b.refunded, b.currency) : undefined],
            ['Booking reference', <code>{b.id}</code>],
            // Why a booking ended (cancelled, expired, …); a confirmed or pending one needs no reason.
            [
              'Reason',
              b.status === 'CONFIRMED' || b.status === 'PENDING_PAYMENT'
                ? undefined
                : reasonLabel(b.statusReason),
            ],
          ]}
        />
        {b.status === 'PENDING_PAYMENT' && (
          <Countdown until={b.paymentDeadline} label="Time left to pay" onExpired={refresh} />
        )}
        <ErrorText message={booking.error} />
      </section>

      {b.status === 'PENDING_PAYMENT' && (
        <section class="card" aria-labelledby="pay-title">
          <h2 id="pay-title">Payment</h2>
          {payments.loading && all.length === 0 && <Loading what="payment details" />}
          {!payments.loading && all.length === 0 && <p role="status">Preparing your payment…</p>}
          {mine.map((p) => (
            <div key={p.id} class="payment-share">
              <h3>Your share: {formatMoney(p.amount ?? 0, p.currency)}</h3>
              {paymentPayable(p.status) ? (
                <CardForm paymentId={p.id} amount={p.amount} currency={p.currency} onPaid={refresh} />
              ) : (
                <p>
                  <StatusBadge status={p.status}>
                    <span data-testid="my-share-status">{paymentStatusText(p.status)}</span>
                  </StatusBadge>
                </p>
              )}
            </div>
          ))}
          {friends.length > 0 && (
            <>
              <h3>Friends' shares</h3>
              <ul class="plain">
                {friends.map((p) => (
                  <li key={p.id}>
                    {payerName(p)}: {formatMoney(p.amount ?? 0, p.currency)} — {paymentStatusText(p.status)}{' '}
                    {paymentPayable(p.status) && (
                      <CopyLink
                        url={shareUrl(href('pay', p.id))}
                        label={`payment link for ${payerName(p)}`}
                      />
                    )}
                  </li>
                ))}
              </ul>
              <p class="hint">
                Send each friend their link. The booking is confirmed once every share is paid.
              </p>
            </>
          )}
          <ErrorText message={payments.error} />
        </section>
      )}

      {b.status === 'CONFIRMED' && (
        <ManageBooking
          booking={b}
          match={match.data}
          onChanged={(sentence) => {
            setDone(sentence);
            refresh();
          }}
        />
      )}
      <p>
        <a href={href('bookings')}>All my bookings</a>
      </p>
    </>
  );
}

export function paymentStatusText(status: string): string {
  const s = status.toLowerCase();
  if (s === 'authorized' || s === 'requires_capture') return 'Paid (being processed)';
  if (s === 'captured' || s === 'succeeded') return 'Paid';
  if (s === 'refunded') return 'Refunded';
  if (s === 'failed' || s === 'declined') return 'Declined';
  if (s === 'canceled' || s === 'cancelled') return 'Cancelled';
  return 'Not paid yet';
}

function modificationSentence(raw: unknown): string {
  const o = obj(raw);
  const delta = num(o, 'priceDelta') ?? 0;
  const currency = str(o, 'currency') ?? 'EUR';
  const status = str(o, 'status');
  if (status === 'PENDING_PAYMENT')
    return `Your new places are reserved. ${formatMoney(delta, currency)} will be charged to the card you paid with.`;
  if (delta > 0) return `Done. ${formatMoney(delta, currency)} more was charged to the card you paid with.`;
  if (delta < 0) return `Done. ${formatMoney(-delta, currency)} will be refunded to the card you paid with.`;
  return 'Done. The price did not change.';
}

/** Change time/date (move to another match), change the number of places, transfer, cancel. */
function ManageBooking({
  booking,
  match,
  onChanged,
}: {
  booking: BookingView;
  match: MatchView | undefined;
  onChanged: (sentence: string) => void;
}) {
  const { api, announce } = useApp();
  const id = encodeURIComponent(booking.id);
  const others = useLoad(
    async (signal) =>
      listOf(await api.get('/v1/matches', { signal }), 'matches')
        .map(toMatch)
        .filter(
          (m) =>
            m.id !== booking.matchId &&
            m.currency === booking.currency &&
            m.onSale !== false &&
            m.status !== 'CANCELLED',
        ),
    [booking.matchId],
  );
  const [toMatchId, setToMatchId] = useState('');
  const [quantity, setQuantity] = useState(booking.quantity ?? 1);
  const [recipient, setRecipient] = useState('');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [transferLink, setTransferLink] = useState<string | undefined>();
  // The form follows the booking once a change went through.
  useEffect(() => setQuantity(booking.quantity ?? 1), [booking.quantity]);
  useEffect(() => setToMatchId(''), [booking.matchId]);
  const reschedule = useAction();
  const changeQty = useAction();
  const transfer = useAction();
  const cancel = useAction();

  const finish = (sentence: string) => {
    announce(sentence);
    onChanged(sentence);
  };

  return (
    <section class="card" aria-labelledby="manage-title">
      <h2 id="manage-title">Manage your booking</h2>
      {transferLink && (
        <p>
          Send this link to your friend: <CopyLink url={transferLink} label="transfer link" />
        </p>
      )}

      <form
        class="subform"
        onSubmit={(e) => {
          e.preventDefault();
          if (!toMatchId) return;
          void reschedule.run(async () =>
            finish(
              modificationSentence(await api.post(`/v1/bookings/${id}/reschedule`, { matchId: toMatchId })),
            ),
          );
        }}
      >
        <h3>Change date or time</h3>
        <div class="field">
          <label for="reschedule-to">Move to</label>
          <select id="reschedule-to" value={toMatchId} onChange={(e) => setToMatchId(e.currentTarget.value)}>
            <option value="">Choose another match…</option>
            {(others.data ?? []).map((m) => (
              <option value={m.id} key={m.id}>
                {m.title}, {formatDateTime(m.kickoffAt)}
                {m.available !== undefined ? ` (${m.available} left)` : ''}
              </option>
            ))}
          </select>
        </div>
        <ErrorText message={reschedule.error} />
        <button type="submit" disabled={reschedule.busy || !toMatchId}>
          Move my booking
        </button>
      </form>

      <form
        class="subform"
        onSubmit={(e) => {
          e.preventDefault();
          void changeQty.run(async () =>
            finish(modificationSentence(await api.post(`/v1/bookings/${id}/quantity`, { quantity }))),
          );
        }}
      >
        <h3>Change the number of places</h3>
        <div class="field">
          <label for="change-quantity">Places</label>
          <input
            id="change-quantity"
            type="number"
            min={1}
            max={20}
            value={quantity}
            onInput={(e) => setQuantity(Number(e.currentTarget.value))}
          />
          {match?.unitPrice !== undefined && (
            <p class="hint">Each place costs {formatMoney(match.unitPrice, booking.currency)}.</p>
          )}
        </div>
        <ErrorText message={changeQty.error} />
        <button type="submit" disabled={changeQty.busy || quantity === booking.quantity}>
          Change places
        </button>
      </form>

      <form
        class="subform"
        onSubmit={(e) => {
          e.preventDefault();
          const v = recipient.trim();
          if (!v) return;
          void transfer.run(async () => {
            const t = toTransfer(await api.post(`/v1/bookings/${id}/transfer`, { toUserId: v }));
            setTransferLink(shareUrl(href('transfers', t.id)));
            finish(`Transfer offered to ${v}. It moves once they accept.`);
          });
        }}
      >
        <h3>Transfer to a friend</h3>
        <div class="field">
          <label for="transfer-to">Friend's user id</label>
          <input id="transfer-to" value={recipient} onInput={(e) => setRecipient(e.currentTarget.value)} />
        </div>
        <ErrorText message={transfer.error} />
        <button type="submit" disabled={transfer.busy || !recipient.trim()}>
          Offer the transfer
        </button>
      </form>

      <div class="subform">
        <h3>Cancel</h3>
        {!confirmCancel ? (
          <button type="button" class="danger" onClick={() => setConfirmCancel(true)}>
            Cancel this booking
          </button>
        ) : (
          <>
            <p>
              Cancel the booking? Your places go back on sale and the refund follows the cancellation policy.
            </p>
            <ErrorText message={cancel.error} />
            <div class="actions">
              <button
                type="button"
                class="danger"
                disabled={cancel.busy}
                onClick={() =>
                  void cancel.run(async () => {
                    const res = obj(await api.post(`/v1/bookings/${id}/cancel`, {}));
                    const refund = num(res, 'refundAmount');
                    finish(
                      refund
                        ? `Booking cancelled. ${formatMoney(refund, booking.currency)} will be refunded.`
                        : 'Booking cancelled.',
                    );
                  })
                }
              >
                Yes, cancel it
              </button>
              <button type="button" class="secondary" onClick={() => setConfirmCancel(false)}>
                Keep it
              </button>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
