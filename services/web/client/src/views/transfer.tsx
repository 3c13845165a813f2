import { useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { formatDateTime } from '../lib/format';
import { useAction, useLoad } from '../lib/hooks';
import { toTransfer } from '../lib/models';
import { href } from '../lib/router';
import { ErrorText, Facts, Loading, Notice, PageTitle } from '../ui';

/** A booking a friend offered: the recipient accepts it here. */
export function TransferPage({ transferId }: { transferId: string }) {
  const { api, identity } = useApp();
  const id = encodeURIComponent(transferId);
  const transfer = useLoad(
    async (signal) => toTransfer(await api.get(`/v1/transfers/${id}`, { signal })),
    [transferId],
  );
  const accept = useAction();
  const [accepted, setAccepted] = useState(false);
  const t = transfer.data;
  return (
    <>
      <PageTitle>Booking transfer</PageTitle>
      {!t && (transfer.loading ? <Loading what="the transfer" /> : <ErrorText message={transfer.error} />)}
      {t && (
        <section class="card narrow">
          <Facts
            items={[
              ['From', t.fromUserId],
              ['To', t.toUserId],
              ['Status', accepted ? 'ACCEPTED' : t.status],
              ['Offer ends', formatDateTime(t.expiresAt)],
            ]}
          />
          {accepted || t.status === 'ACCEPTED' ? (
            <Notice tone="success">
              The booking is yours now.{' '}
              {t.bookingId && <a href={href('bookings', t.bookingId)}>See the booking</a>}
            </Notice>
          ) : t.status === 'PENDING' && t.toUserId && t.toUserId !== identity?.userId ? (
            <p>This transfer is for {t.toUserId}. Sign in as them to accept it.</p>
          ) : t.status === 'PENDING' ? (
            <>
              <ErrorText message={accept.error} />
              <button
                type="button"
                disabled={accept.busy}
                onClick={() =>
                  void accept.run(async () => {
                    await api.post(`/v1/transfers/${id}/accept`);
                    setAccepted(true);
                  })
                }
              >
                Accept the booking
              </button>
            </>
          ) : (
            <p>This transfer is no longer open.</p>
          )}
        </section>
      )}
    </>
  );
}
