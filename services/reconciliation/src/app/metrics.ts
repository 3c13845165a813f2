import { counter, gauge, histogram } from '@matchday/observability';

/** Reconciliation's domain metrics (names and labels as infra/prometheus/REQUIRED_METRICS.md lists them). */
export const reconMetrics = {
  runs: counter({ name: 'reconciliation_runs_total', help: 'Reconciliation runs, by outcome (ok, error)', labelNames: ['outcome'] }),
  runDuration: histogram({
    name: 'reconciliation_run_duration_seconds',
    help: 'Duration of a reconciliation run, provider reads included',
    labelNames: ['outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  }),
  findings: counter({
    name: 'reconciliation_findings_total',
    help: 'Mismatches found (findings opened) between bookings, payments and the provider, by kind',
    labelNames: ['kind'],
  }),
  findingsResolved: counter({
    name: 'reconciliation_findings_resolved_total',
    help: 'Findings resolved, by kind and how (healed: a later run no longer saw it; manual: a person closed it)',
    labelNames: ['kind', 'resolution'],
  }),
  findingsOpen: gauge({ name: 'reconciliation_findings_open', help: 'Findings not yet resolved, by kind', labelNames: ['kind'] }),
  amountAtRisk: gauge({
    name: 'reconciliation_amount_at_risk',
    help: 'Money (minor units) involved in open findings, by currency',
    labelNames: ['currency'],
  }),
  actions: counter({
    name: 'reconciliation_auto_actions_total',
    help: 'Safe resolutions requested automatically, by action (refund_requested, reconfirm_requested)',
    labelNames: ['action'],
  }),
  lastSuccess: gauge({
    name: 'reconciliation_last_success_timestamp_seconds',
    help: 'Unix time the last reconciliation run completed (alert when it grows old)',
  }),
  projectionGaps: counter({
    name: 'reconciliation_projection_gaps_total',
    help: 'Events about a booking or payment the projection does not know and could not create from the event, by event type',
    labelNames: ['event_type'],
  }),
  scheduledSkipped: counter({
    name: 'reconciliation_scheduled_runs_skipped_total',
    help: 'Scheduled runs not started because another run was in progress',
  }),
};
