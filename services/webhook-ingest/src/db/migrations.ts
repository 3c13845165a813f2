import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';

/**
 * webhook-ingest's schema: the outbox (bus) and every verified webhook as received, unique per
 * provider and the provider's own event identity.
 */
export function migrations(schema: string): Migration[] {
  return [
    ...busMigrations(schema),
    {
      name: '001_webhooks',
      up: async (knex: Knex) => {
        await knex.raw(`
          CREATE TABLE webhooks (
            id               uuid PRIMARY KEY,
            provider         text NOT NULL,
            dedupe_key       text NOT NULL,
            root_id          text NOT NULL,
            event_type       text NOT NULL,
            body             text NOT NULL,
            headers          jsonb NOT NULL,
            received_at      timestamptz NOT NULL,
            stored_at        timestamptz NOT NULL DEFAULT now(),
            deliveries       integer NOT NULL DEFAULT 1,
            last_delivery_at timestamptz NOT NULL DEFAULT now(),
            replays          integer NOT NULL DEFAULT 0,
            last_replayed_at timestamptz,
            CONSTRAINT webhooks_dedupe UNIQUE (provider, dedupe_key)
          );
          CREATE INDEX webhooks_received ON webhooks (received_at, id);
          CREATE INDEX webhooks_provider_received ON webhooks (provider, received_at, id);
          CREATE INDEX webhooks_root ON webhooks (root_id);
        `);
      },
    },
    {
      // The relay marks each event published with an UPDATE, and a webhook seen again counts one more
      // delivery with another; Postgres writes a whole new row version for each. A webhook's body and
      // its event's payload carry the provider's object (about 2 KB), so every mark and every
      // duplicate copied it again into the table and the WAL. Kept out of line (TOAST, uncompressed),
      // a new version carries only a pointer to the value written once.
      name: '002_large_values_out_of_line',
      up: async (knex: Knex) => {
        await knex.raw(`
          ALTER TABLE outbox SET (toast_tuple_target = 128);
          ALTER TABLE outbox ALTER COLUMN payload SET STORAGE EXTERNAL;
          ALTER TABLE webhooks SET (toast_tuple_target = 128);
          ALTER TABLE webhooks ALTER COLUMN body SET STORAGE EXTERNAL;
        `);
      },
    },
  ];
}
