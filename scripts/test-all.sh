#!/usr/bin/env bash
# The full test suite: type checks, lint, then every package's tests against the real
# Kafka, Postgres and Redis (started by ./matchday test).
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/matchday_test}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export MATCHDAY_TEST_RUN="${MATCHDAY_TEST_RUN:-$(date +%s)$$}"
node scripts/prepare-test-db.mjs
pnpm exec turbo run check-types lint --output-logs=errors-only
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full "$@"
