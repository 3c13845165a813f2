import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';

/** payment's schema: the bus's outbox and inbox, and the money records. */
export function migrations(schema: string): Migration[] {
  return [
    ...busMigrations(schema),
    {
      name: '001_payments',
      up: async (knex: Knex) => {
        await knex.raw(`
          CREATE TABLE booking_payments (
            booking_id       text PRIMARY KEY,
            known            boolean NOT NULL DEFAULT false,
            user_id          text,
            match_id         text,
            amount           bigint NOT NULL DEFAULT 0,
            currency         text,
            payment_deadline timestamptz,
            phase            text NOT NULL DEFAULT 'open',
            close_reason     text,
            fraud            text NOT NULL DEFAULT 'pending',
            captured         bigint NOT NULL DEFAULT 0,
            refunded         bigint NOT NULL DEFAULT 0,
            reversed         bigint NOT NULL DEFAULT 0,
            succeeded_amount bigint NOT NULL DEFAULT 0,
            failed_reported  boolean NOT NULL DEFAULT false,
            pending_modification jsonb,
            created_at       timestamptz NOT NULL DEFAULT now(),
            updated_at       timestamptz NOT NULL DEFAULT now()
          );

          CREATE TABLE payments (
            payment_id        uuid PRIMARY KEY,
            booking_id        text NOT NULL,
            payer_id          text NOT NULL,
            user_id           text,
            purpose           text NOT NULL,
            modification_id   text,
            attempt           integer NOT NULL DEFAULT 1,
            amount            bigint NOT NULL,
            currency          text NOT NULL,
            booking_amount    bigint NOT NULL,
            booking_currency  text NOT NULL,
            fx_rate           double precision NOT NULL DEFAULT 1,
            quote_id          uuid,
            quote_expires_at  timestamptz,
            payment_method    text,
            intent_id         text UNIQUE,
            status            text NOT NULL,
            captured_amount   bigint NOT NULL DEFAULT 0,
            refunded_amount   bigint NOT NULL DEFAULT 0,
            reversed_amount   bigint NOT NULL DEFAULT 0,
            booking_refunded  bigint NOT NULL DEFAULT 0,
            booking_reversed  bigint NOT NULL DEFAULT 0,
            failure_code      text,
            failure_message   text,
            confirm_seq       integer NOT NULL DEFAULT 0,
            deferred          boolean NOT NULL DEFAULT false,
            replaced_by       uuid,
            created_at        timestamptz NOT NULL DEFAULT now(),
            updated_at        timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT payments_share UNIQUE NULLS NOT DISTINCT (booking_id, payer_id, purpose, modification_id, attempt)
          );
          CREATE INDEX payments_booking ON payments (booking_id, created_at);
          CREATE INDEX payments_status ON payments (status, created_at);

          CREATE TABLE refunds (
            refund_id          uuid PRIMARY KEY,
            request_key        text NOT NULL UNIQUE,
            payment_id         uuid,
            intent_id          text,
            booking_id         text,
            amount             bigint NOT NULL,
            booking_amount     bigint NOT NULL,
            currency           text NOT NULL,
            reason             text NOT NULL,
            status             text NOT NULL,
            provider_refund_id text UNIQUE,
            failure            text,
            created_at         timestamptz NOT NULL DEFAULT now(),
            updated_at         timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX refunds_payment ON refunds (payment_id);
          CREATE INDEX refunds_booking ON refunds (booking_id);

          CREATE TABLE disputes (
            dispute_id        text PRIMARY KEY,
            payment_id        uuid NOT NULL,
            booking_id        text NOT NULL,
            kind              text NOT NULL,
            reason            text NOT NULL,
            amount            bigint NOT NULL,
            booking_amount    bigint NOT NULL,
            status            text NOT NULL,
            opened_reported   boolean NOT NULL DEFAULT false,
            closed_reported   boolean NOT NULL DEFAULT false,
            reversed_reported boolean NOT NULL DEFAULT false,
            created_at        timestamptz NOT NULL DEFAULT now(),
            updated_at        timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX disputes_booking ON disputes (booking_id);

          CREATE TABLE fx_quotes (
            quote_id       uuid PRIMARY KEY,
            booking_id     text,
            from_currency  text NOT NULL,
            to_currency    text NOT NULL,
            rate           double precision NOT NULL,
            amount         bigint,
            converted      bigint,
            expires_at     timestamptz NOT NULL,
            created_at     timestamptz NOT NULL DEFAULT now()
          );

          -- Provider work: every Stripe call is a job, retried with backoff while the provider is
          -- down, one at a time per payment, in order.
          CREATE TABLE payment_jobs (
            id           bigserial PRIMARY KEY,
            kind         text NOT NULL,
            subject      text NOT NULL,
            payment_id   uuid,
            refund_id    uuid,
            intent_id    text,
            payload      jsonb NOT NULL DEFAULT '{}',
            dedupe_key   text UNIQUE,
            status       text NOT NULL DEFAULT 'pending',
            run_at       timestamptz NOT NULL DEFAULT now(),
            locked_until timestamptz,
            attempts     integer NOT NULL DEFAULT 0,
            last_error   text,
            created_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX payment_jobs_due ON payment_jobs (run_at) WHERE status IN ('pending', 'running');
          CREATE INDEX payment_jobs_subject ON payment_jobs (subject, id) WHERE status IN ('pending', 'running');

          -- Every Stripe event applied (from provider.webhooks), for the money picture and audits.
          CREATE TABLE provider_events (
            event_id    text PRIMARY KEY,
            intent_id   text,
            payment_id  uuid,
            type        text NOT NULL,
            created     bigint NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            deliveries  integer NOT NULL DEFAULT 1
          );
          CREATE INDEX provider_events_payment ON provider_events (payment_id, created);
        `);
      },
    },
    {
      name: '002_dropped_modifications',
      up: async (knex: Knex) => {
        // Modifications booking dropped: their extra charges are never captured, and refunded if they were.
        await knex.raw(`ALTER TABLE booking_payments ADD COLUMN dropped_modifications jsonb NOT NULL DEFAULT '[]'`);
      },
    },
    {
      name: '003_payment_jobs_trace_context',
      up: async (knex: Knex) => {
        // The trace context of the work that queued a job, so its provider call joins that trace.
        await knex.raw(`ALTER TABLE payment_jobs ADD COLUMN trace_context jsonb`);
      },
    },
  ];
}
