/**
 * The baselines of bench:webhooks, a bare Node HTTP server that reads the whole body and answers 200
 * with a small JSON body. Prints its port once listening.
 *
 * With `BASELINE_STORE_URL`, `BASELINE_STORE_SCHEMA` (a schema holding `webhooks (dedupe_key text
 * PRIMARY KEY, body text)` and `outbox (seq bigserial PRIMARY KEY, payload text)`), `KAFKA_BROKERS`
 * and `BASELINE_TOPIC` set it is the floor instead: the least work the ingest contract allows.
 * Before it answers, each webhook is made durable, its body under the provider's event id
 * (duplicates kept once) and one outbox row, in one statement per group commit (the service's own
 * group committer and settings); the new bodies are then published to Kafka, bare (no envelope),
 * in as few produce requests as possible and without delaying the answers, as an outbox relay
 * would. No signature check, no parsing beyond the id, no event, no mark as published, no metrics.
 * It exits with 0 once everything stored is published, with 1 if publishing failed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKafka, idempotentProducer } from '@matchday/bus';
import { createDb } from '@matchday/db';
import { createLogger } from '@matchday/observability';
import { GroupCommitter } from '../src/app/group-commit';

const ANSWER = '{"received":true,"stored":1,"duplicates":0}';

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function floorStore(url: string, schema: string, brokers: string[], topic: string) {
  const db = createDb({ url, schema, poolMax: 4 });
  const producer = idempotentProducer(createKafka({ brokers, clientId: 'bench-floor' }));
  // One send at a time, each taking everything committed since the last one began (as a relay
  // claims what is pending): the fewest, largest produce requests.
  let pending: Array<{ key: string; value: string }> = [];
  let published: Promise<unknown> = producer.connect();
  const publish = () => {
    const messages = pending;
    pending = [];
    return messages.length > 0 ? producer.send({ topic, acks: -1, messages }) : undefined;
  };
  const committer = new GroupCommitter<{ key: string; body: string }, true>(
    async (items) => {
      const { rows } = await db.raw<{ rows: Array<{ dedupe_key: string }> }>(
        `WITH stored AS (
           INSERT INTO webhooks (dedupe_key, body) SELECT * FROM unnest(?::text[], ?::text[])
           ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, body
         ), queued AS (INSERT INTO outbox (payload) SELECT body FROM stored)
         SELECT dedupe_key FROM stored`,
        [items.map((i) => i.key), items.map((i) => i.body)],
      );
      const fresh = new Set(rows.map((r) => r.dedupe_key));
      for (const i of items) if (fresh.delete(i.key)) pending.push({ key: i.key, value: i.body });
      published = published.then(publish);
      return items.map(() => true as const);
    },
    {
      lingerMs: 2,
      maxBatch: 500,
      concurrency: 2,
      logger: createLogger({ service: 'bench-floor', level: 'error' }),
    },
  );
  return {
    store: (body: Buffer) => {
      const text = body.toString('utf8');
      return committer.submit([{ key: (JSON.parse(text) as { id: string }).id, body: text }]);
    },
    close: async () => {
      await committer.drain();
      await published;
      await producer.disconnect();
      await db.destroy();
    },
  };
}

const {
  BASELINE_STORE_URL: storeUrl,
  BASELINE_STORE_SCHEMA: storeSchema,
  BASELINE_TOPIC: topic,
  KAFKA_BROKERS: brokers,
} = process.env;
const floor =
  storeUrl && storeSchema && topic && brokers
    ? floorStore(storeUrl, storeSchema, brokers.split(','), topic)
    : undefined;

const server = createServer((req, res) => {
  if (!floor) {
    // The bare baseline: exactly a body read and an answer.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(res, 200, ANSWER));
    return;
  }
  readBody(req)
    .then(floor.store)
    .then(
      () => answer(res, 200, ANSWER),
      () => answer(res, 503, '{"received":false}'),
    );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () =>
  server.close(
    () =>
      void (floor?.close() ?? Promise.resolve()).then(
        () => process.exit(0),
        () => process.exit(1),
      ),
  ),
);
