import { counter, histogram } from '@matchday/observability';

/** Provider payment attempts when they end (REQUIRED_METRICS.md): succeeded, declined, failed, canceled. */
export const attempts = counter({
  name: 'payment_attempts_total',
  help: 'Provider payment attempts (one per idempotency key …:attempt:<n>) by how they ended: succeeded, declined, failed, canceled',
  labelNames: ['outcome'],
});

/** From payment consuming booking.created to payment.succeeded or payment.failed. */
export const processing = histogram({
  name: 'payment_processing_duration_seconds',
  help: 'Payment processing time: booking.created consumed → payment.succeeded (succeeded) or payment.failed (failed)',
  labelNames: ['outcome'],
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800],
});

export const refunds = counter({
  name: 'payment_refunds_total',
  help: 'Refunds issued (succeeded at the provider), by reason',
  labelNames: ['reason'],
});

export const refundFailures = counter({
  name: 'payment_refund_failures_total',
  help: 'Refunds the provider refused or failed (need a person), by reason',
  labelNames: ['reason'],
});

export const disputes = counter({
  name: 'payment_disputes_total',
  help: 'Disputes and bank reversals by stage: opened, won, lost, bank_reversal',
  labelNames: ['outcome'],
});

export const jobOutcomes = counter({
  name: 'payment_jobs_total',
  help: 'Provider work items by kind and outcome: done, deferred (provider unavailable, retried later), retried (unexpected error), failed',
  labelNames: ['kind', 'outcome'],
});

export const deferrals = counter({
  name: 'payment_deferred_total',
  help: 'Payments deferred because Stripe was unavailable (breaker open, timeouts, 5xx, 429)',
  labelNames: ['reason'],
});

export const unmatched = counter({
  name: 'payment_provider_events_unmatched_total',
  help: 'Stripe events for no payment of ours, by what was done: resynced (the intent is re-read), ignored',
  labelNames: ['action'],
});

export const doubts = counter({
  name: 'payment_provider_resyncs_total',
  help: 'Times payment re-read an intent because the provider facts and its records disagreed, by trigger',
  labelNames: ['trigger'],
});
