import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';
import type { MailService } from '@sendgrid/mail';
import { sendgridMail, startSandbox, type Sandbox, type SendgridEvent } from '../src';
import { startReceiver, type ReceivedWebhook, type Receiver } from './receiver';

let sandbox: Sandbox;
let receiver: Receiver;
let mail: MailService;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({ webhookTargets: { sendgrid: `${receiver.url}/webhooks/sendgrid` } });
  mail = sendgridMail({ apiKey: sandbox.secrets.sendgridApiKey, baseUrl: sandbox.url });
});

afterEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const events = (): SendgridEvent[] => receiver.received.flatMap((h) => JSON.parse(h.body) as SendgridEvent[]);
const eventsOf = (email: string): string[] =>
  events()
    .filter((e) => e.email === email)
    .map((e) => e.event);

interface ResponseError {
  code: number;
  response: {
    body: { errors: Array<{ message: string; field: string | null }> };
    headers: Record<string, string>;
  };
}

describe('SendGrid mail through @sendgrid/mail and the signed Event Webhook', () => {
  it('when an email is sent, then it is accepted with X-Message-Id and signed events verify with @sendgrid/eventwebhook', async () => {
    const [response] = await mail.send({
      to: 'fan@example.com',
      from: 'tickets@matchday.test',
      subject: 'Your booking',
      text: 'See you at the match',
      customArgs: { booking_id: 'b-1' },
      categories: ['booking'],
    });
    expect(response.statusCode).toBe(202);
    const messageId = response.headers['x-message-id'] as string;
    expect(messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(response.headers['x-ratelimit-limit']).toBe('10000');

    await receiver.waitFor(() => eventsOf('fan@example.com').includes('delivered'));
    expect(eventsOf('fan@example.com')).toEqual(['processed', 'delivered']);

    const webhook = new EventWebhook();
    const key = webhook.convertPublicKeyToECDSA(sandbox.secrets.sendgridPublicKey);
    for (const h of receiver.received) {
      const signature = h.headers[EventWebhookHeader.SIGNATURE().toLowerCase()] as string;
      const timestamp = h.headers[EventWebhookHeader.TIMESTAMP().toLowerCase()] as string;
      expect(webhook.verifySignature(key, h.body, signature, timestamp)).toBe(true);
      expect(webhook.verifySignature(key, h.body.replace('fan@', 'fam@'), signature, timestamp)).toBe(false);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    }
    for (const e of events()) {
      expect(e.sg_message_id.startsWith(`${messageId}.filter`)).toBe(true);
      expect(e).toMatchObject({ email: 'fan@example.com', booking_id: 'b-1', category: ['booking'] });
    }
    expect(new Set(events().map((e) => e.sg_event_id)).size).toBe(events().length);
  });

  it('when recipients bounce, are dropped or deferred, then their events say so and others are delivered', async () => {
    const [response] = await mail.sendMultiple({
      to: ['bounce@example.com', 'someone@dropped.test', 'deferred@example.com', 'ok@example.com'],
      from: 'tickets@matchday.test',
      subject: 'Match day',
      html: '<p>Kick-off at 20:00</p>',
    });
    expect(response.statusCode).toBe(202);
    await receiver.waitFor(
      () =>
        eventsOf('deferred@example.com').includes('delivered') &&
        eventsOf('bounce@example.com').includes('bounce'),
    );
    expect(eventsOf('bounce@example.com')).toEqual(['processed', 'bounce']);
    expect(eventsOf('someone@dropped.test')).toEqual(['dropped']);
    expect(eventsOf('deferred@example.com')).toEqual(['processed', 'deferred', 'delivered']);
    expect(eventsOf('ok@example.com')).toEqual(['processed', 'delivered']);
    // Events are batched: the first array holds every recipient's first event.
    const firstBatch = JSON.parse(receiver.received[0]!.body) as SendgridEvent[];
    expect(firstBatch.slice(0, 4).map((e) => e.event)).toEqual([
      'processed',
      'dropped',
      'processed',
      'processed',
    ]);
    expect(receiver.received.length).toBeLessThan(events().length);
    const bounce = events().find((e) => e.event === 'bounce')!;
    expect(bounce).toMatchObject({ type: 'bounce', status: '5.1.1' });
  });

  it('when a request has more than 1000 personalizations or recipients, then it is rejected with SendGrid errors and nothing is sent', async () => {
    const recipients = Array.from({ length: 1001 }, (_, i) => `fan${i}@example.com`);
    const tooMany = (await mail
      .sendMultiple({ to: recipients, from: 'tickets@matchday.test', subject: 's', text: 't' })
      .catch((e: unknown) => e)) as ResponseError;
    expect(tooMany.code).toBe(400);
    expect(tooMany.response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'personalizations',
          message: 'The maximum number of personalizations is 1000.',
        }),
      ]),
    );

    const oneBig = (await mail
      .send({ to: recipients, from: 'tickets@matchday.test', subject: 's', text: 't' })
      .catch((e: unknown) => e)) as ResponseError;
    expect(oneBig.code).toBe(400);
    expect(oneBig.response.body.errors[0]!.message).toMatch(/no more than 1000/);
    expect(sandbox.state.sendgrid.messages.size).toBe(0);

    const [ok] = await mail.sendMultiple({
      to: recipients.slice(0, 1000),
      from: 'tickets@matchday.test',
      subject: 's',
      text: 't',
    });
    expect(ok.statusCode).toBe(202);
  });

  it('when the email has no content or subject, then each problem is named by field', async () => {
    const err = (await mail
      .send({ to: 'fan@example.com', from: 'tickets@matchday.test' } as never)
      .catch((e: unknown) => e)) as ResponseError;
    expect(err.code).toBe(400);
    expect(err.response.body.errors.map((e) => e.field)).toEqual(['subject', 'content']);
  });

  it('when the API key is wrong, then the request is refused with 401', async () => {
    const wrong = sendgridMail({ apiKey: 'SG.wrong.key', baseUrl: sandbox.url });
    const err = (await wrong
      .send({ to: 'fan@example.com', from: 'tickets@matchday.test', subject: 's', text: 't' })
      .catch((e: unknown) => e)) as ResponseError;
    expect(err.code).toBe(401);
  });

  it('when webhook deliveries are flushed, then events waiting in the batch window are posted at once', async () => {
    sandbox.setWebhookTargets({ sendgrid: `${receiver.url}/late` });
    await mail.send({ to: 'fan@example.com', from: 'tickets@matchday.test', subject: 's', text: 't' });
    const summary = await sandbox.flushWebhooks();
    expect(summary).toMatchObject({ attempted: 1, delivered: 1 });
    expect(receiver.received.map((h: ReceivedWebhook) => h.path)).toEqual(['/late']);
    sandbox.setWebhookTargets({ sendgrid: `${receiver.url}/webhooks/sendgrid` });
  });
});
