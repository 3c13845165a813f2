import type { Messaging } from 'firebase-admin/messaging';
import {
  ProviderRateLimited,
  ProviderUnavailable,
  type MessageResult,
  type ProviderPort,
  type PushMessage,
} from '../app/ports';

const GONE = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
  'messaging/mismatched-credential',
]);
const RATE = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/quota-exceeded',
]);
const DOWN = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);

interface FirebaseErrorLike {
  code?: string;
  message?: string;
  httpResponse?: { headers?: Record<string, string> };
}

/**
 * Push through Firebase Cloud Messaging (`firebase-admin`): `sendEach` with up to 500 messages,
 * each a token; results come back per message. Unregistered (and foreign) tokens are refused and
 * their devices dropped; a call where every message failed for FCM's own reasons counts as FCM
 * being unavailable. Costs one token per message (FCM's quota is messages per minute).
 *
 * NOTE: offline, the SDK reaches the provider sandbox over its legacy HTTP/1.1 transport; the
 * production HTTP/2 transport to fcm.googleapis.com is not exercised by tests or benchmarks.
 */
export function fcmPush(deps: { messaging: Messaging }): ProviderPort<PushMessage> {
  return {
    name: 'fcm',
    channel: 'push',
    maxPerCall: 500,
    sameContentPerCall: false,
    cost: (call) => call.length,
    async send(call) {
      let batch;
      try {
        batch = await deps.messaging.sendEach(
          call.map((m) => ({
            token: m.token,
            notification: { title: m.title, body: m.body },
            data: m.data,
            android: { priority: 'high' as const },
          })),
        );
      } catch (e) {
        throw new ProviderUnavailable(`fcm: ${(e as Error).message}`);
      }
      let retryAfterMs = 0;
      const results = batch.responses.map((r, i): MessageResult => {
        const id = call[i]!.id;
        if (r.success) return { id, ok: true, externalId: r.messageId ?? null };
        const err = (r.error ?? {}) as FirebaseErrorLike;
        const code = err.code ?? 'unknown';
        const reason = `fcm ${code}: ${err.message ?? ''}`;
        if (RATE.has(code)) {
          const after = Number(err.httpResponse?.headers?.['retry-after']);
          retryAfterMs = Math.max(retryAfterMs, Number.isFinite(after) && after > 0 ? after * 1000 : 1000);
          return { id, ok: false, failure: 'rate_limited', reason, retryAfterMs: retryAfterMs || 1000 };
        }
        if (GONE.has(code)) return { id, ok: false, failure: 'rejected', reason, dropDevice: true };
        if (DOWN.has(code)) return { id, ok: false, failure: 'unavailable', reason };
        return { id, ok: false, failure: 'rejected', reason };
      });
      if (results.every((r) => !r.ok && r.failure === 'unavailable')) {
        throw new ProviderUnavailable(
          `fcm: every message failed (${(results[0] as { reason?: string }).reason})`,
        );
      }
      if (results.every((r) => !r.ok && r.failure === 'rate_limited'))
        throw new ProviderRateLimited('fcm quota exceeded', retryAfterMs);
      return results;
    },
  };
}
