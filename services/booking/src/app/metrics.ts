import { counter, gauge, histogram } from '@matchday/observability';

/** The booking service's domain metrics (Prometheus names; OTel-style dotted names in the help). */
export const metrics = {
  holdsPlaced: counter({ name: 'booking_holds_placed_total', help: 'Holds placed (booking.holds.placed)', labelNames: ['source'] }),
  holdsRejected: counter({
    name: 'booking_holds_rejected_total',
    help: 'Hold attempts refused, by reason and by who decided (redis admission or postgres)',
    labelNames: ['reason', 'decided_by'],
  }),
  holdsReturned: counter({
    name: 'booking_holds_existing_returned_total',
    help: 'Hold attempts answered with the user’s existing active hold (second device, retry)',
  }),
  oversellPrevented: counter({
    name: 'booking_oversell_prevented_total',
    help: 'Attempts Redis admitted that Postgres refused for lack of slots (booking.oversell.prevented)',
  }),
  holdsEnded: counter({ name: 'booking_holds_ended_total', help: 'Holds that ended, by how', labelNames: ['status'] }),
  holdDuration: histogram({
    name: 'booking_hold_place_duration_seconds',
    help: 'Time to decide a hold attempt, by outcome',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  admission: counter({
    name: 'booking_admission_decisions_total',
    help: 'Redis admission answers: admitted, sold_out, existing, pending, unprimed, unavailable',
    labelNames: ['outcome'],
  }),
  redisErrors: counter({
    name: 'booking_redis_errors_total',
    help: 'Redis calls that failed or timed out (Postgres decides alone meanwhile), by operation',
    labelNames: ['operation'],
  }),
  admissionResyncs: counter({
    name: 'booking_admission_resyncs_total',
    help: 'Admission counter re-syncs from Postgres, by outcome (applied, skipped_busy, primed)',
    labelNames: ['outcome'],
  }),
  confirmationDuration: histogram({
    name: 'booking_confirmation_duration_seconds',
    help: 'Average booking time: from the hold being placed to the booking being confirmed',
    buckets: [5, 15, 30, 60, 120, 300, 600, 900, 1500],
  }),
  bookingsCreated: counter({ name: 'booking_bookings_created_total', help: 'Bookings created at checkout' }),
  transitions: counter({
    name: 'booking_bookings_transitions_total',
    help: 'Booking state changes, by from, to and reason',
    labelNames: ['from', 'to', 'reason'],
  }),
  eventsIgnored: counter({
    name: 'booking_events_noop_total',
    help: 'Events and commands that changed nothing (duplicates, late or out-of-order), by type',
    labelNames: ['type'],
  }),
  latePayments: counter({
    name: 'booking_late_payments_total',
    help: 'Payments that landed after the booking lost its slots (or its change), by outcome (reserved, refunded, dropped_modification: payment refunds it)',
    labelNames: ['outcome'],
  }),
  refundsRequested: counter({ name: 'booking_refunds_requested_total', help: 'refund.requested events emitted, by reason', labelNames: ['reason'] }),
  modifications: counter({
    name: 'booking_modifications_total',
    help: 'Booking modifications by kind and resulting status',
    labelNames: ['kind', 'status'],
  }),
  transfers: counter({ name: 'booking_transfers_total', help: 'Transfers by resulting status', labelNames: ['status'] }),
  waitlist: counter({ name: 'booking_waitlist_total', help: 'Waiting-list activity (joined, offered, fulfilled, expired, left)', labelNames: ['event'] }),
  sessionConflicts: counter({
    name: 'booking_session_conflicts_total',
    help: 'Hold attempts for a match from another device or session while the user already holds slots there',
  }),
  effectsFailed: counter({
    name: 'booking_post_commit_effects_failed_total',
    help: 'Post-commit effects (Redis counters and markers, cache invalidation) that failed; the re-sync repairs them',
    labelNames: ['effect'],
  }),
  sweeper: counter({ name: 'booking_sweeper_items_total', help: 'Items the sweeper handled, by task', labelNames: ['task'] }),
  sweeperErrors: counter({ name: 'booking_sweeper_errors_total', help: 'Sweeper task failures (retried next sweep)', labelNames: ['task'] }),
  partitionsCreated: counter({ name: 'booking_partitions_created_total', help: 'Monthly bookings partitions created by maintenance' }),
  partitionsAhead: gauge({
    name: 'booking_partitions_months_ahead',
    help: 'Future months that already have a bookings partition (alert when it drops below 1)',
  }),
  cache: counter({
    name: 'booking_cache_requests_total',
    help: 'Cache lookups by cache (availability, booking) and outcome (hit, miss, error)',
    labelNames: ['cache', 'outcome'],
  }),
  matchHeat: counter({
    name: 'booking_match_heat_changes_total',
    help: 'match.hot changes published, by new state and by what decided (admin, rate, quiet)',
    labelNames: ['hot', 'by'],
  }),
  authFailures: counter({
    name: 'booking_auth_failures_total',
    help: 'Requests refused for missing identity (401) or role (403)',
    labelNames: ['status'],
  }),
};
