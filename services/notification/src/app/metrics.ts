import { counter, gauge, histogram } from '@matchday/observability';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

/** The notification service's own metrics (Prometheus names; see HOUSE_STYLE.md). */
export const metrics = {
  eventsExpanded: counter({
    name: 'notification_events_expanded_total',
    help: 'Platform events turned into notifications, by event type',
    labelNames: ['event_type'],
  }),
  notificationsCreated: counter({
    name: 'notification_notifications_created_total',
    help: 'Notifications created (one per event, user and channel), by event type and channel',
    labelNames: ['event_type', 'channel'],
  }),
  unreachable: counter({
    name: 'notification_recipients_unreachable_total',
    help: 'Recipients of an event with no channel to reach them (no address, or opted out of non-critical messages)',
    labelNames: ['event_type'],
  }),
  sent: counter({
    name: 'notification_sent_total',
    help: 'Notifications a provider accepted, by channel and provider',
    labelNames: ['channel', 'provider'],
  }),
  delivered: counter({
    name: 'notification_delivered_total',
    help: 'Notifications the provider reported delivered (Twilio status callbacks, SendGrid events)',
    labelNames: ['channel', 'provider'],
  }),
  failed: counter({
    name: 'notification_failed_total',
    help: 'Notifications that failed on their channel: rejected (bad address), unavailable (providers down), gave_up, bounced, undelivered',
    labelNames: ['channel', 'provider', 'reason'],
  }),
  fallbacks: counter({
    name: 'notification_fallback_total',
    help: 'Fallbacks used: to a channel’s second provider (kind=provider) or to the next channel (kind=channel)',
    labelNames: ['kind', 'from', 'to'],
  }),
  retries: counter({
    name: 'notification_retries_total',
    help: 'Notifications put back in the queue: rate_limited (provider said slow down) or unavailable (no provider and no fallback)',
    labelNames: ['channel', 'reason'],
  }),
  providerCalls: counter({
    name: 'notification_provider_calls_total',
    help: 'API calls to providers by outcome: ok, unavailable, rate_limited, refused, breaker_open',
    labelNames: ['provider', 'outcome'],
  }),
  providerCallDuration: histogram({
    name: 'notification_provider_call_duration_seconds',
    help: 'Duration of one provider API call (one request, or one sendEach of up to 500 messages)',
    labelNames: ['provider'],
  }),
  providerSkipped: counter({
    name: 'notification_provider_skipped_total',
    help: 'Messages not offered to a provider because its circuit breaker was open',
    labelNames: ['provider'],
  }),
  rateLimitWait: histogram({
    name: 'notification_rate_limit_wait_seconds',
    help: 'Time spent waiting for tokens from a provider’s shared bucket before a call',
    labelNames: ['provider'],
    buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  rateLimited: counter({
    name: 'notification_provider_rate_limited_total',
    help: '429s (or throttling answers) received from providers; the bucket is paused until their reset',
    labelNames: ['provider'],
  }),
  latency: histogram({
    name: 'notification_delivery_latency_seconds',
    help: 'Time from the platform event to the provider accepting (stage=accepted) or delivering (stage=delivered) the message',
    labelNames: ['channel', 'provider', 'stage'],
    buckets: LATENCY_BUCKETS,
  }),
  devicesRemoved: counter({
    name: 'notification_devices_removed_total',
    help: 'Devices dropped because the provider said their token or subscription is gone',
    labelNames: ['provider'],
  }),
  reports: counter({
    name: 'notification_provider_reports_total',
    help: 'Provider delivery reports by outcome: applied, unchanged (duplicate or late), unknown (no such delivery)',
    labelNames: ['provider', 'outcome'],
  }),
  queuePending: gauge({
    name: 'notification_queue_pending',
    help: 'Notifications waiting to be sent, by channel',
    labelNames: ['channel'],
  }),
  queueLag: gauge({
    name: 'notification_queue_lag_seconds',
    help: 'How long the oldest due notification has been waiting, by channel',
    labelNames: ['channel'],
  }),
  claimsExpired: counter({
    name: 'notification_claims_expired_total',
    help: 'Claimed notifications handed back to the queue because their worker did not finish within the lease',
  }),
  taskFailures: counter({
    name: 'notification_task_failures_total',
    help: 'Background task failures (dispatch batch, lease sweep, queue metrics), retried on the next round',
    labelNames: ['task'],
  }),
};
