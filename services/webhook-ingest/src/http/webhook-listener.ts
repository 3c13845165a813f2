import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemType, toHttpProblem } from '@matchday/http';
import { currentTraceIds, histogram, type Logger } from '@matchday/observability';
import type { ReceiveWebhook } from '../app/receive-webhook.use-case';
import { recordRejection } from '../app/receive-webhook.use-case';
import { isProvider, REJECTION_STATUS, WebhookRejected } from '../domain/webhook';

const requestDuration = histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP server requests (OTel http.server.request.duration)',
  labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
});

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const WEBHOOK_PATH = /^\/webhooks\/([a-z]+)\/?(?:\?.*)?$/;

class ClientGone extends Error {}

/** Shaped like body-parser's error, so toHttpProblem renders the same 413 problem. */
class BodyTooLarge extends Error {
  readonly type = 'entity.too.large';
  readonly status = 413;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return reject(new BodyTooLarge('request entity too large'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge('request entity too large'));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
    // The client went away before sending the whole body: nothing to verify or answer.
    req.on('close', () => {
      if (!ended) reject(new ClientGone('request aborted before its body was complete'));
    });
  });
}

/** problem+json exactly as the express error middleware renders it. */
function renderProblem(res: ServerResponse, p: HttpProblem, instance: string): void {
  const { traceId } = currentTraceIds();
  const body = {
    ...p.extensions,
    type: p.type,
    title: p.title,
    status: p.status,
    ...(p.detail !== undefined ? { detail: p.detail } : {}),
    instance,
    ...(traceId ? { traceId } : {}),
  };
  for (const [name, value] of Object.entries(p.headers)) res.setHeader(name, value);
  send(res, p.status, PROBLEM_CONTENT_TYPE, JSON.stringify(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The process's request listener. `POST /webhooks/{stripe|twilio|sendgrid}` is served here, on the
 * raw body as it arrived, with the same problem+json errors, request ids and duration metric as
 * every route; anything else (health, metrics, admin, unknown paths) goes to the express app.
 *
 * Why not an express route: at storm rates the app's per-request middleware (browser security
 * headers, the body-parser chain, a child logger per request) costs more CPU than verifying,
 * storing and queueing the webhook itself; providers are not browsers and need none of it.
 */
export function webhookListener(deps: {
  app: Express;
  receiveWebhook: ReceiveWebhook;
  logger: Logger;
  bodyLimitBytes: number;
}): RequestListener {
  const { app, logger } = deps;
  return (req, res) => {
    const match = req.method === 'POST' ? WEBHOOK_PATH.exec(req.url ?? '') : null;
    const provider = match?.[1];
    if (!provider || !isProvider(provider)) return void app(req, res);

    const started = process.hrtime.bigint();
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID_RE.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const route = `/webhooks/${provider}`;

    const finish = (status: number) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requestDuration.observe({ http_request_method: 'POST', http_route: route, http_response_status_code: String(status) }, seconds);

    };

    readBody(req, deps.bodyLimitBytes)
      .then((rawBody) =>
        deps.receiveWebhook(provider, {
          rawBody,
          header: (name) => {
            const v = req.headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
          },
          originalUrl: req.url ?? route,
        }),
      )
      .then(
        (result) => {
          send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ received: true, ...result }));
          finish(200);
        },
        (err: unknown) => {
          if (err instanceof ClientGone) {
            finish(499);
            return;
          }
          let problem: HttpProblem;
          if (err instanceof WebhookRejected) problem = toHttpProblem(err, REJECTION_STATUS).problem;
          else if (err instanceof BodyTooLarge) {
            recordRejection(logger, provider, 'malformed', err.message);
            problem = toHttpProblem(err).problem;
          } else {
            // Not stored (the group commit failed and logged why): the provider must deliver it again.
            problem = new HttpProblem(503, 'Webhook not stored', 'The webhook could not be stored; deliver it again later.', {
              type: problemType('webhook-not-stored'),
              headers: { 'Retry-After': '5' },
            });
          }
          renderProblem(res, problem, route);
          finish(problem.status);
        },
      );
  };
}
