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
 *
 * A fan-out sends every message as its own request, so this endpoint is served straight from
 * node:http (no express routing, body parser or ETag hashing) and its message names cost no
 * randomness per message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './context';
import { admit, type GateDeps, type ProviderGate } from './gate';
import { hex } from './ids';

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const MOUNT = '/v1/projects';
/** Google's own limit on a request body. */
const MAX_BODY = 10 * 1024 * 1024;

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
  /** Answers the request when it is for FCM (`/v1/projects/…`); false when it is not. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  state: FcmState;
  reset(): void;
}

/** An FCM request as the gate and the handler see it: path below `/v1/projects`, no query. */
interface FcmRequest {
  method: string;
  path: string;
}

const SEND_PATH = /^\/([^/]+)\/messages:send$/;

export function createFcm(ctx: SandboxContext): FcmModule {
  const state: FcmState = { messages: new Map() };
  const { settings } = ctx;
  const gateDeps: GateDeps = {
    stats: ctx.stats,
    faults: ctx.faults,
    logger: settings.logger,
    limiter: ctx.limiter,
  };
  // `0:<ms><6 hex digits>%<16 hex digits>` like FCM's names: a counter keeps them unique.
  const nameSuffix = hex(8);
  let sequence = 0;

  const providerGate: ProviderGate<FcmRequest, ServerResponse> = {
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

  async function handle(
    req: IncomingMessage,
    fcmReq: FcmRequest,
    body: Buffer | undefined,
    res: ServerResponse,
  ): Promise<void> {
    if (!(await admit(providerGate, gateDeps, fcmReq, fcmReq.method, MOUNT + fcmReq.path, res))) return;
    // Google OAuth tokens cannot be checked offline; the sandbox only insists that one is sent.
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      settings.logger.warn('fcm request without a bearer token', { path: fcmReq.path });
      return sendError(
        res,
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential.',
        'THIRD_PARTY_AUTH_ERROR',
      );
    }
    const route = fcmReq.method === 'POST' ? SEND_PATH.exec(fcmReq.path) : null;
    if (!route) {
      return sendError(
        res,
        404,
        'NOT_FOUND',
        `The requested URL ${MOUNT}${fcmReq.path} was not found on this server.`,
      );
    }
    if (!body) {
      return sendError(
        res,
        400,
        'INVALID_ARGUMENT',
        `Request payload size exceeds the limit: ${MAX_BODY} bytes.`,
        'INVALID_ARGUMENT',
      );
    }
    const project = route[1]!;
    if (project !== settings.secrets.fcmProjectId) {
      return sendError(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
      );
    }
    let parsed: { message?: Record<string, unknown>; validate_only?: boolean };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const message = parsed?.message;
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

    if (parsed.validate_only)
      return sendJson(res, 200, { name: `projects/${project}/messages/fake_message_id` });
    const at = Date.now();
    sequence = (sequence + 1) % 0x1000000;
    const name = `projects/${project}/messages/0:${at}${sequence.toString(16).padStart(6, '0')}%${nameSuffix}`;
    state.messages.set(name, { name, project, message, at });
    sendJson(res, 200, { name });
  }

  return {
    serve(req, res) {
      const url = req.url ?? '';
      if (!(url.startsWith(`${MOUNT}/`) || url === MOUNT || url.startsWith(`${MOUNT}?`))) return false;
      const q = url.indexOf('?');
      const fcmReq: FcmRequest = {
        method: req.method ?? 'GET',
        path: (q < 0 ? url : url.slice(0, q)).slice(MOUNT.length) || '/',
      };
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        const body = size > MAX_BODY ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        handle(req, fcmReq, body, res).catch((err: unknown) => {
          settings.logger.error('sandbox request failed', {
            method: fcmReq.method,
            path: MOUNT + fcmReq.path,
            error: (err as Error).message,
          });
          if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
        });
      });
      return true;
    },
    state,
    reset: () => state.messages.clear(),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  fcmErrorCode?: string,
): void {
  sendJson(res, code, {
    error: {
      code,
      message,
      status,
      ...(fcmErrorCode && { details: [{ '@type': FCM_ERROR_TYPE, errorCode: fcmErrorCode }] }),
    },
  });
}
