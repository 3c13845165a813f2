import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';

/** The notification schema: outbox and inbox, users' addresses and choices, projections, notifications. */
export const migrations = (schema: string): Migration[] => [
  ...busMigrations(schema),
  {
    name: '001_notification',
    up: async (knex: Knex) => {
      await knex.raw(`
        -- What users told us, through the gateway (/v1/me/...).
        CREATE TABLE contacts (
          user_id    text PRIMARY KEY,
          email      text,
          phone      text,
          locale     text NOT NULL DEFAULT 'en',
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE devices (
          id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          user_id      text NOT NULL,
          kind         text NOT NULL CHECK (kind IN ('fcm', 'webpush')),
          -- FCM registration token, or the Web Push endpoint URL.
          token        text NOT NULL,
          subscription jsonb,
          created_at   timestamptz NOT NULL DEFAULT now(),
          UNIQUE (kind, token)
        );
        CREATE INDEX devices_user ON devices (user_id);
        CREATE TABLE preferences (
          user_id              text PRIMARY KEY,
          channels             text[] NOT NULL,
          opt_out_non_critical boolean NOT NULL DEFAULT false,
          updated_at           timestamptz NOT NULL DEFAULT now()
        );

        -- Projections of other services' events: who holds which booking, what a match is.
        CREATE TABLE matches (
          match_id   text PRIMARY KEY,
          title      text,
          venue      text,
          kickoff_at timestamptz,
          cancelled  boolean NOT NULL DEFAULT false,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE bookings (
          booking_id text PRIMARY KEY,
          match_id   text NOT NULL,
          user_id    text NOT NULL,
          status     text NOT NULL,
          quantity   integer,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        -- The fan-out of a match event reads the match's current bookers.
        CREATE INDEX bookings_match_confirmed ON bookings (match_id) WHERE status = 'confirmed';

        -- One row per platform event that became notifications: what every recipient is told.
        CREATE TABLE source_events (
          event_id    text PRIMARY KEY,
          type        text NOT NULL,
          subject     text NOT NULL,
          template    text NOT NULL,
          critical    boolean NOT NULL,
          context     jsonb NOT NULL,
          occurred_at timestamptz NOT NULL,
          recipients  integer NOT NULL,
          created_at  timestamptz NOT NULL DEFAULT now()
        );

        -- One message per (event, user, channel), however often the event arrives; the work queue
        -- the dispatchers claim from.
        CREATE TABLE notifications (
          id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          event_id        text NOT NULL REFERENCES source_events (event_id),
          user_id         text NOT NULL,
          channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
          status          text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'bounced')),
          attempts        integer NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT now(),
          claimed_at      timestamptz,
          provider        text,
          -- The notification on another channel this one replaced, or was replaced by.
          fallback_from   uuid,
          fallback_to     text,
          reason          text,
          created_at      timestamptz NOT NULL DEFAULT now(),
          sent_at         timestamptz,
          finished_at     timestamptz,
          UNIQUE (event_id, user_id, channel)
        );
        CREATE INDEX notifications_due ON notifications (channel, next_attempt_at) WHERE status = 'pending';
        CREATE INDEX notifications_claimed ON notifications (claimed_at) WHERE status = 'sending';
        CREATE INDEX notifications_user ON notifications (user_id, created_at);

        -- Each hand-over to a provider (one per device for push) and what the provider said since.
        CREATE TABLE deliveries (
          id              uuid PRIMARY KEY,
          notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
          provider        text NOT NULL,
          device_id       uuid,
          -- Twilio MessageSid, SendGrid X-Message-Id, FCM message name, Vonage message-id, …
          external_id     text,
          status          text NOT NULL CHECK (status IN ('sent', 'delivered', 'failed', 'bounced')),
          error           text,
          created_at      timestamptz NOT NULL DEFAULT now(),
          updated_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX deliveries_notification ON deliveries (notification_id);
        CREATE INDEX deliveries_external ON deliveries (provider, external_id) WHERE external_id IS NOT NULL;
      `);
    },
  },
  {
    // A fan-out writes hundreds of thousands of notifications (and then deliveries) at once: every
    // foreign key is a trigger and a lookup per row, and every index a write. The rows are only
    // ever created together with what they point to, in one transaction, so the keys go; the
    // uniqueness that makes "once" hold leads with user_id and also serves the per-user reads.
    name: '002_notification_fanout_writes',
    up: async (knex: Knex) => {
      await knex.raw(`
        ALTER TABLE notifications DROP CONSTRAINT notifications_event_id_fkey;
        ALTER TABLE deliveries DROP CONSTRAINT deliveries_notification_id_fkey;
        ALTER TABLE notifications DROP CONSTRAINT notifications_event_id_user_id_channel_key;
        ALTER TABLE notifications ADD CONSTRAINT notifications_once UNIQUE (user_id, event_id, channel);
        DROP INDEX notifications_user;
      `);
    },
  },
  {
    // Who pays which share of a booking (from booking.created): a renewed FX quote is the payer's to confirm.
    name: '003_booking_payers',
    up: async (knex: Knex) => {
      await knex.raw(`
        CREATE TABLE booking_payers (
          booking_id text NOT NULL,
          payer_id   text NOT NULL,
          user_id    text NOT NULL,
          PRIMARY KEY (booking_id, payer_id)
        );
      `);
    },
  },
  {
    // A change waiting for its extra payment moves the booking when it is asked for; these remember
    // where it was, so a modification.dropped naming that change can put it back.
    name: '004_booking_pending_modification',
    up: async (knex: Knex) => {
      await knex.raw(`
        ALTER TABLE bookings
          ADD COLUMN pending_modification_id text,
          ADD COLUMN pending_from_match_id   text,
          ADD COLUMN pending_from_quantity   integer;
      `);
    },
  },
];
