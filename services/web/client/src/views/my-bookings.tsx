import { useApp } from '../app-context';
import { formatDateTime, formatMoney, statusLabel } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { listOf } from '../lib/json';
import { toBooking } from '../lib/models';
import { href } from '../lib/router';
import { ErrorText, Loading, PageTitle, StatusBadge } from '../ui';
import { ResumeSession } from './resume-session';

export function MyBookings() {
  const { api } = useApp();
  const bookings = useLoad(
    async (signal) => listOf(await api.get('/v1/bookings', { signal }), 'bookings').map(toBooking),
    [],
    15000,
  );
  return (
    <>
      <PageTitle>My bookings</PageTitle>
      <ResumeSession />
      {bookings.loading && !bookings.data && <Loading what="your bookings" />}
      <ErrorText message={bookings.error} />
      {bookings.data && bookings.data.length === 0 && (
        <p>
          No bookings yet. <a href="#/">Find a match</a>.
        </p>
      )}
      {bookings.data && bookings.data.length > 0 && (
        <table class="data">
          <caption class="visually-hidden">Your bookings</caption>
          <thead>
            <tr>
              <th scope="col">Booking</th>
              <th scope="col">Places</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
              <th scope="col">Booked</th>
            </tr>
          </thead>
          <tbody>
            {bookings.data.map((b) => (
              <tr key={b.id}>
                <td>
                  <a href={href('bookings', b.id)}>{b.id}</a>
                </td>
                <td>{b.quantity ?? '—'}</td>
                <td>{formatMoney(b.amount ?? 0, b.currency)}</td>
                <td>
                  <StatusBadge status={b.status}>{statusLabel(b.status)}</StatusBadge>
                </td>
                <td>{formatDateTime(b.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
