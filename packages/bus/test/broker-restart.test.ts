import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvent } from '@matchday/contracts';
import { eventually, isolation, serviceDb, type ServiceDb } from '@matchday/testkit';
import { busMigrations, createKafka, ensureTopics, type QueueManager } from '../src';
import { logger, sinkBus, sinkMigrations, sourceBus } from './fixtures/services';

/**
 * This test restarts a broker, so it runs its own (same jars, another port and data folder)
 * instead of disturbing the shared one other tests use.
 */
const script = join(__dirname, '..', '..', '..', 'infra', 'kafka', 'kafka.sh');
// Per process, so two runs of this suite on one machine never share (and stop) each other's broker.
const port = 20000 + (process.pid % 4000) * 2;
const dataDir = mkdtempSync(join(tmpdir(), 'matchday-kafka-'));
const kafkaEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: dataDir, KAFKA_HEAP: '384m' };
const broker = (cmd: string) => execFileSync('bash', [script, cmd], { env: kafkaEnv, stdio: 'pipe', timeout: 120000 }).toString();

const iso = isolation();
const brokers = [`127.0.0.1:${port}`];
let source: ServiceDb;
let sink: ServiceDb;
const buses: QueueManager[] = [];

beforeAll(async () => {
  broker('start');
  const kafka = createKafka({ brokers, clientId: 'restart-test', logger });
  await ensureTopics(kafka, { prefix: iso.topicPrefix, groups: ['sink'], partitions: 3 });
  source = await serviceDb('bussrc', iso.schema('bussrc'), { migrations: busMigrations(iso.schema('bussrc')) });
  sink = await serviceDb('bussink', iso.schema('bussink'), { migrations: sinkMigrations(iso.schema('bussink')) });
}, 180000);

afterAll(async () => {
  await Promise.all(buses.map((b) => b.stop().catch(() => undefined)));
  await source?.destroy();
  await sink?.destroy();
  broker('stop');
  rmSync(dataDir, { recursive: true, force: true });
}, 120000);

it('when the broker restarts mid-stream, then every outbox event is published and applied exactly once', async () => {
  const src = sourceBus({ db: source.db, url: source.url, schema: source.schema, brokers, prefix: iso.topicPrefix });
  const dst = sinkBus({ db: sink.db, url: sink.url, schema: sink.schema, brokers, prefix: iso.topicPrefix });
  buses.push(src, dst);
  await dst.start();
  await src.start();

  const total = 300;
  const write = async (from: number, to: number) => {
    for (let i = from; i < to; i += 10) {
      await source.db.transaction(async (trx) => {
        for (let j = i; j < Math.min(i + 10, to); j++) {
          await src.addToProcessingQueue(
            trx,
            buildEvent(
              'booking.confirmed.v1',
              { bookingId: `b${j}`, matchId: 'm', userId: `u${j}`, quantity: 1, amount: 100, currency: 'EUR' },
              { source: 'bussrc', subject: `b${j}` },
            ),
          );
        }
      });
    }
  };

  await write(0, 100);
  broker('stop');
  // Writes go on while the broker is down: they wait in the outbox.
  await write(100, 200);
  broker('start');
  await write(200, total);

  await eventually(
    async () => {
      const { rows } = await sink.db.raw('SELECT count(*)::int AS n, max(applied) AS max FROM effects');
      return rows[0].n === total ? rows[0] : undefined;
    },
    { what: `${total} events applied`, timeoutMs: 120000, intervalMs: 500 },
  );
  const { rows } = await sink.db.raw('SELECT count(*)::int AS n, max(applied)::int AS max FROM effects');
  expect(rows[0]).toEqual({ n: total, max: 1 });
  const pending = await source.db('outbox').whereNull('published_at').count<{ count: string }[]>();
  expect(pending[0]!.count).toBe('0');
}, 300000);

it('when the bus stops while a consumer restarts after losing the broker, then it stops for good (no restart, no reconnect loop)', async () => {
  // Only this test's consumers see the broker go: the earlier test's buses stop first.
  await Promise.all(buses.splice(0).map((b) => b.stop()));
  const dst = sinkBus({ db: sink.db, url: sink.url, schema: sink.schema, brokers, prefix: iso.topicPrefix });
  buses.push(dst);
  await dst.start();
  const errors = jest.spyOn(logger, 'error');
  const restarts = (from = 0) =>
    errors.mock.calls.slice(from).filter(([m]) => String(m).includes('Restarting the consumer')).length;
  broker('stop');
  // Give up on the broker, crash, and begin a restart: the stop below lands while it connects.
  const restartIn = await eventually(
    async () => {
      const call = errors.mock.calls.find(([m]) => String(m).includes('Restarting the consumer'));
      return call ? Number((call[1] as { retryTime?: number } | undefined)?.retryTime ?? 0) : undefined;
    },
    { what: 'a consumer crashed on the lost broker and restarts', timeoutMs: 120000, intervalMs: 100 },
  );
  await new Promise((r) => setTimeout(r, restartIn + 500));
  await dst.stop();
  const stoppedAt = errors.mock.calls.length;
  // The restart that was connecting gives up; nothing starts again after it.
  await new Promise((r) => setTimeout(r, 25000));
  expect(restarts(stoppedAt)).toBe(0);
  const lastLines = errors.mock.calls.length;
  await new Promise((r) => setTimeout(r, 5000));
  expect(errors.mock.calls.length).toBe(lastLines);
  errors.mockRestore();
}, 300000);
