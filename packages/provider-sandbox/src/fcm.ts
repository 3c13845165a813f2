/**
 * Firebase Cloud Messaging HTTP v1: `POST /v1/projects/{project}/messages:send`, one message per
 * request. That is what firebase-admin sends for `send()`, and for `sendEach()` /
 * `sendEachForMulticast()` once `enableLegacyHttpTransport()` is on (the SDK's HTTP/1.1 path; the
 * old `/batch` endpoint is gone from both FCM and the SDK).
 *
 * Magic registration tokens (prefixes):
 * - `unregistered-…`: 404 `UNREGISTERED` → `messaging/registration-token-not-registered`.
 * - `invalid-…`: 400 `INVALID_ARGUMENT` → `messaging/invalid-argument`.
 * - `sender-mismatch-…`: 403 `SENDER_ID_MISMATCH` → `messaging/mismatched-credential`.
 * - `unavailable-…`: 503 `UNAVAILABLE` → `messaging/server-unavailable` (the SDK retries 503 with backoff first).
 * - anything else: accepted, `{ name: 'projects/{project}/messages/{id}' }`.
 * Over the project quota (`limits.fcm`, default 600,000 messages/min): 429 `QUOTA_EXCEEDED` with
 * `Retry-After` → `messaging/message-rate-exceeded`.
 */
import express, { type Response, type Router } from 'express';
import { rawBody, type SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { hex } from './ids';

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

export interface FcmMessageRecord {
  name: string;
  project: string;
  /** The `message` object as sent. */
  message: Record<string, unknown>;
  at: number;
}

export interface FcmState {
  messages: Map<string, FcmMessageRecord>;
}

export interface FcmModule {
  router: Router;
  state: FcmState;
  reset(): void;
}

const SEND_PATH = /^\/([^/]+)\/messages:send$/;

export function createFcm(ctx: SandboxContext): FcmModule {
  const state: FcmState = { messages: new Map() };
  const { settings } = ctx;

  const providerGate: ProviderGate = {
    provider: 'fcm',
    rateKey: (req) => {
      const m = SEND_PATH.exec(req.path);
      return req.method === 'POST' && m ? { key: m[1]!, units: 1, limit: settings.limits.fcm } : undefined;
    },
    serverError: (res, status) =>
      status === 503
        ? sendError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE')
        : sendError(
            res,
            status,
            status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION',
            'Internal error encountered.',
            status >= 500 ? 'INTERNAL' : undefined,
          ),
    rateLimited: (res, d) => {
      const retryAfter = d ? Math.max(1, Math.ceil((d.resetAt - Date.now()) / 1000)) : 60;
      res.setHeader('Retry-After', String(retryAfter));
      sendError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' of service 'fcm.googleapis.com'.",
        'QUOTA_EXCEEDED',
      );
    },
  };

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '10mb' }));
  router.use(
    gate(providerGate, {
      stats: ctx.stats,
      faults: ctx.faults,
      logger: settings.logger,
      limiter: ctx.limiter,
    }),
  );
  router.use((req, res, next) => {
    // Google OAuth tokens cannot be checked offline; the sandbox only insists that one is sent.
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      settings.logger.warn('fcm request without a bearer token', { path: req.path });
      return sendError(
        res,
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential.',
        'THIRD_PARTY_AUTH_ERROR',
      );
    }
    next();
  });

  router.post(SEND_PATH, (req, res) => {
    const project = SEND_PATH.exec(req.path)![1]!;
    if (project !== settings.secrets.fcmProjectId) {
      return sendError(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
      );
    }
    let body: { message?: Record<string, unknown>; validate_only?: boolean };
    try {
      body = JSON.parse(rawBody(req.body)) as typeof body;
    } catch {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const message = body.message;
    if (!message || typeof message !== 'object')
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        'Request contains an invalid argument.',
        'INVALID_ARGUMENT',
      );
    const targets = ['token', 'topic', 'condition'].filter((k) => typeof message[k] === 'string');
    if (targets.length !== 1) {
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        'Exactly one of token, topic or condition must be specified.',
        'INVALID_ARGUMENT',
      );
    }
    const token = typeof message.token === 'string' ? message.token : undefined;
    if (token?.startsWith('unregistered-'))
      return sendError(res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
    if (token?.startsWith('invalid-')) {
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
        'INVALID_ARGUMENT',
      );
    }
    if (token?.startsWith('sender-mismatch-'))
      return sendError(res, 403, 'PERMISSION_DENIED', 'SenderId mismatch', 'SENDER_ID_MISMATCH');
    if (token?.startsWith('unavailable-'))
      return sendError(res, 503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE');

    if (body.validate_only) return res.json({ name: `projects/${project}/messages/fake_message_id` });
    const name = `projects/${project}/messages/0:${Date.now()}${hex(3)}%${hex(8)}`;
    state.messages.set(name, { name, project, message, at: Date.now() });
    res.json({ name });
  });

  router.use((req, res) =>
    sendError(
      res,
      404,
      'NOT_FOUND',
      `The requested URL /v1/projects${req.path} was not found on this server.`,
    ),
  );

  return { router, state, reset: () => state.messages.clear() };
}

function sendError(
  res: Response,
  code: number,
  status: string,
  message: string,
  fcmErrorCode?: string,
): void {
  res.status(code).json({
    error: {
      code,
      message,
      status,
      ...(fcmErrorCode && { details: [{ '@type': FCM_ERROR_TYPE, errorCode: fcmErrorCode }] }),
    },
  });
}
