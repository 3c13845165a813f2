import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';

const own: Migration[] = [
  {
    name: '001_reconciliation_core',
    up: async (knex: Knex) => {
      await knex.raw(`
        -- Bookings as booking.events describe them (no reads of booking's tables).
        CREATE TABLE bookings (
          booking_id text PRIMARY KEY,
          user_id    text,
          match_id   text,
          state      text NOT NULL,
          amount     bigint NOT NULL,
          currency   text NOT NULL,
          -- Greatest running sums payment reported (booking currency); they only grow.
          captured   bigint NOT NULL DEFAULT 0,
          refunded   bigint NOT NULL DEFAULT 0,
          disputed   boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        );
        CREATE INDEX bookings_created ON bookings (created_at);

        -- Payments as payment.events describe them, one row per payment (one provider intent).
        CREATE TABLE payments (
          payment_id       text PRIMARY KEY,
          booking_id       text NOT NULL,
          intent_id        text,
          payer_id         text,
          currency         text NOT NULL,
          status           text NOT NULL,
          authorized       bigint NOT NULL DEFAULT 0,
          captured         bigint NOT NULL DEFAULT 0,
          refunded         bigint NOT NULL DEFAULT 0,
          booking_captured bigint NOT NULL DEFAULT 0,
          updated_at       timestamptz NOT NULL
        );
        CREATE INDEX payments_booking ON payments (booking_id);
        CREATE INDEX payments_intent ON payments (intent_id) WHERE intent_id IS NOT NULL;

        CREATE TABLE runs (
          id           uuid PRIMARY KEY,
          trigger      text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
          requested_by text NOT NULL,
          status       text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
          started_at   timestamptz NOT NULL,
          finished_at  timestamptz,
          window_from  timestamptz NOT NULL,
          report       jsonb,
          error        text
        );
        -- One run at a time across every instance.
        CREATE UNIQUE INDEX runs_one_running ON runs ((true)) WHERE status = 'running';
        CREATE INDEX runs_started ON runs (started_at DESC);

        CREATE TABLE findings (
          id               uuid PRIMARY KEY,
          key              text NOT NULL,
          kind             text NOT NULL,
          status           text NOT NULL CHECK (status IN ('open', 'resolved')),
          booking_id       text,
          intent_id        text,
          amount           bigint NOT NULL,
          currency         text NOT NULL,
          detail           text NOT NULL,
          auto_action      jsonb,
          action_requested_at timestamptz,
          opened_run_id    uuid NOT NULL,
          last_seen_run_id uuid NOT NULL,
          resolved_run_id  uuid,
          opened_at        timestamptz NOT NULL,
          resolved_at      timestamptz,
          resolution       text,
          resolved_by      text,
          note             text
        );
        -- A mismatch seen again is the same finding while it is open.
        CREATE UNIQUE INDEX findings_open_key ON findings (key) WHERE status = 'open';
        CREATE INDEX findings_status ON findings (status, kind);
        CREATE INDEX findings_key ON findings (key);

        -- Audit trail: every finding opened, action requested and resolution, by whom.
        CREATE TABLE audit (
          id         bigserial PRIMARY KEY,
          finding_id uuid,
          run_id     uuid,
          action     text NOT NULL,
          actor      text NOT NULL,
          detail     jsonb NOT NULL DEFAULT '{}',
          at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX audit_finding ON audit (finding_id);
      `);
    },
  },
  {
    name: '002_payment_outcomes',
    up: async (knex: Knex) => {
      await knex.raw(`
        -- What payment itself said about each booking: paid (payment.succeeded, the greatest amount)
        -- or closed (payment.closed: it gives the money back). Apart from bookings, so the order in
        -- which booking.events and payment.events arrive does not matter.
        CREATE TABLE payment_outcomes (
          booking_id       text PRIMARY KEY,
          succeeded_amount bigint NOT NULL DEFAULT 0,
          closed_at        timestamptz,
          close_reason     text,
          updated_at       timestamptz NOT NULL
        );
      `);
    },
  },
];

/** The reconciliation schema: bus outbox/inbox plus reconciliation's own tables. */
export const migrations = (schema: string): Migration[] => [...busMigrations(schema), ...own];
