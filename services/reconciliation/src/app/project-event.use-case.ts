import { isEvent, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { ProjectionsRepository } from '../db/projections.repository';
import { reconMetrics } from './metrics';

/**
 * Keeps reconciliation's own picture of bookings and payments from booking.events and
 * payment.events (no service reads another's tables). Effects commit with the consumed event's
 * inbox row; a state change older than the stored one is ignored.
 */
export function makeProjectEvent(deps: { projections: ProjectionsRepository; logger: Logger }) {
  const { projections: p } = deps;
  const gap = (event: MatchdayEvent, bookingId: string) => {
    reconMetrics.projectionGaps.inc({ event_type: event.type });
    deps.logger.warn('event about a booking the projection does not know; not applied', { eventType: event.type, eventId: event.id, bookingId });
  };

  return async function projectEvent(trx: Knex.Transaction, event: MatchdayEvent): Promise<void> {
    const at = new Date(event.time);
    if (isEvent(event, 'booking.created.v1')) {
      const d = event.data;
      await p.created(trx, { bookingId: d.bookingId, userId: d.userId, matchId: d.matchId, amount: d.amount, currency: d.currency, at });
    } else if (isEvent(event, 'booking.confirmed.v1')) {
      const d = event.data;
      await p.transition(trx, 'CONFIRMED', { bookingId: d.bookingId, userId: d.userId, matchId: d.matchId, amount: d.amount, currency: d.currency, at });
    } else if (isEvent(event, 'booking.cancelled.v1')) {
      const d = event.data;
      if (!(await p.transition(trx, 'CANCELLED', { bookingId: d.bookingId, userId: d.userId, matchId: d.matchId, at }))) gap(event, d.bookingId);
    } else if (isEvent(event, 'booking.expired.v1')) {
      const d = event.data;
      if (!(await p.transition(trx, 'EXPIRED', { bookingId: d.bookingId, userId: d.userId, matchId: d.matchId, at }))) gap(event, d.bookingId);
    } else if (isEvent(event, 'booking.reversed.v1')) {
      const d = event.data;
      await p.transition(trx, 'REVERSED', { bookingId: d.bookingId, userId: d.userId, matchId: d.matchId, at });
    } else if (isEvent(event, 'booking.modified.v1')) {
      const d = event.data;
      if (!(await p.setAmount(trx, d.bookingId, d.amount, d.currency, at))) gap(event, d.bookingId);
    } else if (isEvent(event, 'modification.dropped.v1')) {
      // The change did not happen: the booking's total is the one it had before.
      const d = event.data;
      if (!(await p.setAmount(trx, d.bookingId, d.amount, d.currency, at))) gap(event, d.bookingId);
    } else if (isEvent(event, 'payment.authorized.v1')) {
      const d = event.data;
      await p.authorized(trx, { paymentId: d.paymentId, bookingId: d.bookingId, intentId: d.intentId, payerId: d.payerId, amount: d.amount, currency: d.currency, at });
    } else if (isEvent(event, 'payment.captured.v1')) {
      const d = event.data;
      await p.captured(trx, {
        paymentId: d.paymentId,
        bookingId: d.bookingId,
        intentId: d.intentId,
        payerId: d.payerId,
        amount: d.amount,
        currency: d.currency,
        bookingCaptured: d.bookingCaptured,
        bookingCurrency: d.bookingCurrency,
        at,
      });
    } else if (isEvent(event, 'payment.refunded.v1')) {
      const d = event.data;
      await p.refunded(trx, { paymentId: d.paymentId, bookingId: d.bookingId, amount: d.amount, currency: d.currency, bookingRefunded: d.bookingRefunded, at });
    } else if (isEvent(event, 'payment.succeeded.v1')) {
      await p.paymentSucceeded(trx, event.data.bookingId, event.data.amount, at);
    } else if (isEvent(event, 'payment.closed.v1')) {
      await p.paymentClosed(trx, event.data.bookingId, event.data.reason, at);
    } else if (isEvent(event, 'payment.reversed.v1')) {
      await p.paymentStatus(trx, event.data.paymentId, 'reversed', at);
    } else if (isEvent(event, 'dispute.opened.v1')) {
      if (!(await p.setDisputed(trx, event.data.bookingId, true, at))) gap(event, event.data.bookingId);
    } else if (isEvent(event, 'dispute.closed.v1')) {
      if (!(await p.setDisputed(trx, event.data.bookingId, false, at))) gap(event, event.data.bookingId);
    }
  };
}

export type ProjectEvent = ReturnType<typeof makeProjectEvent>;
