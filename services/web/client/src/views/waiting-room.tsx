import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../app-context';
import { ApiError, errorSentence } from '../lib/api';
import { toTicket, type TicketView } from '../lib/models';
import { ErrorText } from '../ui';

/** The client follows the gateway's `pollAfterSeconds`, looking at least every 5 s so the position visibly moves. */
const MAX_POLL_MS = 5000;

/**
 * The virtual queue of a hot match: join once (the same ticket comes back on a reload), then read
 * the ticket until it is admitted; the admission token goes with the hold request.
 */
export function WaitingRoom({
  matchId,
  onAdmitted,
}: {
  matchId: string;
  onAdmitted: (admissionToken: string | undefined) => void;
}) {
  const { api } = useApp();
  const [ticket, setTicket] = useState<TicketView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [firstPosition, setFirstPosition] = useState<number | undefined>();
  const admitted = useRef(false);

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const m = encodeURIComponent(matchId);
    const settle = (t: TicketView) => {
      setTicket(t);
      if (t.position !== undefined) setFirstPosition((p) => p ?? t.position);
      if (t.status === 'admitted' && !admitted.current) {
        admitted.current = true;
        onAdmitted(t.admissionToken);
        return true;
      }
      return false;
    };
    const poll = (t: TicketView) => {
      const after = Math.min(MAX_POLL_MS, Math.max(1000, (t.pollAfterSeconds ?? 2) * 1000));
      timer = setTimeout(async () => {
        try {
          const next = toTicket(
            await api.get(`/v1/waiting-room/${m}/tickets/${encodeURIComponent(t.ticketId)}`, {
              signal: ctrl.signal,
            }),
          );
          if (!settle(next) && next.status === 'waiting') poll(next);
          else if (next.status === 'expired') setError('Your place in the queue expired. Please join again.');
        } catch (err) {
          if (ctrl.signal.aborted) return;
          setError(errorSentence(err));
          poll(t);
        }
      }, after);
    };
    (async () => {
      try {
        const t = toTicket(await api.post(`/v1/waiting-room/${m}/join`, undefined, { signal: ctrl.signal }));
        if (!settle(t) && t.status === 'waiting') poll(t);
      } catch (err) {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiError && err.code === 'WAITING_ROOM_CLOSED') {
          admitted.current = true;
          onAdmitted(undefined);
          return;
        }
        setError(errorSentence(err));
      }
    })();
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [matchId]);

  const position = ticket?.position;
  const progress = firstPosition && position !== undefined ? Math.max(0, firstPosition - position) : 0;
  return (
    <section class="card waiting-room" aria-labelledby="waiting-room-title" data-testid="waiting-room">
      <h2 id="waiting-room-title">Waiting room</h2>
      <p>
        This match is in high demand. Fans are let in to book in the order they arrived. Keep this page open.
      </p>
      {!ticket && !error && <p role="status">Joining the queue…</p>}
      {ticket?.status === 'waiting' && (
        <>
          <p class="queue-position" role="status" aria-live="polite" aria-atomic="true">
            You are number <strong data-testid="queue-position">{position ?? '…'}</strong> in the queue.
            {ticket.estimatedWaitSeconds !== undefined && (
              <> About {Math.max(1, Math.ceil(ticket.estimatedWaitSeconds))} seconds to go.</>
            )}
          </p>
          {firstPosition !== undefined && firstPosition > 1 && (
            <progress max={firstPosition - 1} value={progress} aria-label="Progress through the queue">
              {progress} of {firstPosition - 1}
            </progress>
          )}
        </>
      )}
      {ticket?.status === 'admitted' && (
        <p role="status" class="success">
          It is your turn. Holding your places…
        </p>
      )}
      <ErrorText message={error} />
    </section>
  );
}
