// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- http_ece has no types; this declaration travels with the file to every program that compiles it
/// <reference path="./http-ece.d.ts" />
/**
 * A Web Push service (RFC 8030 with VAPID, RFC 8292, and aes128gcm payloads, RFC 8291): what the
 * `web-push` library posts to a browser subscription's endpoint. Endpoints are
 * `<sandbox>/wpush/<subscription id>`.
 *
 * `createSubscription()` (or `POST /__sandbox/webpush/subscriptions`) plays the browser: it makes a
 * subscription with real keys, so the sandbox can decrypt what is sent to it and tests can read the
 * payload in `state.webpush.messages`. Other subscription ids are accepted too (payload kept
 * encrypted), except the magic prefixes:
 * - `gone-…`: 410 Gone (the user unsubscribed: drop the subscription).
 * - `notfound-…`: 404 Not Found (expired or unknown: drop it too).
 * - `unavailable-…`: 503.
 *
 * Every request is checked like a push service does: `TTL` header (400 without), `Content-Encoding:
 * aes128gcm` (400 otherwise), payload ≤ 4096 bytes (413), and `Authorization: vapid t=<JWT>, k=<key>`
 * whose ES256 signature, `aud` (the endpoint's origin), `exp` (within 24 h) and `sub` must hold (401).
 * Over `limits.webpush` (requests, all subscriptions, default 10,000/s): 429 with `Retry-After`.
 * Accepted: 201 with `Location` of the message resource.
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { decrypt } from 'http_ece';
import type { SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { hex } from './ids';

/** A subscription as `PushSubscription.toJSON()` gives it to the server. */
export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface WebPushMessageRecord {
  id: string;
  subscriptionId: string;
  at: number;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** The VAPID `sub` claim (mailto: or https: contact of the sender). */
  vapidSubject: string;
  /** The VAPID public key the request was signed with (base64url). */
  vapidPublicKey: string;
  /** The decrypted payload, for subscriptions the sandbox created; undefined otherwise. */
  payload: string | undefined;
  encryptedBytes: number;
}

export interface WebPushState {
  subscriptions: Map<string, PushSubscriptionJson & { id: string }>;
  messages: Map<string, WebPushMessageRecord>;
}

export interface WebPushModule {
  router: Router;
  state: WebPushState;
  /** A new subscription with real keys, as a browser would create it. */
  createSubscription(id?: string): PushSubscriptionJson;
  reset(): void;
}

const MAX_PAYLOAD = 4096;
const DAY_SEC = 24 * 60 * 60;

class PushRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function b64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

/** Checks a VAPID `Authorization` header; returns the claims' subject and the key on success. */
export function verifyVapid(
  header: string | undefined,
  host: string,
  nowSec = Math.floor(Date.now() / 1000),
): { sub: string; key: string } {
  const m = /^vapid\s+(.+)$/i.exec(header ?? '');
  if (!m) throw new PushRejection(401, 'missing VAPID authorization');
  const fields = Object.fromEntries(
    m[1]!.split(',').map((part) => {
      const i = part.indexOf('=');
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()];
    }),
  );
  const token = fields.t;
  const key = fields.k;
  if (!token || !key) throw new PushRejection(401, 'VAPID authorization needs t= and k=');
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) throw new PushRejection(401, 'VAPID token is not a JWT');
  const point = b64url(key);
  if (point.length !== 65 || point[0] !== 4)
    throw new PushRejection(401, 'VAPID key is not an uncompressed P-256 point');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    b64url(s),
  );
  if (!valid) throw new PushRejection(401, 'VAPID signature does not verify');
  let header_: { alg?: string };
  let claims: { aud?: string; exp?: number; sub?: string };
  try {
    header_ = JSON.parse(b64url(h).toString()) as typeof header_;
    claims = JSON.parse(b64url(p).toString()) as typeof claims;
  } catch {
    throw new PushRejection(401, 'VAPID token is not JSON');
  }
  if (header_.alg !== 'ES256') throw new PushRejection(401, 'VAPID token must be ES256');
  let audHost: string | undefined;
  try {
    audHost = claims.aud ? new URL(claims.aud).host : undefined;
  } catch {
    audHost = undefined;
  }
  if (audHost !== host) throw new PushRejection(401, `VAPID aud must be the push service origin (${host})`);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec || claims.exp > nowSec + DAY_SEC) {
    throw new PushRejection(401, 'VAPID exp must be in the next 24 hours');
  }
  if (!claims.sub || !/^(mailto:|https:)/.test(claims.sub))
    throw new PushRejection(401, 'VAPID sub must be a mailto: or https: contact');
  return { sub: claims.sub, key };
}

export function createWebPush(ctx: SandboxContext, origin: () => string): WebPushModule {
  const state: WebPushState = { subscriptions: new Map(), messages: new Map() };
  const privateKeys = new Map<string, { ecdh: ECDH; auth: string }>();
  const { settings } = ctx;

  const providerGate: ProviderGate = {
    provider: 'webpush',
    rateKey: (req) =>
      req.method === 'POST' ? { key: 'push-service', units: 1, limit: settings.limits.webpush } : undefined,
    serverError: (res, status) => res.status(status).type('text/plain').send('push service error'),
    rateLimited: (res, d) => {
      const retryAfter = d ? Math.max(1, Math.ceil((d.resetAt - Date.now()) / 1000)) : 1;
      res.setHeader('Retry-After', String(retryAfter));
      res.status(429).type('text/plain').send('Too Many Requests');
    },
  };

  const router = express.Router();
  // Read by hand: body-parser would try to decode `Content-Encoding: aes128gcm` and refuse it.
  router.use((req, _res, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      req.body = Buffer.concat(chunks);
      next();
    });
    req.on('error', next);
  });
  router.use(
    gate(providerGate, {
      stats: ctx.stats,
      faults: ctx.faults,
      logger: settings.logger,
      limiter: ctx.limiter,
    }),
  );

  router.post('/:id', (req: Request, res: Response) => {
    const id = String(req.params.id);
    try {
      if (id.startsWith('gone-'))
        throw new PushRejection(410, 'push subscription has unsubscribed or expired');
      if (id.startsWith('notfound-')) throw new PushRejection(404, 'push subscription not found');
      if (id.startsWith('unavailable-')) throw new PushRejection(503, 'service unavailable');
      const ttl = Number(req.headers.ttl);
      if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0)
        throw new PushRejection(400, 'TTL header required');
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length > MAX_PAYLOAD) throw new PushRejection(413, 'payload too large');
      if (body.length > 0 && req.headers['content-encoding'] !== 'aes128gcm') {
        throw new PushRejection(400, 'Content-Encoding must be aes128gcm');
      }
      const vapid = verifyVapid(req.headers.authorization, req.headers.host ?? '');
      let payload: string | undefined;
      const keys = privateKeys.get(id);
      if (keys && body.length > 0) {
        try {
          payload = decrypt(body, {
            version: 'aes128gcm',
            privateKey: keys.ecdh,
            authSecret: keys.auth,
          }).toString('utf8');
        } catch {
          throw new PushRejection(400, 'payload does not decrypt with the subscription keys');
        }
      }
      const messageId = hex(10);
      state.messages.set(messageId, {
        id: messageId,
        subscriptionId: id,
        at: Date.now(),
        ttl,
        urgency: typeof req.headers.urgency === 'string' ? req.headers.urgency : undefined,
        topic: typeof req.headers.topic === 'string' ? req.headers.topic : undefined,
        vapidSubject: vapid.sub,
        vapidPublicKey: vapid.key,
        payload,
        encryptedBytes: body.length,
      });
      res.setHeader('Location', `${origin()}/wpush/messages/${messageId}`);
      res.status(201).end();
    } catch (err) {
      if (!(err instanceof PushRejection)) throw err;
      if (err.status === 401) settings.logger.warn('web push request refused', { reason: err.message });
      res.status(err.status).type('text/plain').send(err.message);
    }
  });

  return {
    router,
    state,
    createSubscription(id = hex(12)) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      const subscription: PushSubscriptionJson = {
        endpoint: `${origin()}/wpush/${id}`,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth },
      };
      privateKeys.set(id, { ecdh, auth });
      state.subscriptions.set(id, { id, ...subscription });
      return subscription;
    },
    reset() {
      state.messages.clear();
      state.subscriptions.clear();
      privateKeys.clear();
    },
  };
}
