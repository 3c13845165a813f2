import webpush, { WebPushError } from 'web-push';
import type { Agent } from 'node:https';
import { startSandbox, webPushAgent, type Sandbox } from '../src';

let sandbox: Sandbox;
let agent: Agent;
const vapid = webpush.generateVAPIDKeys();
const vapidDetails = {
  subject: 'mailto:ops@matchday.test',
  publicKey: vapid.publicKey,
  privateKey: vapid.privateKey,
};

beforeAll(async () => {
  sandbox = await startSandbox({ limits: { webpush: { limit: 3, windowMs: 60_000 } } });
  agent = webPushAgent({ baseUrl: sandbox.url });
});

afterEach(() => sandbox.reset());

afterAll(async () => {
  agent.destroy();
  await sandbox.close();
});

const send = (subscription: webpush.PushSubscription, payload: string, details = vapidDetails) =>
  webpush.sendNotification(subscription, payload, {
    vapidDetails: details,
    TTL: 3600,
    urgency: 'high',
    agent,
  });

describe('Web Push service through web-push (VAPID, aes128gcm)', () => {
  it('when a notification is sent to a subscription, then it is accepted (201) and its payload decrypts with the subscription keys', async () => {
    const subscription = sandbox.createPushSubscription();
    const res = await send(subscription, JSON.stringify({ title: 'Kick-off moved', body: '20:00' }));
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toMatch(new RegExp(`^${sandbox.url}/wpush/messages/`));
    const [message] = [...sandbox.state.webpush.messages.values()];
    expect(message).toMatchObject({
      ttl: 3600,
      urgency: 'high',
      vapidSubject: 'mailto:ops@matchday.test',
      vapidPublicKey: vapid.publicKey,
    });
    expect(JSON.parse(message!.payload!)).toEqual({ title: 'Kick-off moved', body: '20:00' });
  });

  it('when the subscription is gone or unknown, then the push service answers 410 or 404', async () => {
    const keys = sandbox.createPushSubscription().keys;
    const gone = await send({ endpoint: `${sandbox.url}/wpush/gone-1`, keys }, 'x').catch((e: unknown) => e);
    const missing = await send({ endpoint: `${sandbox.url}/wpush/notfound-1`, keys }, 'x').catch(
      (e: unknown) => e,
    );
    expect(gone).toBeInstanceOf(WebPushError);
    expect((gone as WebPushError).statusCode).toBe(410);
    expect((missing as WebPushError).statusCode).toBe(404);
    expect(sandbox.state.webpush.messages.size).toBe(0);
  });

  it('when the VAPID signature was made with another key, then the request is refused with 401', async () => {
    const subscription = sandbox.createPushSubscription();
    const other = webpush.generateVAPIDKeys();
    const err = (await send(subscription, 'x', {
      ...vapidDetails,
      publicKey: vapid.publicKey,
      privateKey: other.privateKey,
    }).catch((e: unknown) => e)) as WebPushError;
    expect(err.statusCode).toBe(401);
    expect(err.body).toMatch(/signature/);
  });

  it('when more requests than the limit arrive in a window, then the extra one gets 429 with Retry-After', async () => {
    const subscription = sandbox.createPushSubscription();
    const codes: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 4; i++) {
      codes.push(
        await send(subscription, 'x').then(
          (r) => r.statusCode,
          (e: WebPushError) => {
            retryAfter = e.headers['retry-after'];
            return e.statusCode;
          },
        ),
      );
    }
    expect(codes).toEqual([201, 201, 201, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(sandbox.state.stats.webpush).toMatchObject({ rateLimited: 1, peakPerWindow: 4 });
  });

  it('when a subscription is created through the control API, then it comes back in the browser’s JSON shape', async () => {
    const res = await fetch(`${sandbox.url}/__sandbox/webpush/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'browser-1' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as webpush.PushSubscription;
    expect(body.endpoint).toBe(`${sandbox.url}/wpush/browser-1`);
    expect(Buffer.from(body.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(body.keys.auth, 'base64url')).toHaveLength(16);
  });
});
