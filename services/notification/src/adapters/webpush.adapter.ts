import type { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';
import {
  ProviderRateLimited,
  ProviderUnavailable,
  type MessageResult,
  type ProviderPort,
  type PushMessage,
} from '../app/ports';

/**
 * Push to browsers through the Web Push protocol (`web-push`, VAPID, aes128gcm): the second push
 * provider, for devices registered with a push subscription. 404/410 mean the subscription is gone
 * (the device is dropped), 429 a rate limit (Retry-After), 5xx and network errors the push service
 * being unavailable. `agent` is set only when every endpoint is dialled at the provider sandbox.
 */
export function webPush(deps: {
  vapid: { subject: string; publicKey: string; privateKey: string };
  timeoutMs: number;
  agent?: Agent;
}): ProviderPort<PushMessage> {
  return {
    name: 'webpush',
    channel: 'push',
    maxPerCall: 1,
    sameContentPerCall: false,
    cost: (call) => call.length,
    async send(call) {
      return Promise.all(
        call.map(async (m): Promise<MessageResult> => {
          if (!m.subscription)
            return {
              id: m.id,
              ok: false,
              failure: 'rejected',
              reason: 'webpush: device has no subscription',
              dropDevice: true,
            };
          try {
            const res = await webpush.sendNotification(
              m.subscription,
              JSON.stringify({ title: m.title, body: m.body, data: m.data }),
              {
                vapidDetails: deps.vapid,
                TTL: 24 * 3600,
                urgency: 'high',
                timeout: deps.timeoutMs,
                ...(deps.agent && { agent: deps.agent }),
              },
            );
            const location = res.headers.location;
            return { id: m.id, ok: true, externalId: typeof location === 'string' ? location : null };
          } catch (e) {
            if (e instanceof WebPushError) {
              const status = e.statusCode;
              if (status === 404 || status === 410) {
                return {
                  id: m.id,
                  ok: false,
                  failure: 'rejected',
                  reason: `webpush ${status}: subscription gone`,
                  dropDevice: true,
                };
              }
              if (status === 429) {
                const after = Number(e.headers['retry-after']);
                throw new ProviderRateLimited(
                  'webpush 429',
                  Number.isFinite(after) && after > 0 ? after * 1000 : 1000,
                );
              }
              if (status >= 400 && status < 500)
                return { id: m.id, ok: false, failure: 'rejected', reason: `webpush ${status}: ${e.body}` };
              throw new ProviderUnavailable(`webpush ${status}: ${e.body}`);
            }
            throw new ProviderUnavailable(`webpush: ${(e as Error).message}`);
          }
        }),
      );
    },
  };
}
