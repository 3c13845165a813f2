import { deleteApp } from 'firebase-admin/app';
import type { Messaging } from 'firebase-admin/messaging';
import { fcmMessaging, startSandbox, type Sandbox } from '../src';

let sandbox: Sandbox;
let messaging: Messaging;

beforeAll(async () => {
  sandbox = await startSandbox({ limits: { fcm: { limit: 5, windowMs: 60_000 } } });
  messaging = fcmMessaging({ projectId: sandbox.secrets.fcmProjectId, baseUrl: sandbox.url });
});

afterEach(() => sandbox.reset());

afterAll(async () => {
  await deleteApp(messaging.app);
  await sandbox.close();
});

const notification = { title: 'Booking confirmed', body: 'See you on Saturday' };

describe('FCM through firebase-admin (legacy HTTP/1.1 transport)', () => {
  it('when sendEach includes an unregistered token, then that message fails with messaging/registration-token-not-registered and the others are sent', async () => {
    const result = await messaging.sendEach([
      { token: 'device-a', notification },
      { token: 'unregistered-device-b', notification },
      { token: 'device-c', data: { booking_id: 'b-1' } },
    ]);
    expect(result).toMatchObject({ successCount: 2, failureCount: 1 });
    expect(result.responses[0]!.messageId).toMatch(
      new RegExp(`^projects/${sandbox.secrets.fcmProjectId}/messages/`),
    );
    expect(result.responses[1]!.success).toBe(false);
    expect(result.responses[1]!.error?.code).toBe('messaging/registration-token-not-registered');
    expect(result.responses[2]!.success).toBe(true);
    const sent = [...sandbox.state.fcm.messages.values()];
    expect(sent.map((m) => m.message.token).sort()).toEqual(['device-a', 'device-c']);
    expect(sent.find((m) => m.message.token === 'device-c')!.message.data).toEqual({ booking_id: 'b-1' });
  });

  it('when a multicast includes a malformed token, then it fails with messaging/invalid-argument', async () => {
    const result = await messaging.sendEachForMulticast({
      tokens: ['device-a', 'invalid-token'],
      notification,
    });
    expect(result.successCount).toBe(1);
    expect(result.responses[1]!.error?.code).toBe('messaging/invalid-argument');
  });

  it('when a single message is sent, then its name comes back', async () => {
    const name = await messaging.send({ topic: 'match-42', notification });
    expect(name).toMatch(new RegExp(`^projects/${sandbox.secrets.fcmProjectId}/messages/0:`));
  });

  it('when the project quota is exceeded, then the extra messages fail with messaging/message-rate-exceeded and the stats show it', async () => {
    const result = await messaging.sendEach(
      Array.from({ length: 7 }, (_, i) => ({ token: `device-${i}`, notification })),
    );
    expect(result).toMatchObject({ successCount: 5, failureCount: 2 });
    const codes = result.responses.filter((r) => !r.success).map((r) => r.error?.code);
    expect(codes).toEqual(['messaging/message-rate-exceeded', 'messaging/message-rate-exceeded']);
    expect(sandbox.state.stats.fcm).toMatchObject({ rateLimited: 2, peakPerWindow: 7 });
    expect(sandbox.state.stats.fcm.windows[0]).toMatchObject({ attempted: 7, accepted: 5 });
  });

  it('when a request carries no OAuth token, then FCM answers 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${sandbox.url}/v1/projects/${sandbox.secrets.fcmProjectId}/messages:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: { token: 'device-a' } }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    expect(sandbox.state.fcm.messages.size).toBe(0);
  });

  it('when a path under /v1/projects is not an FCM method, then FCM answers 404 NOT_FOUND, and the request is counted', async () => {
    const res = await fetch(`${sandbox.url}/v1/projects/${sandbox.secrets.fcmProjectId}/messages:batchSend`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
    expect(sandbox.state.stats.fcm).toMatchObject({ requests: 1, byStatus: { '404': 1 } });
  });

  it('when many messages are sent at once, then every one gets its own name', async () => {
    const result = await messaging.sendEach(
      Array.from({ length: 5 }, (_, i) => ({ token: `device-${i}`, notification })),
    );
    expect(new Set(result.responses.map((r) => r.messageId)).size).toBe(5);
    expect(sandbox.state.fcm.messages.size).toBe(5);
  });

  it('when the project id is not the sandbox project, then the request is denied', async () => {
    const other = fcmMessaging({ projectId: 'someone-else', baseUrl: sandbox.url });
    try {
      const result = await other.sendEach([{ token: 'device-a', notification }]);
      expect(result.responses[0]!.error?.code).toBe('messaging/mismatched-credential');
    } finally {
      await deleteApp(other.app);
    }
  });
});
