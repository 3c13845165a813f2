import { counter, gauge, histogram } from '@matchday/observability';

/** Fraud's domain metrics (Prometheus names; see HOUSE_STYLE.md for the naming rules). */
export const fraudMetrics = {
  /** From the booking event's time to the decision being written: the p99 goal is 50 ms. */
  decisionDuration: histogram({
    name: 'fraud_decision_duration_seconds',
    help: 'Time from the triggering event (its CloudEvents time) to the fraud decision being committed to the outbox',
    labelNames: ['trigger'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  /** Time spent computing one assessment inside fraud (queries and rules), excluding transit. */
  assessmentDuration: histogram({
    name: 'fraud_assessment_duration_seconds',
    help: 'Time fraud spends scoring one booking (signal queries, rules, lists)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  }),
  decisions: counter({ name: 'fraud_decisions_total', help: 'Fraud decisions (assessments and manual flags) by decision', labelNames: ['decision'] }),
  ruleHits: counter({ name: 'fraud_rule_hits_total', help: 'Rules that fired in an assessment, by rule id', labelNames: ['rule'] }),
  signals: counter({ name: 'fraud_signals_recorded_total', help: 'Signals recorded from consumed events, by kind', labelNames: ['kind'] }),
  reviewsResolved: counter({
    name: 'fraud_reviews_resolved_total',
    help: 'Reviews resolved, by outcome (approved, rejected, timed_out)',
    labelNames: ['outcome'],
  }),
  reviewsPending: gauge({ name: 'fraud_reviews_pending', help: 'Reviews waiting for a person (sampled by the review sweeper)' }),
  rulesVersion: gauge({ name: 'fraud_rules_version', help: 'Rule-set version this instance decides with' }),
  paymentMethodChecks: counter({
    name: 'fraud_payment_method_checks_total',
    help: 'validatePaymentMethod answers, by outcome (valid, invalid)',
    labelNames: ['outcome'],
  }),
  flags: counter({ name: 'fraud_flags_total', help: 'Bookings flagged as suspicious' }),
  duplicates: counter({
    name: 'fraud_duplicate_bookings_total',
    help: 'booking.created events for bookings already assessed (re-published events), ignored',
  }),
  failures: counter({
    name: 'fraud_background_failures_total',
    help: 'Failures of background tasks, by task (rules_reload, review_sweep, signal_prune)',
    labelNames: ['task'],
  }),
};
