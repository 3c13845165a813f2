import { randomUUID } from 'node:crypto';
import type { Knex } from '@matchday/db';
import type { Logger } from '@matchday/observability';
import { isBreakerOpen } from '@matchday/resilience';
import type {
  ClaimedNotification,
  DeliveryRow,
  NotificationsRepository,
  SourceEventInfo,
} from '../db/notifications.repository';
import { enqueueNotificationEvents, type NotificationEventData } from '../db/notification-events';
import type { PushDevice, UsersRepository } from '../db/users.repository';
import {
  fallbackChannel,
  nextStep,
  renderMessage,
  formattingLocale,
  type Channel,
  type ProviderName,
  type RenderedMessage,
  type SendFailure,
} from '../domain';
import { metrics } from './metrics';
import {
  ProviderRateLimited,
  ProviderRefused,
  type EmailMessage,
  type MessageOf,
  type MessageResult,
  type ProviderPort,
  type ProviderRateLimiter,
  type PushMessage,
  type SmsMessage,
} from './ports';

/** A provider as the dispatcher uses it: its port, called through its circuit breaker. */
export interface ProviderLink<M extends { id: string }> {
  port: ProviderPort<M>;
  fire(call: M[]): Promise<MessageResult[]>;
  /** False while the breaker is open: the provider is skipped for the next one in the chain. */
  available(): boolean;
}

export type ProviderLinks = { [C in Channel]: Array<ProviderLink<MessageOf[C]>> };

export interface DispatchDeps {
  db: Knex;
  notifications: NotificationsRepository;
  users: UsersRepository;
  links: ProviderLinks;
  limiter: ProviderRateLimiter;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  /** Calls in flight at once within one batch. */
  sendConcurrency: number;
  signal?: AbortSignal;
}

/** One claimed notification on its way through the providers of its channel. */
interface Item {
  n: ClaimedNotification;
  message: RenderedMessage | undefined;
  sentVia?: ProviderName;
  failure?: SendFailure;
  triedProviders: ProviderName[];
}

const HOPE: Record<SendFailure['kind'], number> = { rejected: 0, unavailable: 1, rate_limited: 2 };

/** Keeps the failure that leaves the most hope: a rate limit (wait) over an outage (retry) over a refused address. */
function worse(a: SendFailure | undefined, b: SendFailure): SendFailure {
  return !a || HOPE[b.kind] >= HOPE[a.kind] ? b : a;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const NO_ADDRESS: Record<Channel, string> = {
  email: 'no email address',
  sms: 'no phone number',
  push: 'no registered device',
};

/**
 * The dispatcher's unit of work (the seed's "batch similar notifications" and "fallback
 * mechanisms"): claims up to `limit` due notifications of a channel, renders each event once per
 * locale, offers them to the channel's providers in order — batched per call (SendGrid 1000
 * personalizations of identical content, FCM 500 messages), paced by the providers' shared token
 * buckets, through their circuit breakers (an open one is skipped) — and records the outcome in one
 * transaction: deliveries, sent / rescheduled / failed notifications, a fallback notification on the
 * next channel (push → SMS → email) when the channel could not take it, and their events.
 * Returns how many notifications it claimed.
 */
export function makeDispatchNotifications(deps: DispatchDeps) {
  const { db, notifications, users, logger } = deps;
  // What every recipient of an event is told never changes: kept for the next batches.
  const sourceEvents = new Map<string, SourceEventInfo>();

  const channelAvailable = (c: Channel): boolean =>
    (deps.links[c] as Array<{ available(): boolean }>).some((l) => l.available());

  /** Offers the items still unsent to one provider, in calls; returns the delivery rows to record. */
  async function offer<M extends { id: string; notificationId: string }>(
    link: ProviderLink<M>,
    items: Item[],
    messagesFor: (item: Item) => M[],
    contentKey: (item: Item) => string,
    deviceOf: (m: M) => string | null,
    dropped: Set<string>,
  ): Promise<DeliveryRow[]> {
    const name = link.port.name;
    const byId = new Map<string, Item>();
    const groups = new Map<string, M[]>();
    for (const item of items) {
      const msgs = messagesFor(item);
      if (msgs.length === 0) continue;
      byId.set(item.n.id, item);
      const key = link.port.sameContentPerCall ? contentKey(item) : '';
      const list = groups.get(key) ?? [];
      list.push(...msgs);
      groups.set(key, list);
    }
    if (byId.size === 0) return [];
    for (const item of byId.values()) {
      const previous = item.triedProviders[item.triedProviders.length - 1];
      if (previous) metrics.fallbacks.inc({ kind: 'provider', from: previous, to: name });
      item.triedProviders.push(name);
    }
    if (!link.available()) {
      metrics.providerSkipped.inc({ provider: name }, byId.size);
      for (const item of byId.values())
        item.failure = worse(item.failure, { kind: 'unavailable', reason: `${name} circuit breaker open` });
      return [];
    }
    const calls: M[][] = [];
    for (const list of groups.values()) {
      for (let i = 0; i < list.length; i += link.port.maxPerCall)
        calls.push(list.slice(i, i + link.port.maxPerCall));
    }
    const rows: DeliveryRow[] = [];
    const perItem = new Map<string, MessageResult[]>();
    const concurrency = link.port.maxPerCall > 1 ? Math.min(2, deps.sendConcurrency) : deps.sendConcurrency;
    await mapLimit(calls, concurrency, async (call) => {
      let results: MessageResult[];
      const started = process.hrtime.bigint();
      try {
        const waited = await deps.limiter.take(name, link.port.cost(call), deps.signal);
        metrics.rateLimitWait.observe({ provider: name }, waited / 1000);
      } catch (e) {
        // Shutting down, or Redis unreachable: without the shared limit nothing is sent; the
        // messages go back to the queue untouched.
        const reason = deps.signal?.aborted
          ? 'dispatcher stopping'
          : `rate limiter unavailable: ${(e as Error).message}`;
        if (!deps.signal?.aborted) {
          metrics.taskFailures.inc({ task: 'rate_limiter' });
          logger.error('rate limiter unavailable; messages go back to the queue', { provider: name, err: e });
        }
        results = call.map((m) => ({
          id: m.id,
          ok: false,
          failure: 'rate_limited',
          reason,
          retryAfterMs: deps.signal?.aborted ? 0 : 1000,
        }));
        collect(call, results);
        return;
      }
      try {
        results = await link.fire(call);
        metrics.providerCalls.inc({ provider: name, outcome: 'ok' });
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        if (e instanceof ProviderRateLimited) {
          metrics.providerCalls.inc({ provider: name, outcome: 'rate_limited' });
          metrics.rateLimited.inc({ provider: name });
          await deps.limiter.pause(name, e.retryAfterMs);
          logger.warn('provider rate limit hit; its bucket is paused until the reset', {
            provider: name,
            retryAfterMs: e.retryAfterMs,
          });
          results = call.map((m) => ({
            id: m.id,
            ok: false,
            failure: 'rate_limited',
            reason,
            retryAfterMs: e.retryAfterMs,
          }));
        } else if (isBreakerOpen(e)) {
          metrics.providerCalls.inc({ provider: name, outcome: 'breaker_open' });
          metrics.providerSkipped.inc({ provider: name }, call.length);
          results = call.map((m) => ({
            id: m.id,
            ok: false,
            failure: 'unavailable',
            reason: `${name} circuit breaker open`,
          }));
        } else {
          const outcome = e instanceof ProviderRefused ? 'refused' : 'unavailable';
          metrics.providerCalls.inc({ provider: name, outcome });
          logger.warn('provider call failed; the next provider or channel takes over', {
            provider: name,
            outcome,
            messages: call.length,
            reason,
          });
          results = call.map((m) => ({ id: m.id, ok: false, failure: 'unavailable', reason }));
        }
      }
      metrics.providerCallDuration.observe(
        { provider: name },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      collect(call, results);
    });
    function collect(call: M[], results: MessageResult[]): void {
      const byMessage = new Map(call.map((m) => [m.id, m]));
      for (const r of results) {
        const m = byMessage.get(r.id);
        if (!m) continue;
        const list = perItem.get(m.notificationId) ?? [];
        list.push(r);
        perItem.set(m.notificationId, list);
        const deviceId = deviceOf(m);
        if (!r.ok && r.dropDevice && deviceId) dropped.add(deviceId);
        if (r.ok || (r.failure !== 'rate_limited' && !/circuit breaker open/.test(r.reason))) {
          rows.push({
            id: m.id,
            notificationId: m.notificationId,
            provider: name,
            deviceId,
            externalId: r.ok ? r.externalId : null,
            status: r.ok ? 'sent' : 'failed',
            error: r.ok ? null : r.reason.slice(0, 1000),
          });
        }
      }
    }
    for (const [notificationId, results] of perItem) {
      const item = byId.get(notificationId)!;
      if (results.some((r) => r.ok)) {
        item.sentVia = name;
        continue;
      }
      for (const r of results) {
        if (r.ok) continue;
        const failure: SendFailure =
          r.failure === 'rate_limited'
            ? {
                kind: 'rate_limited',
                retryAt: new Date(Date.now() + (r.retryAfterMs ?? 1000)),
                reason: r.reason,
              }
            : { kind: r.failure, reason: r.reason };
        item.failure = worse(item.failure, failure);
      }
    }
    return rows;
  }

  return async function dispatchNotifications(channel: Channel, limit: number): Promise<number> {
    if (sourceEvents.size > 5000) sourceEvents.clear();
    const claimed = await notifications.claim(db, channel, limit, sourceEvents);
    if (claimed.length === 0) return 0;
    const rendered = new Map<string, RenderedMessage>();
    const render = (n: ClaimedNotification): RenderedMessage => {
      const key = `${n.eventId}|${formattingLocale(n.locale)}`;
      let r = rendered.get(key);
      if (!r) {
        r = renderMessage(n.template, n.locale, n.context);
        rendered.set(key, r);
      }
      return r;
    };
    const contentKey = (item: Item) => `${item.n.eventId}|${formattingLocale(item.n.locale)}`;
    const items: Item[] = claimed.map((n) => ({ n, message: undefined, triedProviders: [] }));
    const deliveries: DeliveryRow[] = [];
    const dropped = new Set<string>();
    const still = (item: Item) => !item.sentVia && item.failure?.kind !== 'rate_limited';

    if (channel === 'email') {
      for (const item of items) {
        if (item.n.email) item.message = render(item.n);
        else item.failure = { kind: 'rejected', reason: NO_ADDRESS.email };
      }
      const toEmail = (item: Item): EmailMessage[] =>
        item.message && item.n.email
          ? [{ id: randomUUID(), notificationId: item.n.id, to: item.n.email, ...item.message.email }]
          : [];
      for (const link of deps.links.email) {
        const open = items.filter((i) => still(i) && i.failure?.kind !== 'rejected');
        deliveries.push(...(await offer(link, open, toEmail, contentKey, () => null, dropped)));
      }
    } else if (channel === 'sms') {
      for (const item of items) {
        if (item.n.phone) item.message = render(item.n);
        else item.failure = { kind: 'rejected', reason: NO_ADDRESS.sms };
      }
      const toSms = (item: Item): SmsMessage[] =>
        item.message && item.n.phone
          ? [{ id: randomUUID(), notificationId: item.n.id, to: item.n.phone, text: item.message.sms.text }]
          : [];
      for (const link of deps.links.sms) {
        const open = items.filter((i) => still(i) && i.failure?.kind !== 'rejected');
        deliveries.push(...(await offer(link, open, toSms, contentKey, () => null, dropped)));
      }
    } else {
      const devices = await users.devicesOf(
        db,
        items.map((i) => i.n.userId),
      );
      const byUser = new Map<string, PushDevice[]>();
      for (const d of devices) {
        const list = byUser.get(d.userId);
        if (list) list.push(d);
        else byUser.set(d.userId, [d]);
      }
      for (const item of items) {
        if (byUser.has(item.n.userId)) item.message = render(item.n);
        else item.failure = { kind: 'rejected', reason: NO_ADDRESS.push };
      }
      const toPush =
        (kind: PushDevice['kind']) =>
        (item: Item): PushMessage[] =>
          item.message
            ? (byUser.get(item.n.userId) ?? [])
                .filter((d) => d.kind === kind && !dropped.has(d.id))
                .map((d) => ({
                  id: randomUUID(),
                  notificationId: item.n.id,
                  deviceId: d.id,
                  token: d.token,
                  subscription: d.subscription,
                  title: item.message!.push.title,
                  body: item.message!.push.body,
                  data: { notificationId: item.n.id, eventId: item.n.eventId, eventType: item.n.eventType },
                }))
            : [];
      for (const link of deps.links.push) {
        // Devices are per provider: FCM tokens and Web Push subscriptions. A user without an FCM
        // device goes straight to Web Push; one whose FCM push failed gets Web Push as the second provider.
        const open = items.filter(still);
        const kind = link.port.name === 'fcm' ? 'fcm' : 'webpush';
        deliveries.push(...(await offer(link, open, toPush(kind), contentKey, (m) => m.deviceId, dropped)));
      }
    }

    // Decide what happens to each notification.
    const now = new Date();
    const sent = items.filter((i) => i.sentVia);
    const unsent = items.filter((i) => !i.sentVia);
    for (const item of unsent)
      item.failure ??= { kind: 'unavailable', reason: `no ${channel} provider configured` };
    const needsFallback = unsent.filter((i) => i.failure!.kind !== 'rate_limited');
    const reach =
      needsFallback.length > 0
        ? await users.reachability(
            db,
            needsFallback.map((i) => i.n.userId),
          )
        : new Map();
    // A user who hears about the event on another channel already needs no fallback.
    const elsewhere =
      needsFallback.length > 0
        ? await notifications.reachedElsewhere(
            db,
            needsFallback.map((i) => ({ eventId: i.n.eventId, userId: i.n.userId, channel })),
          )
        : new Set<string>();
    const retries: Array<{ id: string; at: Date; countsAsAttempt: boolean; reason: string }> = [];
    const fallbacks: Array<{ item: Item; channel: Channel }> = [];
    const givenUp: Array<{ item: Item; reason: string }> = [];
    for (const item of unsent) {
      const failure = item.failure!;
      const r = elsewhere.has(`${item.n.eventId}|${item.n.userId}`) ? undefined : reach.get(item.n.userId);
      const step = nextStep(failure, {
        attempts: item.n.attempts + 1,
        maxAttempts: deps.maxAttempts,
        fallback: r ? fallbackChannel(channel, r, channelAvailable) : undefined,
        now,
        retryBaseMs: deps.retryBaseMs,
      });
      if (step.action === 'retry')
        retries.push({
          id: item.n.id,
          at: step.at,
          countsAsAttempt: step.countsAsAttempt,
          reason: failure.reason,
        });
      else if (step.action === 'fallback') fallbacks.push({ item, channel: step.channel });
      else givenUp.push({ item, reason: step.reason });
    }

    const eventData = (
      item: Item,
      provider: string,
      deliveryId: string | undefined,
      reason?: string,
    ): NotificationEventData => ({
      notificationId: item.n.id,
      deliveryId: deliveryId ?? item.n.id,
      userId: item.n.userId,
      channel,
      provider,
      sourceEventType: item.n.eventType,
      sourceEventId: item.n.eventId,
      ...(reason !== undefined && { reason }),
    });
    const firstDelivery = new Map<string, DeliveryRow>();
    const lastDelivery = new Map<string, DeliveryRow>();
    for (const d of deliveries) {
      if (d.status === 'sent' && !firstDelivery.has(d.notificationId)) firstDelivery.set(d.notificationId, d);
      lastDelivery.set(d.notificationId, d);
    }

    await db.transaction(async (trx) => {
      await notifications.saveDeliveries(trx, deliveries);
      await notifications.markSent(
        trx,
        sent.map((i) => ({ id: i.n.id, provider: i.sentVia! })),
      );
      await enqueueNotificationEvents(
        trx,
        'notification.sent.v1',
        sent.map((i) => eventData(i, i.sentVia!, firstDelivery.get(i.n.id)?.id)),
      );
      await notifications.reschedule(trx, retries);
      if (fallbacks.length > 0) {
        await notifications.createFallbacks(
          trx,
          fallbacks.map(({ item, channel: to }) => ({
            eventId: item.n.eventId,
            userId: item.n.userId,
            channel: to,
            fromId: item.n.id,
          })),
        );
      }
      const failed = [
        ...fallbacks.map(({ item, channel: to }) => ({
          item,
          reason: `${item.failure!.reason}; falling back to ${to}`,
          to,
        })),
        ...givenUp.map(({ item, reason }) => ({ item, reason, to: null })),
      ];
      await notifications.markFailed(
        trx,
        failed.map((f) => ({ id: f.item.n.id, reason: f.reason.slice(0, 1000), fallbackTo: f.to })),
      );
      await enqueueNotificationEvents(
        trx,
        'notification.failed.v1',
        failed.map((f) =>
          eventData(
            f.item,
            lastDelivery.get(f.item.n.id)?.provider ?? f.item.triedProviders.at(-1) ?? 'none',
            lastDelivery.get(f.item.n.id)?.id,
            f.reason,
          ),
        ),
      );
      await users.removeDevices(trx, [...dropped]);
    });

    // Metrics and logs once the outcome is committed.
    const nowMs = Date.now();
    const sentVia = new Map<ProviderName, Item[]>();
    for (const item of sent) {
      const list = sentVia.get(item.sentVia!);
      if (list) list.push(item);
      else sentVia.set(item.sentVia!, [item]);
    }
    for (const [provider, list] of sentVia) {
      metrics.sent.inc({ channel, provider }, list.length);
      const latency = metrics.latency.labels({ channel, provider, stage: 'accepted' });
      for (const item of list) latency.observe((nowMs - item.n.occurredAt.getTime()) / 1000);
    }
    for (const { item, channel: to } of fallbacks) {
      metrics.failed.inc({
        channel,
        provider: item.triedProviders.at(-1) ?? 'none',
        reason: item.failure!.kind,
      });
      metrics.fallbacks.inc({ kind: 'channel', from: channel, to });
    }
    for (const { item } of givenUp) {
      metrics.failed.inc({ channel, provider: item.triedProviders.at(-1) ?? 'none', reason: 'gave_up' });
    }
    for (const r of retries)
      metrics.retries.inc({ channel, reason: r.countsAsAttempt ? 'unavailable' : 'rate_limited' });
    if (dropped.size > 0) {
      for (const d of deliveries)
        if (d.deviceId && dropped.has(d.deviceId)) metrics.devicesRemoved.inc({ provider: d.provider });
      logger.info('devices removed: the provider said their tokens are gone', { count: dropped.size });
    }
    if (fallbacks.length > 0 || givenUp.length > 0 || retries.length > 0) {
      logger.warn('notifications not sent on their channel', {
        channel,
        claimed: claimed.length,
        sent: sent.length,
        fallbacks: fallbacks.length,
        givenUp: givenUp.length,
        retried: retries.length,
        sample: (fallbacks[0]?.item ?? givenUp[0]?.item)?.failure?.reason ?? retries[0]?.reason,
      });
    }
    logger.debug('dispatch batch done', { channel, claimed: claimed.length, sent: sent.length });
    return claimed.length;
  };
}

export type DispatchNotifications = ReturnType<typeof makeDispatchNotifications>;
