import { busMigrations } from '@matchday/bus';
import type { Knex, Migration } from '@matchday/db';
import { ensureMonthlyPartitions } from './partitions';

/**
 * The booking schema. Notes on the seed's sketch:
 * - the hot counter `available_slots` is not indexed (every hold updates it: an index on it would
 *   turn HOT updates into index writes exactly during a rush), and `matches` leaves room on each
 *   page (fillfactor) so those updates stay HOT;
 * - the three counters add up to the capacity by a CHECK constraint: overselling is impossible
 *   whatever the code does;
 * - `bookings` is partitioned by month of `created_at`, which is therefore part of its primary key;
 *   no table has a foreign key to it — `booking_index` (unpartitioned, narrow) maps a booking id to
 *   its partition and makes a hold convertible only once;
 * - holds carry no foreign key to matches: the hot-path insert would otherwise run an FK check
 *   against the very row every attempt is updating.
 */
const schemaV1 = `
CREATE TABLE matches (
  id               uuid PRIMARY KEY,
  title            text NOT NULL,
  venue            text NOT NULL,
  fixture_id       text,
  kickoff_at       timestamptz NOT NULL,
  capacity         integer NOT NULL CHECK (capacity > 0),
  unit_price       bigint NOT NULL CHECK (unit_price >= 0),
  currency         char(3) NOT NULL,
  status           text NOT NULL CHECK (status IN ('SCHEDULED', 'CANCELLED')),
  cancel_reason    text,
  available_slots  integer NOT NULL,
  held_slots       integer NOT NULL DEFAULT 0,
  confirmed_slots  integer NOT NULL DEFAULT 0,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CONSTRAINT matches_slots_add_up CHECK (
    available_slots >= 0 AND held_slots >= 0 AND confirmed_slots >= 0
    AND available_slots + held_slots + confirmed_slots = capacity)
) WITH (fillfactor = 50);
-- The seed's idx_match_availability (match_date, available_slots), without the hot counter.
CREATE INDEX matches_kickoff ON matches (kickoff_at) WHERE status = 'SCHEDULED';
CREATE INDEX matches_fixture ON matches (fixture_id, kickoff_at) WHERE fixture_id IS NOT NULL;
CREATE INDEX matches_venue ON matches (venue, kickoff_at);

-- Which version of each match's availability was last published (coalesced availability.changed).
CREATE TABLE availability_published (
  match_id uuid PRIMARY KEY,
  version  integer NOT NULL
);

CREATE TABLE holds (
  id                uuid PRIMARY KEY,
  match_id          uuid NOT NULL,
  user_id           text NOT NULL,
  quantity          integer NOT NULL CHECK (quantity > 0),
  status            text NOT NULL CHECK (status IN ('ACTIVE', 'EXPIRED', 'RELEASED', 'CONVERTED')),
  session_id        text,
  device_id         text,
  waitlist_entry_id uuid,
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL
);
-- One active hold per user per match, whatever device asks.
CREATE UNIQUE INDEX holds_one_active_per_user ON holds (match_id, user_id) WHERE status = 'ACTIVE';
CREATE INDEX holds_expiry ON holds (expires_at) WHERE status = 'ACTIVE';
CREATE INDEX holds_session ON holds (session_id, created_at) WHERE session_id IS NOT NULL;

-- Other sessions (devices) that were handed an existing hold.
CREATE TABLE hold_sessions (
  session_id text NOT NULL,
  hold_id    uuid NOT NULL,
  user_id    text NOT NULL,
  device_id  text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (session_id, hold_id)
);

CREATE TABLE bookings (
  id                      uuid NOT NULL,
  created_at              timestamptz NOT NULL,
  hold_id                 uuid NOT NULL,
  match_id                uuid NOT NULL,
  user_id                 text NOT NULL,
  session_id              text,
  quantity                integer NOT NULL CHECK (quantity > 0),
  unit_price              bigint NOT NULL,
  amount                  bigint NOT NULL,
  currency                char(3) NOT NULL,
  status                  text NOT NULL,
  status_reason           text,
  payment_deadline        timestamptz NOT NULL,
  captured                bigint NOT NULL DEFAULT 0,
  refunded                bigint NOT NULL DEFAULT 0,
  reversed                bigint NOT NULL DEFAULT 0,
  fraud_decision          text,
  disputes                jsonb NOT NULL DEFAULT '{}',
  pending_modification_id uuid,
  payers                  jsonb NOT NULL,
  version                 integer NOT NULL DEFAULT 1,
  updated_at              timestamptz NOT NULL,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
-- The seed's indexes: idx_booking_status and idx_user_bookings.
CREATE INDEX bookings_status_created ON bookings (status, created_at);
CREATE INDEX bookings_user_status ON bookings (user_id, status);
-- The sweeper's and match cancellation's lookups.
CREATE INDEX bookings_payment_deadline ON bookings (payment_deadline) WHERE status = 'PENDING_PAYMENT';
CREATE INDEX bookings_match_status ON bookings (match_id, status);

CREATE TABLE booking_index (
  id         uuid PRIMARY KEY,
  created_at timestamptz NOT NULL,
  hold_id    uuid NOT NULL UNIQUE
);

CREATE TABLE booking_modifications (
  id               uuid PRIMARY KEY,
  booking_id       uuid NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('reschedule', 'quantity')),
  status           text NOT NULL CHECK (status IN ('APPLIED', 'PENDING_PAYMENT', 'FAILED', 'EXPIRED')),
  from_match_id    uuid NOT NULL,
  to_match_id      uuid NOT NULL,
  from_quantity    integer NOT NULL,
  to_quantity      integer NOT NULL,
  reserved         integer NOT NULL,
  price_delta      bigint NOT NULL,
  new_unit_price   bigint NOT NULL,
  new_amount       bigint NOT NULL,
  currency         char(3) NOT NULL,
  payment_deadline timestamptz,
  late_refund_requested boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX modifications_booking ON booking_modifications (booking_id, created_at);
CREATE INDEX modifications_pending_deadline ON booking_modifications (payment_deadline) WHERE status = 'PENDING_PAYMENT';

CREATE TABLE booking_transfers (
  id           uuid PRIMARY KEY,
  booking_id   uuid NOT NULL,
  from_user_id text NOT NULL,
  to_user_id   text NOT NULL,
  status       text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'EXPIRED')),
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL,
  accepted_at  timestamptz
);
CREATE UNIQUE INDEX transfers_one_pending ON booking_transfers (booking_id) WHERE status = 'PENDING';
CREATE INDEX transfers_pending_expiry ON booking_transfers (expires_at) WHERE status = 'PENDING';

CREATE TABLE waitlist_entries (
  id         uuid PRIMARY KEY,
  seq        bigserial NOT NULL,
  match_id   uuid NOT NULL REFERENCES matches (id),
  user_id    text NOT NULL,
  quantity   integer NOT NULL CHECK (quantity > 0),
  status     text NOT NULL CHECK (status IN ('WAITING', 'OFFERED', 'FULFILLED', 'EXPIRED', 'LEFT', 'CANCELLED')),
  hold_id    uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX waitlist_one_live_per_user ON waitlist_entries (match_id, user_id) WHERE status IN ('WAITING', 'OFFERED');
CREATE INDEX waitlist_queue ON waitlist_entries (match_id, seq) WHERE status = 'WAITING';
CREATE INDEX waitlist_offer_hold ON waitlist_entries (hold_id) WHERE status = 'OFFERED';
`;

// Hot matches (waiting room at the gateway): one row per match that was ever hot.
const matchHeat = `
CREATE TABLE match_heat (
  match_id   uuid PRIMARY KEY,
  hot        boolean NOT NULL,
  changed_at timestamptz NOT NULL
);
CREATE INDEX match_heat_hot ON match_heat (changed_at) WHERE hot;
`;

export function bookingMigrations(schema: string, monthsAhead = 3): Migration[] {
  return [
    ...busMigrations(schema),
    {
      name: '001_booking_schema',
      up: async (knex: Knex) => {
        await knex.raw(schemaV1);
        await ensureMonthlyPartitions(knex, new Date(), monthsAhead);
      },
    },
    {
      name: '002_match_heat',
      up: async (knex: Knex) => {
        await knex.raw(matchHeat);
      },
    },
    {
      name: '003_booking_money_returned',
      up: async (knex: Knex) => {
        // Money given back (payment closed it, or a late payment refunded): never confirmed again.
        await knex.raw(`ALTER TABLE bookings ADD COLUMN money_returned boolean NOT NULL DEFAULT false`);
      },
    },
  ];
}
