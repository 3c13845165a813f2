// Runs before every test file: quiet logs unless asked for, defaults for the local infrastructure.
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
process.env.KAFKA_BROKERS = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
process.env.REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
process.env.DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/matchday_test';
process.env.OTEL_SDK_DISABLED = process.env.OTEL_SDK_DISABLED || 'true';
