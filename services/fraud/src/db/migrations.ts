import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';
import { DEFAULT_RULE_SET, parseRuleSet } from '../domain';

const own: Migration[] = [
  {
    name: '001_fraud_core',
    up: async (knex: Knex) => {
      await knex.raw(`
        -- Everything fraud has seen that a rule may count, one row per fact, kept for SIGNAL_RETENTION_HOURS.
        CREATE TABLE signals (
          id               bigserial PRIMARY KEY,
          kind             text NOT NULL,
          occurred_at      timestamptz NOT NULL,
          event_id         text,
          user_id          text,
          booking_id       text,
          match_id         text,
          ip               text,
          device_id        text,
          card_fingerprint text,
          quantity         integer,
          hot              boolean NOT NULL DEFAULT false,
          detail           jsonb
        );
        CREATE INDEX signals_user ON signals (user_id, kind, occurred_at) WHERE user_id IS NOT NULL;
        CREATE INDEX signals_ip ON signals (ip, kind, occurred_at) WHERE ip IS NOT NULL;
        CREATE INDEX signals_device ON signals (device_id, kind, occurred_at) WHERE device_id IS NOT NULL;
        CREATE INDEX signals_card ON signals (card_fingerprint, kind, occurred_at) WHERE card_fingerprint IS NOT NULL;
        CREATE INDEX signals_age ON signals (occurred_at);

        -- Bookings as fraud knows them: payment events carry only the booking id.
        CREATE TABLE bookings (
          booking_id  text PRIMARY KEY,
          user_id     text NOT NULL,
          match_id    text NOT NULL,
          quantity    integer NOT NULL,
          amount      bigint NOT NULL,
          currency    text NOT NULL,
          hot         boolean NOT NULL,
          customer    jsonb NOT NULL DEFAULT '{}',
          created_at  timestamptz NOT NULL
        );
        CREATE INDEX bookings_user ON bookings (user_id, created_at);

        CREATE TABLE hot_matches (
          match_id   text PRIMARY KEY,
          hot        boolean NOT NULL,
          updated_at timestamptz NOT NULL
        );

        -- Rules are data: every edit is a new version; the highest version is the current one.
        CREATE TABLE rule_sets (
          version    integer PRIMARY KEY,
          definition jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          created_by text NOT NULL,
          note       text
        );

        CREATE TABLE list_entries (
          id         uuid PRIMARY KEY,
          list       text NOT NULL CHECK (list IN ('allow', 'block')),
          kind       text NOT NULL CHECK (kind IN ('user', 'email', 'ip', 'card')),
          value      text NOT NULL,
          reason     text NOT NULL,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz,
          UNIQUE (list, kind, value)
        );
        CREATE INDEX list_entries_lookup ON list_entries (kind, value);

        CREATE TABLE assessments (
          id              uuid PRIMARY KEY,
          booking_id      text NOT NULL,
          user_id         text NOT NULL,
          trigger         text NOT NULL,
          decision        text NOT NULL CHECK (decision IN ('allow', 'review', 'block')),
          score           integer NOT NULL,
          reasons         jsonb NOT NULL,
          rules_version   integer NOT NULL,
          event_time      timestamptz NOT NULL,
          created_at      timestamptz NOT NULL,
          review_status   text CHECK (review_status IN ('pending', 'approved', 'rejected', 'timed_out')),
          review_deadline timestamptz,
          resolved_by     text,
          resolved_at     timestamptz,
          resolution_note text
        );
        CREATE INDEX assessments_booking ON assessments (booking_id, created_at);
        CREATE INDEX assessments_pending ON assessments (review_deadline) WHERE review_status = 'pending';
        CREATE UNIQUE INDEX assessments_one_per_booking_event ON assessments (booking_id) WHERE trigger = 'booking_created';
      `);
      await knex('rule_sets').insert({
        version: 1,
        definition: JSON.stringify(parseRuleSet(DEFAULT_RULE_SET)),
        created_by: 'system:migration',
        note: 'default rules',
      });
    },
  },
];

/** The fraud schema: bus outbox/inbox plus fraud's own tables. */
export const migrations = (schema: string): Migration[] => [...busMigrations(schema), ...own];
