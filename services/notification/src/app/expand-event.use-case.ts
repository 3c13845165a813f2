import { DomainError, type EventData, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { NotificationsRepository } from '../db/notifications.repository';
import type { BookingView, MatchView, ProjectionsRepository } from '../db/projections.repository';
import type { Recipient, UsersRepository } from '../db/users.repository';
import {
  catalogueEntry,
  channelsFor,
  isNotified,
  type Channel,
  type NotifiedEventType,
  type ReversalHandler,
  type TemplateContext,
} from '../domain';
import { metrics } from './metrics';

export interface ExpandDeps {
  projections: ProjectionsRepository;
  users: UsersRepository;
  notifications: NotificationsRepository;
  defaultChannels: readonly Channel[];
  logger: Logger;
}

type Trx = Knex.Transaction;
type Data<T extends NotifiedEventType> = EventData<T>;

function matchContext(match: MatchView | undefined): TemplateContext {
  if (!match) return {};
  return {
    matchId: match.matchId,
    ...(match.title && { matchTitle: match.title }),
    ...(match.venue && { venue: match.venue }),
    ...(match.kickoffAt && { kickoffAt: match.kickoffAt }),
  };
}

/**
 * Turns a platform event into notifications, in the consumer's transaction (so with its inbox row:
 * a redelivered event creates nothing): finds the recipients (the event's user, the booking's owner
 * or every current booker of the match), picks each one's channels from their addresses and
 * preferences, records what they are told once, and creates one pending notification per
 * (event, user, channel). The dispatchers send them.
 */
export function makeExpandEvent(deps: ExpandDeps) {
  const { projections, users, notifications } = deps;

  async function bookingOf(trx: Trx, bookingId: string, required: boolean): Promise<BookingView | undefined> {
    const booking = await projections.booking(trx, bookingId);
    if (!booking && required) {
      // Payment events travel on another topic than the booking's own: the booking may just not be
      // here yet. Throwing sends the event through the retry topics.
      throw new DomainError('BOOKING_UNKNOWN', { bookingId }, `booking ${bookingId} is not known (yet)`);
    }
    return booking;
  }

  async function bookingContext(
    trx: Trx,
    bookingId: string,
    required: boolean,
  ): Promise<{ owner?: string; ctx: TemplateContext }> {
    const booking = await bookingOf(trx, bookingId, required);
    const match = booking ? await projections.match(trx, booking.matchId) : undefined;
    return {
      ...(booking && { owner: booking.userId }),
      ctx: { bookingId, ...(booking?.quantity && { quantity: booking.quantity }), ...matchContext(match) },
    };
  }

  /** Who is told, and what they are told. */
  async function resolve(
    trx: Trx,
    event: MatchdayEvent,
  ): Promise<{ recipients: Recipient[]; context: TemplateContext } | undefined> {
    const type = event.type as NotifiedEventType;
    switch (type) {
      case 'booking.confirmed.v1': {
        const d = event.data as Data<'booking.confirmed.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return {
          recipients: await users.recipients(trx, [d.userId]),
          context: { ...ctx, quantity: d.quantity, amount: d.amount, currency: d.currency },
        };
      }
      case 'booking.cancelled.v1': {
        const d = event.data as Data<'booking.cancelled.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return {
          recipients: await users.recipients(trx, [d.userId]),
          context: { ...ctx, reason: d.reason, amount: d.refundAmount, currency: d.currency },
        };
      }
      case 'booking.expired.v1': {
        const d = event.data as Data<'booking.expired.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return { recipients: await users.recipients(trx, [d.userId]), context: { ...ctx, reason: d.reason } };
      }
      case 'booking.reversed.v1': {
        const d = event.data as Data<'booking.reversed.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return {
          recipients: await users.recipients(trx, [d.userId]),
          context: { ...ctx, reason: d.reason, amount: d.amount, currency: d.currency },
        };
      }
      case 'transfer.requested.v1': {
        const d = event.data as Data<'transfer.requested.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return { recipients: await users.recipients(trx, [d.toUserId]), context: ctx };
      }
      case 'transfer.accepted.v1': {
        const d = event.data as Data<'transfer.accepted.v1'>;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return { recipients: await users.recipients(trx, [d.fromUserId, d.toUserId]), context: ctx };
      }
      case 'match.rescheduled.v1': {
        const d = event.data as Data<'match.rescheduled.v1'>;
        const match = await projections.match(trx, d.matchId);
        return {
          recipients: await users.matchBookers(trx, d.matchId),
          context: {
            ...matchContext(match),
            matchId: d.matchId,
            kickoffAt: d.kickoffAt,
            previousKickoffAt: d.previousKickoffAt,
            ...(d.venue && { venue: d.venue }),
          },
        };
      }
      case 'match.cancelled.v1': {
        const d = event.data as Data<'match.cancelled.v1'>;
        const match = await projections.match(trx, d.matchId);
        return {
          recipients: await users.matchBookers(trx, d.matchId),
          context: { ...matchContext(match), matchId: d.matchId, reason: d.reason },
        };
      }
      case 'payment.failed.v1': {
        // With a modificationId the booking's owner is told that change was not made (its own
        // template, see catalogueEntry); the context is the same.
        const d = event.data as Data<'payment.failed.v1'>;
        const { owner, ctx } = await bookingContext(trx, d.bookingId, true);
        return { recipients: await users.recipients(trx, [owner!]), context: { ...ctx, reason: d.reason } };
      }
      case 'modification.dropped.v1': {
        const d = event.data as Data<'modification.dropped.v1'>;
        // A FAILED drop is news already: the failed extra charge was told by its payment.failed, a
        // booking that left CONFIRMED by its own message. Only a change whose extra payment did not
        // arrive before its deadline would otherwise lapse in silence.
        if (d.status !== 'EXPIRED') return undefined;
        // The projection is already back where the booking was (record-projection runs first).
        const { owner, ctx } = await bookingContext(trx, d.bookingId, false);
        return { recipients: await users.recipients(trx, [owner ?? d.userId]), context: ctx };
      }
      case 'payment.refunded.v1': {
        const d = event.data as Data<'payment.refunded.v1'>;
        const { owner, ctx } = await bookingContext(trx, d.bookingId, true);
        return {
          recipients: await users.recipients(trx, [owner!]),
          context: { ...ctx, reason: d.reason, amount: d.amount, currency: d.currency },
        };
      }
      case 'payment.requoted.v1': {
        const d = event.data as Data<'payment.requoted.v1'>;
        const { owner, ctx } = await bookingContext(trx, d.bookingId, true);
        // The share's payer confirms the new amount; a payer without an account of their own is
        // reached through the booking's owner.
        const payer = (await projections.payerUser(trx, d.bookingId, d.payerId)) ?? owner!;
        return {
          recipients: await users.recipients(trx, [payer]),
          context: {
            ...ctx,
            paymentId: d.paymentId,
            amount: d.amount,
            currency: d.currency,
            expiresAt: d.expiresAt,
          },
        };
      }
      case 'payment.reversed.v1': {
        const d = event.data as Data<'payment.reversed.v1'>;
        const { owner, ctx } = await bookingContext(trx, d.bookingId, true);
        return {
          recipients: await users.recipients(trx, [owner!]),
          context: { ...ctx, reason: d.reason, amount: d.amount, currency: d.currency },
        };
      }
      case 'dispute.opened.v1': {
        const d = event.data as Data<'dispute.opened.v1'>;
        const { owner, ctx } = await bookingContext(trx, d.bookingId, true);
        return {
          recipients: await users.recipients(trx, [owner!]),
          context: { ...ctx, reason: d.reason, amount: d.amount, currency: d.currency },
        };
      }
      case 'fraud.assessed.v1': {
        const d = event.data as Data<'fraud.assessed.v1'>;
        // Only a block is news for the user; allow and review change nothing they can see.
        if (d.decision !== 'block') return undefined;
        const { ctx } = await bookingContext(trx, d.bookingId, false);
        return { recipients: await users.recipients(trx, [d.userId]), context: ctx };
      }
    }
  }

  async function expandEvent(trx: Trx, event: MatchdayEvent): Promise<number> {
    if (!isNotified(event.type)) return 0;
    const entry = catalogueEntry({ type: event.type, data: event.data });
    const resolved = await resolve(trx, event);
    if (!resolved) return 0;
    const rows: Array<{ userId: string; channel: Channel }> = [];
    let unreachable = 0;
    for (const r of resolved.recipients) {
      const channels = channelsFor(r.reach, r.prefs, entry.critical, deps.defaultChannels);
      if (channels.length === 0) unreachable++;
      for (const channel of channels) rows.push({ userId: r.userId, channel });
    }
    const fresh = await notifications.saveSourceEvent(trx, {
      eventId: event.id,
      type: event.type,
      subject: event.subject,
      template: entry.template,
      critical: entry.critical,
      context: resolved.context,
      occurredAt: event.time,
      recipients: resolved.recipients.length,
    });
    if (!fresh) return 0;
    const created = await notifications.createNotifications(trx, event.id, rows);
    metrics.eventsExpanded.inc({ event_type: event.type });
    for (const channel of ['email', 'sms', 'push'] as const) {
      const n = rows.filter((r) => r.channel === channel).length;
      if (n > 0) metrics.notificationsCreated.inc({ event_type: event.type, channel }, n);
    }
    if (unreachable > 0) {
      metrics.unreachable.inc({ event_type: event.type }, unreachable);
      deps.logger.info('recipients without a channel to reach them', {
        eventId: event.id,
        eventType: event.type,
        unreachable,
      });
    }
    deps.logger.info('event expanded into notifications', {
      eventId: event.id,
      eventType: event.type,
      recipients: resolved.recipients.length,
      notifications: created,
    });
    return created;
  }

  return {
    expandEvent,
    /**
     * The seed's ReversalHandler for one reversal event: `notifyUserOfReversal(bookingId)` tells the
     * booking's owner, always (critical), inside the transaction the event is applied in.
     */
    reversalHandler(trx: Trx, event: MatchdayEvent<'payment.reversed.v1'>): ReversalHandler {
      return {
        async notifyUserOfReversal(bookingId) {
          if (bookingId !== event.data.bookingId)
            throw new Error(`reversal event ${event.id} is about booking ${event.data.bookingId}`);
          await expandEvent(trx, event);
        },
      };
    },
  };
}

export type ExpandEvent = ReturnType<typeof makeExpandEvent>;
