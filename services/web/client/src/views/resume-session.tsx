import { useApp } from '../app-context';
import { useLoad } from '../lib/hooks';
import { toMatch, toSession } from '../lib/models';
import { href } from '../lib/router';
import { Countdown } from '../ui';

/**
 * "Continue where you left off": the booking session the gateway shares between a user's devices
 * (`GET /v1/sessions/{id}`), so a reload or a second device picks up the same hold or payment.
 */
export function ResumeSession({ exceptHoldId }: { exceptHoldId?: string }) {
  const { api, identity, sessionId } = useApp();
  const session = useLoad(
    async (signal) => {
      if (!identity || !sessionId) return undefined;
      try {
        const state = toSession(await api.get(`/v1/sessions/${encodeURIComponent(sessionId)}`, { signal }));
        const match = state.matchId
          ? toMatch(
              await api.get(`/v1/matches/${encodeURIComponent(state.matchId)}`, { signal }).catch(() => ({})),
            )
          : undefined;
        return { ...state, matchTitle: match?.title && match.id ? match.title : undefined };
      } catch {
        // Nothing to resume (no hold yet, or the session ended): the page simply shows no banner.
        return undefined;
      }
    },
    [identity?.userId, sessionId],
    15000,
  );
  const s = session.data;
  if (!s) return null;
  if (s.step === 'HOLDING' && s.hold && s.hold.holdId !== exceptHoldId) {
    return (
      <aside class="resume notice notice-warning" aria-labelledby="resume-title" data-testid="resume-hold">
        <h2 id="resume-title">Continue where you left off</h2>
        <p>
          You are holding {s.hold.quantity} place{s.hold.quantity === 1 ? '' : 's'}
          {s.matchTitle ? ` for ${s.matchTitle}` : ''}.
        </p>
        <Countdown until={s.hold.expiresAt} label="Time left" />
        <p>
          <a class="button" href={href('holds', s.hold.holdId)}>
            Continue to checkout
          </a>
        </p>
      </aside>
    );
  }
  if (s.step === 'PAYING' && s.booking) {
    return (
      <aside class="resume notice notice-warning" aria-labelledby="resume-title" data-testid="resume-booking">
        <h2 id="resume-title">
          Your booking{s.matchTitle ? ` for ${s.matchTitle}` : ''} is waiting for payment
        </h2>
        <Countdown until={s.booking.paymentDeadline} label="Time left to pay" />
        <p>
          <a class="button" href={href('bookings', s.booking.bookingId)}>
            Pay now
          </a>
        </p>
      </aside>
    );
  }
  return null;
}
