import { SMSFailure, type SMS } from '@vonage/sms';
import { startSandbox, vonageSms, type Sandbox } from '../src';

let sandbox: Sandbox;
let sms: SMS;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: { vonage: { limit: 2, windowMs: 60_000 } } });
  sms = vonageSms({
    apiKey: sandbox.secrets.vonageApiKey,
    apiSecret: sandbox.secrets.vonageApiSecret,
    baseUrl: sandbox.url,
  });
});

afterEach(() => sandbox.reset());

afterAll(() => sandbox.close());

const statuses = (err: unknown): string[] => (err as SMSFailure).getMessages().map((m) => m.status);

describe('Vonage SMS API through @vonage/sms', () => {
  it('when an SMS is sent, then it is accepted with a message id and kept with its client reference', async () => {
    const res = await sms.send({
      to: '+447700900001',
      from: 'Matchday',
      text: 'Kick-off moved to 20:00',
      clientRef: 'n-1',
    });
    expect(res.messages).toHaveLength(1);
    const [message] = res.messages;
    expect(message).toMatchObject({ to: '447700900001', status: '0', clientRef: 'n-1' });
    expect(message!.messageId).toMatch(/^[0-9A-F]{16}$/);
    expect(sandbox.state.vonage.messages.get(message!.messageId!)).toMatchObject({
      to: '447700900001',
      from: 'Matchday',
      clientRef: 'n-1',
    });
  });

  it('when the number is barred or malformed, then the SDK throws with status 7 or 3 and nothing is sent', async () => {
    const barred = await sms
      .send({ to: '15005550004', from: 'Matchday', text: 'hi' })
      .catch((e: unknown) => e);
    expect(barred).toBeInstanceOf(SMSFailure);
    expect(statuses(barred)).toEqual(['7']);
    const malformed = await sms.send({ to: '12', from: 'Matchday', text: 'hi' }).catch((e: unknown) => e);
    expect(statuses(malformed)).toEqual(['3']);
    expect(sandbox.state.vonage.messages.size).toBe(0);
  });

  it('when the credentials are wrong, then the answer is status 4', async () => {
    const wrong = vonageSms({ apiKey: 'nope', apiSecret: 'nope', baseUrl: sandbox.url });
    const err = await wrong
      .send({ to: '447700900001', from: 'Matchday', text: 'hi' })
      .catch((e: unknown) => e);
    expect(statuses(err)).toEqual(['4']);
  });

  it('when requests exceed the throughput limit, then the extra ones are throttled (status 1) and the stats show the peak', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await sms.send({ to: `44770090000${i}`, from: 'Matchday', text: 'hi' }).then(
          (r) => r.messages[0]!.status,
          (e: unknown) => statuses(e)[0]!,
        ),
      );
    }
    expect(outcomes).toEqual(['0', '0', '1']);
    expect(sandbox.state.stats.vonage).toMatchObject({ rateLimited: 1, peakPerWindow: 3 });
  });

  it('when a fault rule answers 500, then the SDK rejects with the HTTP status', async () => {
    sandbox.addFault({ provider: 'vonage', status: 500, count: 1 });
    const err = (await sms
      .send({ to: '447700900001', from: 'Matchday', text: 'hi' })
      .catch((e: unknown) => e)) as {
      response?: { status?: number };
    };
    expect(err.response?.status).toBe(500);
  });
});
