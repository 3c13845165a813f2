import { randomUUID } from 'node:crypto';
import type { Booking } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import { assertCheckoutable } from '../domain/hold';
import { bookingsRepository, type PayerShare } from '../db/bookings.repository';
import { holdsRepository } from '../db/holds.repository';
import { matchesRepository } from '../db/matches.repository';
import { waitlistRepository } from '../db/waitlist.repository';
import { inTransaction, type AppDeps } from './deps';
import { metrics } from './metrics';

export interface CheckoutInput {
  userId: string;
  holdId: string;
  /** Split payment: one share per payer, in the booking's currency; default one share for the fan. */
  payers?: Array<{ payerId?: string | undefined; userId?: string | undefined; amount: number; paymentMethod?: string | undefined; paymentCurrency?: string | undefined }> | undefined;
  paymentMethod?: string | undefined;
  paymentCurrency?: string | undefined;
  customer?: Record<string, string | undefined> | undefined;
}

function sharesOf(input: CheckoutInput, amount: number, currency: string): PayerShare[] {
  const extra = (s: { paymentMethod?: string | undefined; paymentCurrency?: string | undefined }) => ({
    ...(s.paymentMethod ? { paymentMethod: s.paymentMethod } : {}),
    ...(s.paymentCurrency && s.paymentCurrency !== currency ? { paymentCurrency: s.paymentCurrency } : {}),
  });
  if (!input.payers || input.payers.length === 0) {
    return [{ payerId: input.userId, userId: input.userId, amount, currency, ...extra(input) }];
  }
  const shares = input.payers.map((p, i) => ({
    payerId: p.payerId ?? p.userId ?? `${input.userId}:${i + 1}`,
    ...(p.userId ? { userId: p.userId } : {}),
    amount: p.amount,
    currency,
    ...extra({ paymentMethod: p.paymentMethod ?? input.paymentMethod, paymentCurrency: p.paymentCurrency ?? input.paymentCurrency }),
  }));
  const total = shares.reduce((n, s) => n + s.amount, 0);
  if (shares.some((s) => !Number.isInteger(s.amount) || s.amount <= 0) || total !== amount) {
    fail(ErrorCode.PAYERS_INVALID, `payer shares must be positive and add up to ${amount} ${currency}`, { amount, currency, total });
  }
  if (new Set(shares.map((s) => s.payerId)).size !== shares.length) fail(ErrorCode.PAYERS_INVALID, 'payer ids must be distinct');
  return shares;
}

/**
 * Checkout: turns a live hold into a PENDING_PAYMENT booking with a payment deadline
 * (booking.created, which payment and fraud act on). The slots stay taken. Idempotent per hold:
 * checking out a converted hold again answers its booking.
 */
export function makeCheckout(deps: AppDeps) {
  return async (input: CheckoutInput): Promise<{ booking: Booking; created: boolean }> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const hold = await holdsRepository.get(trx, input.holdId, { forUpdate: true });
      if (!hold || hold.userId !== input.userId) return fail(ErrorCode.HOLD_NOT_FOUND, 'no such hold', { holdId: input.holdId });
      if (hold.status === 'CONVERTED') {
        const id = await bookingsRepository.idForHold(trx, hold.id);
        const existing = id ? await bookingsRepository.get(trx, id) : null;
        if (existing) return { booking: existing, created: false };
      }
      assertCheckoutable(hold, input.userId, now);
      const match = await matchesRepository.get(trx, hold.matchId);
      if (!match) throw new Error(`hold ${hold.id} points at missing match ${hold.matchId}`);
      const amount = match.unitPrice * hold.quantity;
      const payers = sharesOf(input, amount, match.currency);
      const converted = await holdsRepository.end(trx, hold.id, 'CONVERTED', now, { unexpiredAt: now });
      if (!converted) return fail(ErrorCode.HOLD_EXPIRED, 'the hold expired; place a new one', { holdId: hold.id });
      if (hold.waitlistEntryId) {
        await waitlistRepository.settleOffer(trx, hold.id, 'FULFILLED', now);
        metrics.waitlist.inc({ event: 'fulfilled' });
      }
      const booking: Booking = {
        id: randomUUID(),
        createdAt: now,
        holdId: hold.id,
        matchId: hold.matchId,
        userId: input.userId,
        sessionId: hold.sessionId,
        quantity: hold.quantity,
        unitPrice: match.unitPrice,
        amount,
        currency: match.currency,
        status: 'PENDING_PAYMENT',
        statusReason: null,
        paymentDeadline: new Date(now.getTime() + deps.config.PAYMENT_WINDOW_SECONDS * 1000),
        captured: 0,
        refunded: 0,
        reversed: 0,
        fraudDecision: null,
        disputes: {},
        pendingModificationId: null,
        moneyReturned: false,
        version: 1,
        updatedAt: now,
      };
      await bookingsRepository.insert(trx, booking, payers);
      const customer = Object.fromEntries(Object.entries(input.customer ?? {}).filter(([, v]) => v !== undefined && v !== ''));
      await deps.bus.publish(
        trx,
        'booking.created.v1',
        {
          bookingId: booking.id,
          matchId: booking.matchId,
          userId: booking.userId,
          holdId: hold.id,
          quantity: booking.quantity,
          unitPrice: booking.unitPrice,
          amount: booking.amount,
          currency: booking.currency,
          paymentDeadline: booking.paymentDeadline.toISOString(),
          payers,
          ...(Object.keys(customer).length > 0 ? { customer } : {}),
        },
        { subject: booking.id },
      );
      effects.add('forget user hold', () => deps.admission.forgetUserHold(hold.matchId, hold.userId, hold.id));
      metrics.holdsEnded.inc({ status: 'CONVERTED' });
      metrics.bookingsCreated.inc();
      deps.logger.info('booking created', { bookingId: booking.id, holdId: hold.id, amount, currency: booking.currency });
      return { booking, created: true };
    });
}
