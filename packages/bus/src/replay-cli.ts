/**
 * Replays a consumer group's dead letters once its handler is fixed:
 *   pnpm --filter @matchday/bus replay -- --group payment [--limit 100] [--list]
 * KAFKA_BROKERS and TOPIC_PREFIX are read from the environment.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@matchday/observability';
import { listDeadLetters, replayDeadLetters } from './dead-letters';
import { createKafka, idempotentProducer } from '@matchday/kafka';

async function main() {
  const { values } = parseArgs({
    options: { group: { type: 'string' }, limit: { type: 'string' }, list: { type: 'boolean' } },
  });
  if (!values.group) throw new Error('--group is required');
  const group = (process.env.TOPIC_PREFIX ?? '') + values.group;
  const logger = createLogger({ service: 'dlq-replay' });
  const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'dlq-replay', logger });
  const limit = values.limit ? Number(values.limit) : undefined;
  if (values.list) {
    for (const d of await listDeadLetters(kafka, group, { limit })) console.log(JSON.stringify(d));
    return;
  }
  const producer = idempotentProducer(kafka);
  await producer.connect();
  const n = await replayDeadLetters(kafka, producer, group, { limit });
  await producer.disconnect();
  console.log(`replayed ${n} dead letter(s) of ${group}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
