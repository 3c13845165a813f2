import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@matchday/observability';
import { ApiClient, RequestStats } from '../src/http';

/**
 * The fans' client behaves like an app: a request whose Idempotency-Key is still held by an earlier
 * attempt (one lost with a killed process holds it until its lease ends) is retried after the
 * server's Retry-After with the same key, not given up on.
 */
const logger = createLogger({ service: 'matchday-test', level: 'error' });
let server: Server;
let baseUrl: string;
const seen: Array<{ key: string | undefined; at: number }> = [];
let busyAnswers = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ key: req.headers['idempotency-key'] as string | undefined, at: Date.now() });
    if (busyAnswers > 0) {
      busyAnswers--;
      res.writeHead(409, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(
        JSON.stringify({
          type: 'https://matchday.example/problems/idempotency-request-in-flight',
          title: 'Request in progress',
          status: 409,
          detail: 'A request with this Idempotency-Key is still being processed.',
        }),
      );
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ transferId: 't1' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('when the Idempotency-Key is still held by an earlier attempt (409 in flight), then the client waits Retry-After and retries with the same key until it is answered', async () => {
  seen.length = 0;
  busyAnswers = 2;
  const stats = new RequestStats();
  const client = new ApiClient({ baseUrl, stats, logger });
  const res = await client.post('/v1/bookings/b1/transfer', { toEmail: 'friend@example.com' });
  expect(res.status).toBe(201);
  expect(seen).toHaveLength(3);
  expect(new Set(seen.map((s) => s.key)).size).toBe(1);
  expect(seen[0]!.key).toBeTruthy();
  // Retry-After: 1 was honoured, not the client's own 100–300 ms backoff.
  expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  expect(stats.retries).toBe(2);
});

it('when a 409 is another conflict, then it is the answer: no retry', async () => {
  seen.length = 0;
  const stats = new RequestStats();
  const conflict = createServer((_req, res) => {
    seen.push({ key: undefined, at: Date.now() });
    res.writeHead(409, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'https://matchday.example/problems/transfer-pending', status: 409, code: 'TRANSFER_PENDING' }));
  });
  await new Promise<void>((r) => conflict.listen(0, '127.0.0.1', r));
  try {
    const client = new ApiClient({ baseUrl: `http://127.0.0.1:${(conflict.address() as AddressInfo).port}`, stats, logger });
    const res = await client.post('/v1/bookings/b1/transfer', {});
    expect(res.status).toBe(409);
    expect(seen).toHaveLength(1);
  } finally {
    await new Promise<void>((r) => conflict.close(() => r()));
  }
});
