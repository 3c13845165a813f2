-- One database, one schema per service, one login role per service that can touch only its
-- own schema. Runs once, as the superuser, when the Postgres container initialises its data
-- directory (docker-entrypoint-initdb.d). The passwords are for the local stack only; a
-- cluster gets its connection strings from the `matchday-connections` Secret.
--
-- role / schema: booking, payment, webhook (webhook-ingest), notification, fraud, reconciliation.
-- gateway and web own no tables. :"DBNAME" is psql's name for the current database (POSTGRES_DB).

-- Nobody but the owner may connect to the database or create objects in `public`.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE ROLE booking LOGIN PASSWORD 'booking';
CREATE ROLE payment LOGIN PASSWORD 'payment';
CREATE ROLE webhook LOGIN PASSWORD 'webhook';
CREATE ROLE notification LOGIN PASSWORD 'notification';
CREATE ROLE fraud LOGIN PASSWORD 'fraud';
CREATE ROLE reconciliation LOGIN PASSWORD 'reconciliation';

-- The role owns its schema: its migrations create, alter and drop tables there, and no other
-- role has USAGE on it, so it cannot even see another service's tables.
CREATE SCHEMA booking AUTHORIZATION booking;
CREATE SCHEMA payment AUTHORIZATION payment;
CREATE SCHEMA webhook AUTHORIZATION webhook;
CREATE SCHEMA notification AUTHORIZATION notification;
CREATE SCHEMA fraud AUTHORIZATION fraud;
CREATE SCHEMA reconciliation AUTHORIZATION reconciliation;

GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO booking, payment, webhook, notification, fraud, reconciliation;

-- Unqualified names resolve to the service's own schema.
ALTER ROLE booking IN DATABASE :"DBNAME" SET search_path = booking;
ALTER ROLE payment IN DATABASE :"DBNAME" SET search_path = payment;
ALTER ROLE webhook IN DATABASE :"DBNAME" SET search_path = webhook;
ALTER ROLE notification IN DATABASE :"DBNAME" SET search_path = notification;
ALTER ROLE fraud IN DATABASE :"DBNAME" SET search_path = fraud;
ALTER ROLE reconciliation IN DATABASE :"DBNAME" SET search_path = reconciliation;
