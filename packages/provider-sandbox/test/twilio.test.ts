import twilio from 'twilio';
import { startSandbox, twilioClient, type Sandbox } from '../src';
import { startReceiver, type ReceivedWebhook, type Receiver } from './receiver';

let sandbox: Sandbox;
let receiver: Receiver;
let client: twilio.Twilio;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    webhookTargets: { twilio: `${receiver.url}/webhooks/twilio` },
    // A minute-long window keeps the throughput test clear of window boundaries.
    limits: { twilio: { limit: 1, windowMs: 60_000 } },
  });
  client = twilioClient({
    accountSid: sandbox.secrets.twilioAccountSid,
    authToken: sandbox.secrets.twilioAuthToken,
    baseUrl: sandbox.url,
  });
});

afterEach(() => {
  sandbox.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

const params = (h: ReceivedWebhook): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(h.body));
const statuses = (): string[] => receiver.received.map((h) => params(h).MessageStatus!);

describe('Twilio messages through the official SDK', () => {
  it('when an SMS is sent, then signed status callbacks (sent, delivered) arrive and validate with twilio.validateRequest', async () => {
    const callbackUrl = `${receiver.url}/webhooks/twilio?tenant=matchday`;
    const message = await client.messages.create({
      to: '+15551234567',
      from: '+15005550006',
      body: 'Your booking is confirmed',
      statusCallback: callbackUrl,
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      status: 'queued',
      to: '+15551234567',
      from: '+15005550006',
      numSegments: '1',
      direction: 'outbound-api',
    });

    await receiver.waitFor(() => statuses().includes('delivered'));
    expect(statuses()).toEqual(['sent', 'delivered']);
    for (const h of receiver.received) {
      const url = `${receiver.url}${h.path}`;
      expect(url).toBe(callbackUrl);
      expect(h.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(
        twilio.validateRequest(
          sandbox.secrets.twilioAuthToken,
          h.headers['x-twilio-signature'] as string,
          url,
          params(h),
        ),
      ).toBe(true);
      expect(params(h)).toMatchObject({
        MessageSid: message.sid,
        AccountSid: sandbox.secrets.twilioAccountSid,
        To: '+15551234567',
      });
    }
    const tampered = { ...params(receiver.received[0]!), MessageStatus: 'delivered' };
    expect(
      twilio.validateRequest(
        sandbox.secrets.twilioAuthToken,
        receiver.received[0]!.headers['x-twilio-signature'] as string,
        callbackUrl,
        tampered,
      ),
    ).toBe(false);

    const fetched = await client.messages(message.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('when the handset is unreachable (+15005550001), then the final callback is undelivered with ErrorCode 30003', async () => {
    const message = await client.messages.create({
      to: '+15005550001',
      from: '+15005550006',
      body: 'Match moved to 20:00',
    });
    await receiver.waitFor(() => statuses().includes('undelivered'));
    const last = params(receiver.received.at(-1)!);
    expect(last).toMatchObject({ MessageSid: message.sid, MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(receiver.received[0]!.path).toBe('/webhooks/twilio');
    const fetched = await client.messages(message.sid).fetch();
    expect(fetched).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('when the message fails (+15005550002), then a single failed callback carries ErrorCode 30008', async () => {
    await client.messages.create({ to: '+15005550002', from: '+15005550006', body: 'x' });
    await receiver.waitFor(() => statuses().includes('failed'));
    expect(statuses()).toEqual(['failed']);
    expect(params(receiver.received[0]!).ErrorCode).toBe('30008');
  });

  it('when the recipient opted out or the number is invalid, then the SDK throws RestException with the Twilio code', async () => {
    const optedOut = await client.messages
      .create({ to: '+15005550004', from: '+15005550006', body: 'x' })
      .catch((e: unknown) => e);
    expect(optedOut).toBeInstanceOf(twilio.RestException);
    expect(optedOut).toMatchObject({ status: 400, code: 21610 });
    await expect(
      client.messages.create({ to: '0612345678', from: '+15005550007', body: 'x' }),
    ).rejects.toMatchObject({ status: 400, code: 21211 });
    await expect(
      client.messages.create({ to: '+15551234567', from: '+15005550008' } as never),
    ).rejects.toMatchObject({ code: 21602 });
    expect(sandbox.state.twilio.messages.size).toBe(0);
  });

  it('when a long-code sender goes over its throughput, then the SDK throws RestException 20429 and the stats show the peak', async () => {
    await client.messages.create({ to: '+15551230001', from: '+15005550010', body: 'one' });
    const err = await client.messages
      .create({ to: '+15551230002', from: '+15005550010', body: 'two' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ status: 429, code: 20429 });
    // Another sender has its own budget.
    await client.messages.create({ to: '+15551230003', from: '+15005550011', body: 'three' });
    expect(sandbox.state.stats.twilio).toMatchObject({ rateLimited: 1, peakPerWindow: 2 });
  });

  it('when the credentials are wrong, then the SDK throws RestException 20003', async () => {
    const wrong = twilioClient({
      accountSid: sandbox.secrets.twilioAccountSid,
      authToken: 'nope',
      baseUrl: sandbox.url,
    });
    await expect(
      wrong.messages.create({ to: '+15551234567', from: '+15005550006', body: 'x' }),
    ).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('when a message is long or not GSM-7, then it is billed in the right number of segments', async () => {
    const long = await client.messages.create({
      to: '+15551234567',
      from: '+15005550012',
      body: 'a'.repeat(161),
    });
    expect(long.numSegments).toBe('2');
    const unicode = await client.messages.create({
      to: '+15551234567',
      from: '+15005550013',
      body: '⚽'.repeat(71),
    });
    expect(unicode.numSegments).toBe('2');
  });
});
