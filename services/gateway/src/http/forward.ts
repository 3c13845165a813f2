import type { Request, Response } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import { injectTraceHeaders } from '@matchday/observability';
import type { UpstreamOutcome, UpstreamRequest, Upstreams } from '../adapters/upstreams';
import type { UpstreamName } from '../domain/route-map';
import { gatewayContext } from './context';

/** Client headers a service may see; everything else (cookies, Authorization, identity headers) stays at the gateway. */
const PASSED_THROUGH = ['accept', 'accept-language', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'user-agent'];

/** Answer headers that belong to one hop, or that the gateway sets itself. */
const NOT_RELAYED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'x-request-id',
  'set-cookie',
  'x-powered-by',
  'x-session-id',
]);

const TRACEPARENT_RE = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The request a service receives: same method, the given path (default: the client's path and query),
 * the allowed client headers, and the caller as the gateway established it. Services trust these
 * headers because only the gateway can reach them.
 */
export function upstreamRequest(req: Request, res: Response, path: string = req.originalUrl): UpstreamRequest {
  const ctx = gatewayContext(res);
  const headers: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  headers['x-request-id'] = req.id;
  headers['x-forwarded-for'] = req.ip ?? '';
  if (ctx.identity) {
    headers['x-user-id'] = ctx.identity.userId;
    headers['x-user-roles'] = ctx.identity.roles.join(',');
    if (ctx.deviceId) headers['x-device-id'] = ctx.deviceId;
  }
  if (ctx.session) headers['x-session-id'] = ctx.session.sessionId;
  // The gateway's own span when tracing runs; otherwise the client's trace context, so the trace still joins up.
  const trace = injectTraceHeaders({} as Record<string, string>);
  const incoming = req.get('traceparent');
  if (trace.traceparent) Object.assign(headers, trace);
  else if (incoming && TRACEPARENT_RE.test(incoming)) headers.traceparent = incoming;

  let body: Buffer | undefined;
  if (BODY_METHODS.has(req.method) && req.body !== undefined) {
    body = Buffer.from(JSON.stringify(req.body));
    headers['content-type'] = 'application/json';
  } else {
    delete headers['content-type'];
  }
  return { method: req.method, path, headers, ...(body ? { body } : {}) };
}

/** Sends a service's answer to the client, or the problem that stands in for it. */
export function relay(res: Response, upstream: UpstreamName, outcome: UpstreamOutcome): void {
  switch (outcome.kind) {
    case 'response': {
      const { response } = outcome;
      for (const [name, value] of Object.entries(response.headers)) {
        const lower = name.toLowerCase();
        if (NOT_RELAYED.has(lower) || lower.startsWith('access-control-')) continue;
        res.setHeader(name, value);
      }
      res.status(response.status);
      if (response.body.length === 0) res.end();
      else res.send(response.body);
      return;
    }
    case 'unavailable':
      throw new HttpProblem(503, 'Service unavailable', `The ${upstream} service is unavailable; retry after ${outcome.retryAfterSeconds} s.`, {
        type: problemType('upstream-unavailable'),
        upstream,
        headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
      });
    case 'timeout':
      throw new HttpProblem(504, 'Gateway timeout', `The ${upstream} service did not answer in time.`, {
        type: problemType('upstream-timeout'),
        upstream,
      });
    case 'bad_gateway':
      throw new HttpProblem(502, 'Bad gateway', outcome.detail, { type: problemType('bad-gateway'), upstream });
  }
}

/** Forwards the request to `upstream` (optionally at another path) and relays the answer. */
export async function forward(upstreams: Upstreams, upstream: UpstreamName, req: Request, res: Response, path?: string): Promise<UpstreamOutcome> {
  const outcome = await upstreams.call(upstream, upstreamRequest(req, res, path));
  relay(res, upstream, outcome);
  return outcome;
}
