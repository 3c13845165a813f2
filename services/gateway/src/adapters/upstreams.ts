import { Pool } from 'undici';
import { counter, histogram, type Logger } from '@matchday/observability';
import { createBreaker, isBreakerOpen, isBreakerTimeout, type Breaker, type BreakerState } from '@matchday/resilience';
import type { UpstreamName } from '../domain/route-map';

export interface UpstreamRequest {
  method: string;
  /** Path and query, as the service serves them. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** What a call to a service came to: its answer, or why there is none. */
export type UpstreamOutcome =
  | { kind: 'response'; response: UpstreamResponse }
  | { kind: 'unavailable'; reason: 'breaker_open' | 'connection'; retryAfterSeconds: number }
  | { kind: 'timeout' }
  | { kind: 'bad_gateway'; detail: string };

export interface Upstreams {
  call(name: UpstreamName, request: UpstreamRequest): Promise<UpstreamOutcome>;
  /** The gateway's breakers, one per service. */
  states(): Array<{ name: string; state: BreakerState; stats: ReturnType<Breaker<[], unknown>['stats']> }>;
  close(): Promise<void>;
}

export interface UpstreamsOptions {
  urls: Record<UpstreamName, string>;
  timeoutMs: number;
  connectTimeoutMs: number;
  keepAliveMs: number;
  connections: number;
  maxResponseBytes: number;
  breaker: { errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number; rollingCountTimeoutMs: number };
  logger: Logger;
}

/** A 5xx answer: relayed to the client as it is, and counted against the service's breaker. */
class UpstreamServerError extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`upstream answered ${response.status}`);
  }
}

class ResponseTooLarge extends Error {}

const requests = counter({
  name: 'gateway_upstream_requests_total',
  help: 'Calls from the gateway to the services, by upstream and outcome (2xx/3xx/4xx/5xx, timeout, connection, breaker_open)',
  labelNames: ['upstream', 'outcome'],
});
const duration = histogram({
  name: 'http_client_request_duration_seconds',
  help: 'Duration of HTTP client requests (OTel http.client.request.duration), gateway to services',
  labelNames: ['server_address', 'http_request_method', 'http_response_status_code'],
});

const BREAKER_PREFIX = 'gateway.upstream.';

async function readCapped(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new ResponseTooLarge(`upstream response larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * One keep-alive connection pool and one circuit breaker per service. A call that times out,
 * cannot connect or gets a 5xx counts against the breaker; once open, calls to that service fail
 * fast (503) until a trial call succeeds.
 */
export function createUpstreams(opts: UpstreamsOptions): Upstreams {
  const pools = new Map<UpstreamName, Pool>();
  const breakers = new Map<UpstreamName, Breaker<[UpstreamRequest], UpstreamResponse>>();
  const log = opts.logger.child({ component: 'upstreams' });

  for (const [name, url] of Object.entries(opts.urls) as Array<[UpstreamName, string]>) {
    const pool = new Pool(new URL(url).origin, {
      connections: opts.connections,
      keepAliveTimeout: opts.keepAliveMs,
      connect: { timeout: opts.connectTimeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    pools.set(name, pool);
    const basePath = new URL(url).pathname.replace(/\/$/, '');
    const action = async (req: UpstreamRequest): Promise<UpstreamResponse> => {
      const started = process.hrtime.bigint();
      let status = 'error';
      try {
        const res = await pool.request({
          method: req.method as 'GET',
          path: basePath + req.path,
          headers: req.headers,
          body: req.body ?? null,
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        status = String(res.statusCode);
        const body = await readCapped(res.body, opts.maxResponseBytes);
        const response: UpstreamResponse = {
          status: res.statusCode,
          headers: res.headers as Record<string, string | string[]>,
          body,
        };
        if (res.statusCode >= 500) throw new UpstreamServerError(response);
        return response;
      } finally {
        duration.observe(
          { server_address: name, http_request_method: req.method, http_response_status_code: status },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      }
    };
    breakers.set(
      name,
      createBreaker(`${BREAKER_PREFIX}${name}`, action, {
        timeoutMs: opts.timeoutMs,
        errorThresholdPercentage: opts.breaker.errorThresholdPercentage,
        volumeThreshold: opts.breaker.volumeThreshold,
        resetTimeoutMs: opts.breaker.resetTimeoutMs,
        rollingCountTimeoutMs: opts.breaker.rollingCountTimeoutMs,
        logger: log,
      }),
    );
  }

  const retryAfter = Math.max(1, Math.ceil(opts.breaker.resetTimeoutMs / 1000));

  return {
    async call(name, request) {
      const breaker = breakers.get(name);
      if (!breaker) throw new Error(`no upstream named ${name}`);
      try {
        const response = await breaker.fire(request);
        requests.inc({ upstream: name, outcome: `${Math.floor(response.status / 100)}xx` });
        return { kind: 'response', response };
      } catch (err) {
        if (err instanceof UpstreamServerError) {
          requests.inc({ upstream: name, outcome: '5xx' });
          log.warn('upstream answered with a server error', { upstream: name, status: err.response.status, path: request.path });
          return { kind: 'response', response: err.response };
        }
        if (err instanceof ResponseTooLarge) {
          requests.inc({ upstream: name, outcome: 'too_large' });
          log.error('upstream response too large to relay', { upstream: name, path: request.path, maxBytes: opts.maxResponseBytes });
          return { kind: 'bad_gateway', detail: 'The answer of the service is too large to relay.' };
        }
        if (isBreakerOpen(err)) {
          requests.inc({ upstream: name, outcome: 'breaker_open' });
          log.warn('upstream breaker open: failing fast', { upstream: name, path: request.path });
          return { kind: 'unavailable', reason: 'breaker_open', retryAfterSeconds: retryAfter };
        }
        if (isBreakerTimeout(err) || (err instanceof Error && (err.name === 'TimeoutError' || err.name.includes('Timeout')))) {
          requests.inc({ upstream: name, outcome: 'timeout' });
          log.warn('upstream timed out', { upstream: name, path: request.path, timeoutMs: opts.timeoutMs });
          return { kind: 'timeout' };
        }
        requests.inc({ upstream: name, outcome: 'connection' });
        log.warn('upstream unreachable', { upstream: name, path: request.path, err });
        return { kind: 'unavailable', reason: 'connection', retryAfterSeconds: 1 };
      }
    },
    states: () => [...breakers.values()].map((b) => ({ name: b.name, state: b.state(), stats: b.stats() })),
    async close() {
      for (const b of breakers.values()) b.shutdown();
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}
