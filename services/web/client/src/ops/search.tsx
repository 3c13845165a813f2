import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { qs } from '../lib/api';
import { formatDateTime, formatMoney, statusLabel } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { listOf } from '../lib/json';
import { type BookingView, type PaymentView, toBooking, toMatch, toPayment } from '../lib/models';
import { href, navigate } from '../lib/router';
import { ErrorText, PageTitle, StatusBadge, TableWrap } from '../ui';

const STATUSES = ['PENDING_PAYMENT', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'DISPUTED', 'REVERSED'];

/** Bookings by user, match or status; payments by booking or status. */
export function Search() {
  const { api } = useApp();
  const [b, setB] = useState({ matchId: '', status: '' });
  const matches = useLoad(
    async (signal) => listOf(await api.get('/v1/matches?limit=100', { signal }), 'matches').map(toMatch),
    [],
  );
  const [p, setP] = useState({ bookingId: '', status: '' });
  const [bookings, setBookings] = useState<BookingView[] | undefined>();
  const [payments, setPayments] = useState<PaymentView[] | undefined>();
  const searchBookings = useAction();
  const searchPayments = useAction();

  const [reference, setReference] = useState('');
  return (
    <>
      <PageTitle>Bookings and payments</PageTitle>
      <form
        class="card inline-form"
        aria-labelledby="open-booking-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (reference.trim()) navigate(href('ops', 'bookings', reference.trim()));
        }}
      >
        <h2 id="open-booking-title" class="visually-hidden">
          Open a booking
        </h2>
        <label for="open-booking">Booking reference</label>
        <input id="open-booking" value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
        <button type="submit" disabled={!reference.trim()}>
          Open booking
        </button>
      </form>
      <form
        class="card grid-form"
        aria-labelledby="booking-search-title"
        onSubmit={(e) => {
          e.preventDefault();
          void searchBookings.run(async () => {
            const q = qs({ matchId: b.matchId, status: b.status, limit: 100 });
            setBookings(listOf(await api.get(`/v1/admin/bookings${q}`), 'bookings').map(toBooking));
          });
        }}
      >
        <h2 id="booking-search-title">A match's bookings</h2>
        <div class="field">
          <label for="search-match">Match</label>
          <select
            id="search-match"
            required
            value={b.matchId}
            onChange={(e) => setB({ ...b, matchId: e.currentTarget.value })}
          >
            <option value="">Choose a match…</option>
            {(matches.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.title}, {formatDateTime(m.kickoffAt)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="search-status">Status</label>
          <select
            id="search-status"
            value={b.status}
            onChange={(e) => setB({ ...b, status: e.currentTarget.value })}
          >
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="actions">
          <button type="submit" disabled={searchBookings.busy || !b.matchId}>
            Search bookings
          </button>
        </div>
        <ErrorText message={searchBookings.error} />
      </form>
      {bookings && (
        <section aria-live="polite">
          <h2>Bookings found: {bookings.length}</h2>
          {bookings.length > 0 && (
            <TableWrap label="Bookings found">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Booking</th>
                    <th scope="col">User</th>
                    <th scope="col">Match</th>
                    <th scope="col">Places</th>
                    <th scope="col">Total</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {bookings.map((x) => (
                    <tr key={x.id}>
                      <td>
                        <a href={href('ops', 'bookings', x.id)}>{x.id}</a>
                      </td>
                      <td>{x.userId}</td>
                      <td>
                        <code>{x.matchId}</code>
                      </td>
                      <td>{x.quantity ?? '—'}</td>
                      <td>{formatMoney(x.amount ?? 0, x.currency)}</td>
                      <td>
                        <StatusBadge status={x.status}>{statusLabel(x.status)}</StatusBadge>
                      </td>
                      <td>{formatDateTime(x.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      )}

      <form
        class="card grid-form"
        aria-labelledby="payment-search-title"
        onSubmit={(e) => {
          e.preventDefault();
          void searchPayments.run(async () => {
            const q = qs({ bookingId: p.bookingId.trim(), status: p.status.trim(), limit: 100 });
            setPayments(listOf(await api.get(`/v1/admin/payments${q}`), 'payments').map(toPayment));
          });
        }}
      >
        <h2 id="payment-search-title">Find payments</h2>
        <div class="field">
          <label for="search-payment-booking">Booking id</label>
          <input
            id="search-payment-booking"
            value={p.bookingId}
            onInput={(e) => setP({ ...p, bookingId: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="search-payment-status">Status</label>
          <input
            id="search-payment-status"
            value={p.status}
            placeholder="captured, failed, …"
            onInput={(e) => setP({ ...p, status: e.currentTarget.value })}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={searchPayments.busy}>
            Search payments
          </button>
        </div>
        <ErrorText message={searchPayments.error} />
      </form>
      {payments && <PaymentsTable payments={payments} title={`Payments found: ${payments.length}`} />}
    </>
  );
}

export function PaymentsTable({ payments, title }: { payments: PaymentView[]; title: string }) {
  return (
    <section aria-live="polite">
      <h2>{title}</h2>
      {payments.length > 0 && (
        <TableWrap label={title}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col">Booking</th>
                <th scope="col">Payer</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Provider reference</th>
              </tr>
            </thead>
            <tbody>
              {payments.map((x) => (
                <tr key={x.id}>
                  <td>
                    <code>{x.id}</code>
                  </td>
                  <td>
                    {x.bookingId ? <a href={href('ops', 'bookings', x.bookingId)}>{x.bookingId}</a> : '—'}
                  </td>
                  <td>{x.userId ?? x.email ?? '—'}</td>
                  <td>{formatMoney(x.amount ?? 0, x.currency)}</td>
                  <td>
                    {x.status}
                    {x.failureReason ? ` (${x.failureReason})` : ''}
                  </td>
                  <td>
                    <code>{x.providerId ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
