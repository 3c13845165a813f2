import type { Knex, Migration } from '@matchday/db';

/** The outbox channel a schema's relay LISTENs on. */
export const outboxChannel = (schema: string): string => `${schema}_outbox`;

/**
 * Outbox and inbox tables for one service schema. Add them to the service's migration list:
 * `migrations: [...busMigrations(schema), ...own]`.
 */
export function busMigrations(schema: string): Migration[] {
  return [
    {
      name: '000_bus_outbox_inbox',
      up: async (knex: Knex) => {
        await knex.raw(`
          CREATE TABLE outbox (
            seq          bigserial PRIMARY KEY,
            id           uuid NOT NULL UNIQUE,
            topic        text NOT NULL,
            key          text NOT NULL,
            type         text NOT NULL,
            headers      jsonb NOT NULL,
            payload      text NOT NULL,
            created_at   timestamptz NOT NULL DEFAULT now(),
            attempts     integer NOT NULL DEFAULT 0,
            last_error   text,
            published_at timestamptz
          );
          CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
          CREATE TABLE inbox (
            consumer_group text NOT NULL,
            event_id       text NOT NULL,
            event_type     text NOT NULL,
            topic          text NOT NULL,
            kafka_partition integer NOT NULL,
            kafka_offset   bigint NOT NULL,
            processed_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (consumer_group, event_id)
          );
          CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            PERFORM pg_notify('${outboxChannel(schema)}', '');
            RETURN NULL;
          END $$;
          CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
            FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
        `);
      },
    },
    {
      // The retention sweep finds old rows by time. Both tables are written in time order, so a
      // BRIN index (a few pages, next to nothing per insert) serves it instead of a B-tree entry
      // per event on the hot path.
      name: '001_bus_retention_indexes',
      up: async (knex: Knex) => {
        await knex.raw(`
          CREATE INDEX outbox_created_at ON outbox USING brin (created_at);
          CREATE INDEX inbox_processed_at ON inbox USING brin (processed_at);
        `);
      },
    },
  ];
}
