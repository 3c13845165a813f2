import { DomainError, type EventData, type MatchdayEvent } from '@matchday/contracts';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import type { DeliveryMatch, NotificationsRepository } from '../db/notifications.repository';
import { enqueueNotificationEvents } from '../db/notification-events';
import type { UsersRepository } from '../db/users.repository';
import {
  applyReport,
  fallbackChannel,
  sendgridReport,
  twilioReport,
  type Channel,
  type ProviderReport,
} from '../domain';
import { metrics } from './metrics';

export interface ReportDeps {
  notifications: NotificationsRepository;
  users: UsersRepository;
  /** Whether a channel has a provider able to send now (configured, breaker not open). */
  channelAvailable: (c: Channel) => boolean;
  logger: Logger;
  /** A report about a delivery not recorded yet is retried while it is younger than this. */
  unknownRetryWindowMs?: number;
}

type ReportEvent = MatchdayEvent<'twilio.message.status.v1'> | MatchdayEvent<'sendgrid.event.v1'>;

const EVENT_OF = {
  delivered: 'notification.delivered.v1',
  failed: 'notification.failed.v1',
  bounced: 'notification.bounced.v1',
} as const;

/**
 * Applies a provider's delivery report (a Twilio status callback, a SendGrid event) to the delivery
 * and its notification: delivered, failed (undelivered SMS, dropped email) or bounced, each a
 * `notification.*` event. Duplicates and late reports change nothing. An SMS that did not arrive
 * falls back to email, like a send that failed.
 */
export function makeRecordProviderReport(deps: ReportDeps) {
  const { notifications, users, logger } = deps;
  const retryWindowMs = deps.unknownRetryWindowMs ?? 120_000;

  async function find(
    trx: Knex.Transaction,
    event: ReportEvent,
  ): Promise<{ match?: DeliveryMatch; report: ProviderReport; provider: string }> {
    if (event.type === 'twilio.message.status.v1') {
      const d = event.data as EventData<'twilio.message.status.v1'>;
      const report = twilioReport(d.status, d.errorCode);
      if (report.kind === 'progress') return { report, provider: 'twilio' };
      const match = await notifications.findDelivery(trx, { provider: 'twilio', externalId: d.messageSid });
      return { ...(match && { match }), report, provider: 'twilio' };
    }
    const d = event.data as EventData<'sendgrid.event.v1'>;
    const report = sendgridReport(d.event, d.payload);
    if (report.kind === 'progress') return { report, provider: 'sendgrid' };
    const deliveryId = typeof d.payload.delivery_id === 'string' ? d.payload.delivery_id : undefined;
    const match =
      deliveryId && /^[0-9a-f-]{36}$/i.test(deliveryId)
        ? await notifications.findDelivery(trx, { deliveryId })
        : undefined;
    return { ...(match && { match }), report, provider: 'sendgrid' };
  }

  return async function recordProviderReport(trx: Knex.Transaction, event: ReportEvent): Promise<void> {
    const { match, report, provider } = await find(trx, event);
    if (report.kind === 'progress') {
      metrics.reports.inc({ provider, outcome: 'progress' });
      return;
    }
    if (!match) {
      const age = Date.now() - Date.parse(event.data.receivedAt);
      if (age < retryWindowMs) {
        // The provider can report before our own record of the send is committed: try again shortly.
        throw new DomainError(
          'DELIVERY_NOT_RECORDED_YET',
          { eventId: event.id },
          `no delivery yet for ${provider} report ${event.id}`,
        );
      }
      metrics.reports.inc({ provider, outcome: 'unknown' });
      logger.warn('provider report for an unknown delivery ignored', {
        provider,
        eventId: event.id,
        eventType: event.type,
      });
      return;
    }
    const next = applyReport(match.status, report);
    const deliveryStatus = report.kind;
    if (match.deliveryStatus !== deliveryStatus) {
      await notifications.setDeliveryStatus(
        trx,
        match.deliveryId,
        deliveryStatus,
        report.kind === 'delivered' ? null : report.reason,
      );
    }
    if (!next) {
      metrics.reports.inc({ provider, outcome: 'unchanged' });
      return;
    }
    const reason = report.kind === 'delivered' ? null : report.reason;
    let fallbackTo: Channel | undefined;
    if (next === 'failed' || next === 'bounced') {
      // A user who hears about the event on another channel already needs no fallback.
      const elsewhere = await notifications.reachedElsewhere(trx, [
        { eventId: match.eventId, userId: match.userId, channel: match.channel },
      ]);
      const reach =
        elsewhere.size > 0 ? undefined : (await users.reachability(trx, [match.userId])).get(match.userId);
      fallbackTo = reach ? fallbackChannel(match.channel, reach, deps.channelAvailable) : undefined;
      if (fallbackTo) {
        await notifications.createFallbacks(trx, [
          { eventId: match.eventId, userId: match.userId, channel: fallbackTo, fromId: match.notificationId },
        ]);
      }
    }
    await notifications.setStatus(trx, match.notificationId, next, reason, fallbackTo ?? null);
    await enqueueNotificationEvents(trx, EVENT_OF[report.kind], [
      {
        notificationId: match.notificationId,
        deliveryId: match.deliveryId,
        userId: match.userId,
        channel: match.channel,
        provider: match.provider,
        sourceEventType: match.eventType,
        sourceEventId: match.eventId,
        ...(reason && { reason: fallbackTo ? `${reason}; falling back to ${fallbackTo}` : reason }),
      },
    ]);
    metrics.reports.inc({ provider, outcome: 'applied' });
    if (next === 'delivered') {
      metrics.delivered.inc({ channel: match.channel, provider: match.provider });
      metrics.latency.observe(
        { channel: match.channel, provider: match.provider, stage: 'delivered' },
        (Date.now() - match.occurredAt.getTime()) / 1000,
      );
    } else {
      metrics.failed.inc({
        channel: match.channel,
        provider: match.provider,
        reason: next === 'bounced' ? 'bounced' : 'undelivered',
      });
      if (fallbackTo) metrics.fallbacks.inc({ kind: 'channel', from: match.channel, to: fallbackTo });
      logger.warn('provider reported a message as not delivered', {
        provider,
        notificationId: match.notificationId,
        status: next,
        reason,
        fallbackTo,
      });
    }
  };
}

export type RecordProviderReport = ReturnType<typeof makeRecordProviderReport>;
