import { randomUUID } from 'node:crypto';
import type { EventData, EventType } from '@matchday/contracts';
import { metricsText } from '@matchday/observability';
import { eventually, publishEvent } from '@matchday/testkit';
import { admin, fan, key, type Harness } from './harness';

export interface HoldBody {
  holdId: string;
  matchId: string;
  quantity: number;
  status: string;
  expiresAt: string;
  waitlistEntryId: string | null;
}

export interface BookingBody {
  bookingId: string;
  matchId: string;
  userId: string;
  status: string;
  amount: number;
  unitPrice: number;
  currency: string;
  quantity: number;
  pendingModificationId: string | null;
  money: { captured: number; refunded: number; reversed: number; net: number; balanced: boolean };
}

/** What a fan (and payment, through Kafka) does to the service, as small steps for scenarios. */
export function driver(h: Harness) {
  const pay = <T extends EventType>(type: T, data: EventData<T>, subject: string) =>
    publishEvent(h.iso.topicPrefix, type, data, { subject, source: 'payment' });

  const d = {
    pay,

    async hold(user: string, matchId: string, quantity = 2, headers: Record<string, string> = {}): Promise<HoldBody> {
      const res = await h.http().post('/v1/holds').set(fan(user, headers)).set('Idempotency-Key', key()).send({ matchId, quantity });
      if (res.status !== 200 && res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as HoldBody;
    },

    async checkout(user: string, holdId: string, body: Record<string, unknown> = {}): Promise<BookingBody> {
      const res = await h.http().post('/v1/bookings').set(fan(user)).set('Idempotency-Key', key()).send({ holdId, ...body });
      if (res.status !== 201) throw new Error(`checkout: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as BookingBody;
    },

    async pendingBooking(user: string, matchId: string, quantity = 2): Promise<BookingBody> {
      return d.checkout(user, (await d.hold(user, matchId, quantity)).holdId);
    },

    async asAdmin(bookingId: string): Promise<BookingBody> {
      return (await h.http().get(`/v1/admin/bookings/${bookingId}`).set(admin)).body as BookingBody;
    },

    /**
     * payment.captured with the running sum, then payment.succeeded for `total`; `paid.held` is what
     * payment.succeeded reports the booking holds (default `total`), `paid.modificationId` the change
     * whose extra payment it includes.
     */
    async payUpTo(b: Pick<BookingBody, 'bookingId' | 'currency'>, total: number, paid: { held?: number; modificationId?: string } = {}): Promise<void> {
      const paymentId = randomUUID();
      await pay(
        'payment.captured.v1',
        {
          bookingId: b.bookingId,
          paymentId,
          payerId: 'p1',
          intentId: `pi_${paymentId}`,
          amount: total,
          currency: b.currency,
          bookingCaptured: total,
          bookingAmount: total,
          bookingCurrency: b.currency,
        },
        b.bookingId,
      );
      await pay(
        'payment.succeeded.v1',
        { bookingId: b.bookingId, amount: paid.held ?? total, currency: b.currency, paymentIds: [paymentId], ...(paid.modificationId ? { modificationId: paid.modificationId } : {}) },
        b.bookingId,
      );
    },

    async refundUpTo(b: Pick<BookingBody, 'bookingId' | 'currency'>, totalRefunded: number, amount: number): Promise<void> {
      await pay(
        'payment.refunded.v1',
        {
          bookingId: b.bookingId,
          paymentId: 'pay',
          refundId: `re_${randomUUID()}`,
          amount,
          currency: b.currency,
          reason: 'test',
          bookingRefunded: totalRefunded,
          bookingCurrency: b.currency,
        },
        b.bookingId,
      );
    },

    /** Waits until the booking has `status` (and `check` holds), then returns it. */
    async until(bookingId: string, check: (b: BookingBody) => boolean, what = 'booking state'): Promise<BookingBody> {
      return eventually(
        async () => {
          const b = await d.asAdmin(bookingId);
          return check(b) ? b : undefined;
        },
        { what: `${what} of ${bookingId}`, timeoutMs: 30000 },
      );
    },

    async confirmedBooking(user: string, matchId: string, quantity = 2): Promise<BookingBody> {
      const b = await d.pendingBooking(user, matchId, quantity);
      await d.payUpTo(b, b.amount);
      return d.until(b.bookingId, (x) => x.status === 'CONFIRMED', 'confirmed');
    },

    async metric(name: string): Promise<number> {
      const line = (await metricsText()).split('\n').find((l) => l.startsWith(name));
      return line ? Number(line.split(' ').pop()) : 0;
    },
  };
  return d;
}
