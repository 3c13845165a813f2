import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { formatMoney } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { paymentPayable, toPayment } from '../lib/models';
import { ErrorText, Loading, Notice, PageTitle } from '../ui';
import { CardForm } from './card-form';
import { paymentStatusText } from './booking';

/** A friend's share of a split booking, opened from the link the buyer sent. */
export function PayShare({ paymentId }: { paymentId: string }) {
  const { api } = useApp();
  const [paid, setPaid] = useState(false);
  const payment = useLoad(
    async (signal) => toPayment(await api.get(`/v1/payments/${encodeURIComponent(paymentId)}`, { signal })),
    [paymentId],
  );
  const p = payment.data;
  return (
    <>
      <PageTitle>Pay your share</PageTitle>
      {!p && (payment.loading ? <Loading what="the payment" /> : <ErrorText message={payment.error} />)}
      {p && (
        <section class="card narrow">
          <p>
            A friend booked places for you both. Your share is{' '}
            <strong>{formatMoney(p.amount ?? 0, p.currency)}</strong>.
          </p>
          {paid || !paymentPayable(p.status) ? (
            <Notice tone="success">
              <span data-testid="share-paid">
                {paid ? 'Thank you, your share is paid.' : paymentStatusText(p.status)}
              </span>
            </Notice>
          ) : (
            <CardForm paymentId={p.id} amount={p.amount} currency={p.currency} onPaid={() => setPaid(true)} />
          )}
        </section>
      )}
    </>
  );
}
