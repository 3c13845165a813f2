import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { qs } from '../lib/api';
import { isAdmin } from '../lib/auth';
import { formatDateTime, formatMoney, reasonLabel, statusLabel } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { type Json, listOf, num, obj, str } from '../lib/json';
import { toBooking, toPayment } from '../lib/models';
import { ErrorText, Facts, Loading, Notice, PageTitle, StatusBadge } from '../ui';
import { reasonText } from './fraud-reviews';
import { PaymentsTable } from './search';
import { grafanaLink, jaegerLink } from './trace-links';

/** `Review approved by ops-1 on …: "checked by phone"`, or nothing when there was no review. */
function reviewLine(review: Json): string | undefined {
  const status = str(review, 'status');
  if (!status) return undefined;
  const who = str(review, 'resolvedBy');
  const when = formatDateTime(str(review, 'resolvedAt'));
  const note = str(review, 'note');
  return `Review ${status.replace(/_/g, ' ')}${who ? ` by ${who}` : ''}${when ? ` on ${when}` : ''}${note ? `: “${note}”` : ''}`;
}

/** Everything support needs about one booking: state, money, payments, fraud, and its traces. */
export function OpsBooking({ bookingId }: { bookingId: string }) {
  const { api, config, identity } = useApp();
  const id = encodeURIComponent(bookingId);
  const booking = useLoad(
    async (signal) => toBooking(await api.get(`/v1/admin/bookings/${id}`, { signal })),
    [bookingId],
    10000,
  );
  const payments = useLoad(
    async (signal) =>
      listOf(await api.get(`/v1/admin/payments${qs({ bookingId })}`, { signal }), 'payments').map(toPayment),
    [bookingId],
  );
  const fraud = useLoad(
    async (signal) => listOf(await api.get(`/v1/admin/fraud/assessments/${id}`, { signal }), 'assessments'),
    [bookingId],
  );
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | undefined>();
  const cancel = useAction();
  const b = booking.data;
  const links = { bookingId, ...(b?.traceId ? { traceId: b.traceId } : {}) };

  return (
    <>
      <PageTitle>Booking {bookingId}</PageTitle>
      {!b && (booking.loading ? <Loading what="the booking" /> : <ErrorText message={booking.error} />)}
      {b && (
        <section class="card">
          <Facts
            items={[
              ['Status', <StatusBadge status={b.status}>{statusLabel(b.status)}</StatusBadge>],
              ['Reason', reasonLabel(b.statusReason)],
              ['User', b.userId],
              ['Match', <code>{b.matchId}</code>],
              ['Places', b.quantity !== undefined ? String(b.quantity) : undefined],
              ['Total', formatMoney(b.amount ?? 0, b.currency)],
              ['Captured', b.captured !== undefined ? formatMoney(b.captured, b.currency) : undefined],
              ['Refunded', b.refunded !== undefined ? formatMoney(b.refunded, b.currency) : undefined],
              ['Payment deadline', formatDateTime(b.paymentDeadline)],
              ['Created', formatDateTime(b.createdAt)],
              ['Trace id', b.traceId ? <code>{b.traceId}</code> : undefined],
            ]}
          />
          <p class="links">
            <a
              href={jaegerLink(config.jaegerUrl, links)}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="jaeger-link"
            >
              Trace in Jaeger<span class="visually-hidden"> (opens in a new tab)</span>
            </a>{' '}
            <a
              href={grafanaLink(config.grafanaUrl, links)}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="grafana-link"
            >
              Trace in Grafana<span class="visually-hidden"> (opens in a new tab)</span>
            </a>
          </p>
        </section>
      )}
      {payments.loading && !payments.data && <Loading what="payments" />}
      {payments.data && <PaymentsTable payments={payments.data} title="Payments" />}
      <ErrorText message={payments.error} />

      <section class="card" aria-labelledby="fraud-title">
        <h2 id="fraud-title">Fraud assessments</h2>
        {fraud.loading && !fraud.data && <Loading what="fraud assessments" />}
        {fraud.error && <p class="muted">{fraud.error}</p>}
        {fraud.data?.length === 0 && <p>None.</p>}
        <ul class="plain">
          {(fraud.data ?? []).map((a, i) => (
            <li key={str(a, 'id') ?? i} data-testid="fraud-assessment">
              <strong>{str(a, 'decision') ?? '—'}</strong> (score {num(a, 'score') ?? '—'},{' '}
              {formatDateTime(str(a, 'createdAt'))})
              <ul>
                {(Array.isArray(a.reasons) ? a.reasons : []).map((r, j) => (
                  <li key={j}>{reasonText(r)}</li>
                ))}
                {reviewLine(obj(a.review)) && <li>{reviewLine(obj(a.review))}</li>}
              </ul>
            </li>
          ))}
        </ul>
      </section>

      {b && isAdmin(identity) && ['PENDING_PAYMENT', 'CONFIRMED'].includes(b.status) && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void cancel.run(async () => {
              await api.post(`/v1/admin/bookings/${id}/cancel`, { reason: reason.trim() });
              setDone('The booking was cancelled; any payment is refunded.');
              booking.reload();
            });
          }}
        >
          <h2>Cancel on the customer's behalf</h2>
          {done && <Notice tone="success">{done}</Notice>}
          <div class="field">
            <label for="admin-cancel-reason">Reason</label>
            <input
              id="admin-cancel-reason"
              required
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </div>
          <ErrorText message={cancel.error} />
          <button type="submit" class="danger" disabled={cancel.busy || !reason.trim()}>
            Cancel booking
          </button>
        </form>
      )}
    </>
  );
}
