import { createServer } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText } from '@matchday/observability';
import {
  sendgridMail,
  signSendgrid,
  signStripe,
  signTwilio,
  startSandbox,
  stripeClient,
  twilioClient,
  type Sandbox,
} from '@matchday/provider-sandbox';
import {
  deleteTopics,
  eventually,
  isolation,
  probe,
  serviceDb,
  setupTopics,
  testInfra,
  type EventProbe,
  type ServiceDb,
} from '@matchday/testkit';
import { createDb } from '@matchday/db';
import request from 'supertest';
import { configSchema, type Config } from '../src/config';
import { migrations } from '../src/db/migrations';
import { buildService, type WebhookIngestService } from '../src/service';

const iso = isolation();
let sdb: ServiceDb;
let sandbox: Sandbox;
let service: WebhookIngestService;
let server: Server;
let events: EventProbe;
let baseUrl: string;
let config: Config;

const admin = { 'x-user-id': 'ops-1', 'x-user-roles': 'admin' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const stored = async (where: Record<string, string> = {}) => service.db('webhooks').where(where);

/** A minimal Stripe event, as the provider would post it. */
function stripeEvent(id: string, type = 'payment_intent.succeeded', pi = 'pi_test_1') {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: pi, object: 'payment_intent', status: 'succeeded', amount: 1000 } },
  });
}

const postStripe = (body: string, signature: string) =>
  request(service.handler).post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', signature).send(body);

beforeAll(async () => {
  const infra = await testInfra();
  await setupTopics(iso.topicPrefix);
  const schema = iso.schema('webhook');
  sdb = await serviceDb('webhook_ingest', schema, { migrations: migrations(schema) });
  sandbox = await startSandbox();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  config = configSchema.parse({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: sdb.url,
    DB_SCHEMA: schema,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: iso.topicPrefix,
    STRIPE_WEBHOOK_SECRET: sandbox.secrets.stripeWebhookSecret,
    TWILIO_AUTH_TOKEN: sandbox.secrets.twilioAuthToken,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sandbox.secrets.sendgridPublicKey,
    WEBHOOK_PUBLIC_URL: baseUrl,
  });
  service = buildService(config, { db: sdb.db });
  await service.start();
  server = createHttpServer(service.handler);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  sandbox.setWebhookTargets({
    stripe: `${baseUrl}/webhooks/stripe`,
    twilio: `${baseUrl}/webhooks/twilio`,
    sendgrid: `${baseUrl}/webhooks/sendgrid`,
  });
  events = await probe(iso.topicPrefix, ['provider.webhooks']);
});

afterAll(async () => {
  await events?.stop();
  await new Promise<void>((r) => server?.close(() => r()));
  await service?.stop();
  await sandbox?.close();
  await sdb?.destroy();
  await deleteTopics(iso.topicPrefix);
});

describe('webhooks from the providers (sandbox over HTTP, real SDKs)', () => {
  it('when Stripe posts the events of a captured payment, then each is stored once and published keyed by its payment intent', async () => {
    const stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
    const pi = await stripe.paymentIntents.create(
      { amount: 4200, currency: 'eur', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: `create-${iso.id}` },
    );
    await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: `capture-${iso.id}` });
    const sent = [...sandbox.state.stripe.events.values()].filter((e) => {
      const o = e.data.object as { id?: string; payment_intent?: string };
      return o.id === pi.id || o.payment_intent === pi.id;
    });
    expect(sent.map((e) => e.type)).toEqual(
      expect.arrayContaining(['payment_intent.created', 'charge.succeeded', 'charge.captured', 'payment_intent.succeeded']),
    );
    const published = await events.waitForCount(
      (e) => e.type === 'stripe.event.v1' && (e.data as { paymentIntentId: string }).paymentIntentId === pi.id,
      sent.length,
    );
    // Charges carry the intent too: every one of the payment's events has the intent as its key.
    expect(new Set(published.map((e) => e.subject))).toEqual(new Set([pi.id]));
    expect(new Set(published.map((e) => (e.data as { eventId: string }).eventId))).toEqual(new Set(sent.map((e) => e.id)));
    expect(await stored({ provider: 'stripe', root_id: pi.id })).toHaveLength(sent.length);
  });

  it('when Twilio posts signed status callbacks, then each status is stored once and published keyed by MessageSid', async () => {
    const twilio = twilioClient({ accountSid: sandbox.secrets.twilioAccountSid, authToken: sandbox.secrets.twilioAuthToken, baseUrl: sandbox.url });
    const message = await twilio.messages.create({ to: '+447700900123', from: '+15005550006', body: 'Your booking is confirmed' });
    const published = await events.waitForCount((e) => e.type === 'twilio.message.status.v1' && e.subject === message.sid, 2);
    expect(published.map((e) => (e.data as { status: string }).status)).toEqual(expect.arrayContaining(['sent', 'delivered']));
    const rows = await stored({ provider: 'twilio', root_id: message.sid });
    expect(rows.map((r: { dedupe_key: string }) => r.dedupe_key).sort()).toEqual([`${message.sid}:delivered`, `${message.sid}:sent`]);
  });

  it('when SendGrid posts a batch of events, then they are split, stored and published one by one', async () => {
    const mail = sendgridMail({ apiKey: sandbox.secrets.sendgridApiKey, baseUrl: sandbox.url });
    await mail.send({ to: ['ann@example.com', 'bounce@example.com'], from: 'tickets@matchday.test', subject: 'Booked', text: 'See you there' });
    await sandbox.flushWebhooks();
    const published = await events.waitForCount((e) => e.type === 'sendgrid.event.v1', 4);
    expect(published.map((e) => (e.data as { event: string }).event).sort()).toEqual(['bounce', 'delivered', 'processed', 'processed']);
    for (const e of published) expect(e.subject).toBe((e.data as { sgMessageId: string }).sgMessageId);
    expect(await stored({ provider: 'sendgrid' })).toHaveLength(4);
  });
});

describe('refusals: never stored, never published', () => {
  it('when a webhook has a bad signature, an old timestamp or a malformed body, then it is refused with problem+json, counted, and nothing of it is stored or published', async () => {
    const secret = sandbox.secrets.stripeWebhookSecret;
    const now = Math.floor(Date.now() / 1000);

    const forged = stripeEvent('evt_forged');
    const bad = await postStripe(forged, signStripe(forged, 'whsec_not_the_secret'));
    expect(bad.status).toBe(401);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body).toMatchObject({ status: 401, code: 'WEBHOOK_SIGNATURE_INVALID' });

    const tampered = await postStripe(stripeEvent('evt_tampered', 'charge.refunded'), signStripe(stripeEvent('evt_tampered'), secret));
    expect(tampered.status).toBe(401);

    const unsigned = await request(service.handler).post('/webhooks/stripe').set('content-type', 'application/json').send(stripeEvent('evt_unsigned'));
    expect(unsigned.status).toBe(401);

    const old = stripeEvent('evt_old');
    const stale = await postStripe(old, signStripe(old, secret, now - 3600));
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: 'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE' });

    const future = stripeEvent('evt_future');
    expect((await postStripe(future, signStripe(future, secret, now + 3600))).status).toBe(401);

    const notJson = '{"id":"evt_broken",';
    const broken = await postStripe(notJson, signStripe(notJson, secret));
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/application\/problem\+json/);

    const notAnEvent = JSON.stringify({ hello: 'world' });
    const shapeless = await postStripe(notAnEvent, signStripe(notAnEvent, secret));
    expect(shapeless.status).toBe(400);
    expect(shapeless.body).toMatchObject({ code: 'WEBHOOK_MALFORMED' });

    const form = { MessageSid: 'SM_forged', MessageStatus: 'delivered' };
    const twilioForged = await request(service.handler)
      .post('/webhooks/twilio')
      .set('x-twilio-signature', signTwilio(`${baseUrl}/webhooks/twilio`, form, 'wrong-token'))
      .type('form')
      .send(form);
    expect(twilioForged.status).toBe(401);

    const sgBody = JSON.stringify([{ sg_event_id: 'sg_old', sg_message_id: 'm1', event: 'delivered', email: 'a@b.c', timestamp: now }]);
    const sgTs = String(now - 3600);
    const sgOld = await request(service.handler)
      .post('/webhooks/sendgrid')
      .set('content-type', 'application/json')
      .set('x-twilio-email-event-webhook-signature', signSendgrid(sgBody, sgTs, sandbox.secrets.sendgridPrivateKey))
      .set('x-twilio-email-event-webhook-timestamp', sgTs)
      .send(sgBody);
    expect(sgOld.status).toBe(401);

    // A valid webhook sent afterwards is published: everything before it had its chance to be.
    const marker = stripeEvent('evt_marker_after_refusals', 'payment_intent.created', 'pi_marker');
    expect((await postStripe(marker, signStripe(marker, secret))).status).toBe(200);
    await events.waitFor('stripe.event.v1', (e) => e.data.eventId === 'evt_marker_after_refusals');
    const refusedIds = ['evt_forged', 'evt_tampered', 'evt_unsigned', 'evt_old', 'evt_future', 'evt_broken', 'SM_forged:delivered', 'sg_old'];
    expect(await service.db('webhooks').whereIn('dedupe_key', refusedIds)).toEqual([]);
    const publishedIds = events.events.map((e) => JSON.stringify(e.data));
    for (const id of refusedIds) expect(publishedIds.some((d) => d.includes(`"${id.split(':')[0]}"`))).toBe(false);

    const metrics = await metricsText();
    expect(metrics).toMatch(/webhook_rejected_total\{provider="stripe",reason="signature"\} [3-9]/);
    expect(metrics).toMatch(/webhook_rejected_total\{provider="stripe",reason="timestamp"\} [2-9]/);
    expect(metrics).toMatch(/webhook_rejected_total\{provider="stripe",reason="malformed"\} [2-9]/);
    expect(metrics).toMatch(/webhook_rejected_total\{provider="twilio",reason="signature"\} 1/);
    expect(metrics).toMatch(/webhook_rejected_total\{provider="sendgrid",reason="timestamp"\} 1/);
  });

  it('when a webhook is posted to an unknown provider path or with another method, then it is a 404 problem, not a catch-all success', async () => {
    const res = await request(service.handler).post('/webhooks/paypal').set('content-type', 'application/json').send('{}');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await request(service.handler).get('/webhooks/stripe')).status).toBe(404);
  });

  it('when a webhook body is larger than the limit, then it is refused with 413 before any verification', async () => {
    const huge = 'x'.repeat(config.WEBHOOK_BODY_LIMIT_BYTES + 1);
    const res = await postStripe(huge, signStripe(huge, sandbox.secrets.stripeWebhookSecret));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('when the webhook cannot be stored, then it is answered 503 with Retry-After so the provider delivers it again', async () => {
    const broken = createDb({ url: 'postgres://postgres@127.0.0.1:1/none', schema: 'webhook', poolMax: 1 });
    const down = buildService(config, { db: broken });
    const body = stripeEvent('evt_db_down');
    const res = await request(down.handler)
      .post('/webhooks/stripe')
      .set('content-type', 'application/json')
      .set('stripe-signature', signStripe(body, sandbox.secrets.stripeWebhookSecret))
      .send(body);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(await metricsText()).toMatch(/webhook_group_commit_errors_total [1-9]/);
    await broken.destroy();
  });
});

describe('duplicates', () => {
  it('when the same webhook is delivered three times, at once and again later, then it is stored and published once with 3 deliveries', async () => {
    const body = stripeEvent('evt_thrice', 'payment_intent.succeeded', 'pi_thrice');
    const signature = signStripe(body, sandbox.secrets.stripeWebhookSecret);
    const answers = await Promise.all([postStripe(body, signature), postStripe(body, signature)]);
    answers.push(await postStripe(body, signature));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body.stored + a.body.duplicates)).toEqual([1, 1, 1]);
    expect(answers.reduce((n, a) => n + a.body.stored, 0)).toBe(1);

    const [row] = await stored({ dedupe_key: 'evt_thrice' });
    expect(row).toMatchObject({ deliveries: 3, root_id: 'pi_thrice' });
    const marker = stripeEvent('evt_thrice_marker', 'payment_intent.created', 'pi_thrice');
    await postStripe(marker, signStripe(marker, sandbox.secrets.stripeWebhookSecret));
    await events.waitFor('stripe.event.v1', (e) => e.data.eventId === 'evt_thrice_marker');
    expect(events.events.filter((e) => e.type === 'stripe.event.v1' && (e.data as { eventId: string }).eventId === 'evt_thrice')).toHaveLength(1);
  });

  it('when the sandbox duplicates and reorders its deliveries, then every event is still published exactly once', async () => {
    sandbox.setWebhookFaults('stripe', { duplicateRate: 1, reorder: true });
    const stripe = stripeClient({ apiKey: sandbox.secrets.stripeApiKey, baseUrl: sandbox.url });
    const pi = await stripe.paymentIntents.create(
      { amount: 990, currency: 'gbp', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: `dup-${iso.id}` },
    );
    await sandbox.flushWebhooks();
    const sent = [...sandbox.state.stripe.events.values()].filter((e) => (e.data.object as { id?: string; payment_intent?: string }).id === pi.id || (e.data.object as { payment_intent?: string }).payment_intent === pi.id);
    await eventually(async () => (await stored({ root_id: pi.id })).length === sent.length, { what: 'all events stored' });
    await eventually(
      () => events.events.filter((e) => e.subject === pi.id).length === sent.length,
      { what: 'all events published' },
    );
    await eventually(async () => (await stored({ root_id: pi.id })).every((r: { deliveries: number }) => r.deliveries === 2), {
      what: 'both copies counted',
    });
    expect(events.events.filter((e) => e.subject === pi.id)).toHaveLength(sent.length);
    sandbox.clearFaults('stripe');
  });

  it('when webhooks are stored, then their bodies and event payloads are kept out of line, so the relay marking an event and a re-delivery write small row versions, not another copy of the provider object', async () => {
    const { rows } = await service.db.raw(
      `SELECT c.relname AS table, a.attname AS column, a.attstorage AS storage, c.reloptions AS options
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = current_schema()::regnamespace
          AND (c.relname, a.attname) IN (('outbox', 'payload'), ('webhooks', 'body'))
        ORDER BY 1`,
    );
    expect(rows).toEqual([
      { table: 'outbox', column: 'payload', storage: 'e', options: ['toast_tuple_target=128'] },
      { table: 'webhooks', column: 'body', storage: 'e', options: ['toast_tuple_target=128'] },
    ]);
  });
});

describe('admin', () => {
  it('when an admin lists stored webhooks by provider, then pages come in order received; a fan is refused', async () => {
    const first = await request(service.app).get('/v1/admin/webhooks?provider=twilio&limit=1').set(admin);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({ provider: 'twilio', deliveries: expect.any(Number) });
    const second = await request(service.app).get(`/v1/admin/webhooks?provider=twilio&limit=1&cursor=${first.body.nextCursor}`).set(admin);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);

    const fan = await request(service.app).get('/v1/admin/webhooks').set({ 'x-user-id': 'u1', 'x-user-roles': 'fan' });
    expect(fan.status).toBe(403);
    const nobody = await request(service.app).post('/v1/admin/webhooks/replay').send({ since: new Date().toISOString() });
    expect(nobody.status).toBe(401);
  });

  it('when support reads the outbox, then every webhook event published is listed once, page by page, and the summary counts the same rows; there are no dead letters here', async () => {
    const support = { 'x-user-id': 'sup-1', 'x-user-roles': 'support' };
    type Row = { eventId: string; type: string; topic: string; published: boolean };
    const readAll = async (): Promise<Row[]> => {
      const rows: Row[] = [];
      let after: string | null = null;
      do {
        const res = await request(service.app)
          .get(`/v1/admin/events/outbox?limit=5${after ? `&after=${after}` : ''}`)
          .set(support)
          .expect(200);
        rows.push(...(res.body.items as Row[]));
        after = res.body.nextCursor as string | null;
      } while (after);
      return rows;
    };
    const seen = new Set(events.events.map((e) => e.id));
    expect(seen.size).toBeGreaterThan(5);
    const { rows, summary } = await eventually(
      async () => {
        const rows = await readAll();
        const summary = (await request(service.app).get('/v1/admin/events/summary').set(support).expect(200)).body as {
          outbox: Array<{ count: number }>;
          inbox: unknown[];
        };
        const published = new Set(rows.filter((r) => r.published).map((r) => r.eventId));
        const counted = summary.outbox.reduce((n, r) => n + r.count, 0);
        return [...seen].every((id) => published.has(id)) && counted === rows.length ? { rows, summary } : undefined;
      },
      { what: 'every published event listed' },
    );
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.topic))).toEqual(new Set(['provider.webhooks']));
    expect(summary.inbox).toEqual([]);
    expect((await request(service.app).get('/v1/admin/dlq').set(admin)).status).toBe(404);
    expect((await request(service.app).get('/v1/admin/events/outbox').set({ 'x-user-id': 'u1', 'x-user-roles': 'fan' })).status).toBe(403);
  });

  it('when an admin replays stored webhooks, then they are published again with their webhook id and a fresh event id', async () => {
    const [row] = await stored({ dedupe_key: 'evt_thrice' });
    const res = await request(service.app).post('/v1/admin/webhooks/replay').set(admin).send({ ids: [row.id] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ replayed: 1, ids: [row.id] });
    const copies = await events.waitForCount((e) => e.type === 'stripe.event.v1' && (e.data as { webhookId: string }).webhookId === row.id, 2);
    expect(new Set(copies.map((e) => e.id)).size).toBe(2);
    expect(copies[1]!.subject).toBe('pi_thrice');
    const [after] = await stored({ id: row.id });
    expect(after.replays).toBe(1);

    const empty = await request(service.app).post('/v1/admin/webhooks/replay').set(admin).send({});
    expect(empty.status).toBe(400);
  });
});
