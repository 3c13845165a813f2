import { randomUUID } from 'node:crypto';
import type { Logger } from '@matchday/observability';

/** What came back from the platform (any status; the caller decides what it means). */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A problem+json answer or an unexpected status, with what the caller needs to report it. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const code = ApiError.codeOf(body);
    super(`${method} ${path} → ${status}${code ? ` ${code}` : ''}${ApiError.detailOf(body)}`);
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return ApiError.codeOf(this.body);
  }

  static codeOf(body: unknown): string | undefined {
    if (body && typeof body === 'object') {
      const b = body as Record<string, unknown>;
      if (typeof b.code === 'string') return b.code;
    }
    return undefined;
  }

  private static detailOf(body: unknown): string {
    if (body && typeof body === 'object') {
      const b = body as Record<string, unknown>;
      const detail = typeof b.detail === 'string' ? b.detail : typeof b.title === 'string' ? b.title : undefined;
      const errors = Array.isArray(b.errors) ? ` ${JSON.stringify(b.errors).slice(0, 300)}` : '';
      if (detail) return `: ${detail.slice(0, 300)}${errors}`;
    }
    if (typeof body === 'string' && body) return `: ${body.slice(0, 300)}`;
    return '';
  }
}

/** Counts of every request the runner made, for throughput and for the summary. */
export class RequestStats {
  total = 0;
  /** Attempts that never got an answer (connection refused or reset, timeout). */
  networkErrors = 0;
  /** Retries of any kind (network, 5xx, 429). */
  retries = 0;
  readonly byStatus = new Map<number, number>();
  /** Unexpected answers per route, e.g. `POST /v1/holds 500`: the upstream gaps to report. */
  readonly unexpected = new Map<string, { count: number; example: string }>();

  record(status: number): void {
    this.total++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  noteUnexpected(route: string, example: string): void {
    const entry = this.unexpected.get(route) ?? { count: 0, example };
    entry.count++;
    this.unexpected.set(route, entry);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as Idempotency-Key; the same key is kept across retries of this call. `true` makes one up. */
  idempotencyKey?: string | true;
  headers?: Record<string, string>;
  /** Stop retrying after this long (default: the client's). */
  retryForMs?: number;
  /** Also retry these statuses (e.g. 409 while another device's change is in progress). */
  retryOn?: number[];
}

export interface ClientOptions {
  baseUrl: string;
  stats: RequestStats;
  logger: Logger;
  /** Bearer token. */
  token?: string;
  /** The client's address as the gateway's trusted proxy reports it (X-Forwarded-For). */
  ip?: string;
  deviceId?: string;
  /** How long a call keeps retrying through crashes and restarts (default 180 s). */
  retryForMs?: number;
  /** One attempt's budget (default 15 s). */
  timeoutMs?: number;
  /** Signs in again when the token is refused (401), as an app refreshes its session. */
  reauth?: () => Promise<string>;
}

const RETRYABLE = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Normalises a route for reporting: ids become `{id}`. */
export function routeOf(method: string, path: string): string {
  const bare = path.split('?')[0] ?? path;
  const parts = bare.split('/').map((p, i) => (i > 2 && /[0-9]/.test(p) && !/^v\d+$/.test(p) ? '{id}' : p));
  return `${method} ${parts.join('/')}`;
}

/**
 * An HTTP client that behaves like a real app: it sends its token, device and (through the
 * trusted proxy header) its own address, keeps one Idempotency-Key per logical action, and
 * retries through connection errors, 502/503/504 and 429 (honouring Retry-After) with
 * exponential backoff, so a service that crashes and comes back only delays the fan.
 */
export class ApiClient {
  constructor(readonly opts: ClientOptions) {}

  with(overrides: Partial<ClientOptions>): ApiClient {
    return new ApiClient({ ...this.opts, ...overrides });
  }

  get<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { idempotencyKey: true, ...options, body });
  }

  put<T = unknown>(path: string, body: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const { opts } = this;
    const key = options.idempotencyKey === true ? randomUUID() : options.idempotencyKey;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.ip) headers['x-forwarded-for'] = opts.ip;
    if (opts.deviceId) headers['device-id'] = opts.deviceId;
    if (key) headers['idempotency-key'] = key;
    const deadline = Date.now() + (options.retryForMs ?? opts.retryForMs ?? 180_000);
    const retryOn = new Set([...RETRYABLE, 429, ...(options.retryOn ?? [])]);
    let delay = 200;
    let reauthed = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(opts.baseUrl + path, {
          method,
          headers,
          ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
      } catch (e) {
        opts.stats.networkErrors++;
        if (Date.now() + delay > deadline) {
          opts.logger.warn('request failed without an answer; giving up', { method, path, attempt, error: (e as Error).message });
          throw e;
        }
        opts.stats.retries++;
        await sleep(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      const text = await res.text();
      opts.stats.record(res.status);
      if (res.status === 401 && opts.reauth && !reauthed) {
        reauthed = true;
        headers.authorization = `Bearer ${await opts.reauth()}`;
        opts.stats.retries++;
        continue;
      }
      let body: unknown = text;
      if (text && (res.headers.get('content-type') ?? '').includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      // "Another change of yours is still in progress; retry in a moment": another device (or an
      // earlier attempt of this very call that timed out on our side) holds the user's session lock.
      // "A request with this Idempotency-Key is still being processed": an earlier attempt of this
      // call is still running, or died with its process and holds the key until its lease expires.
      const inFlight = res.status === 409 && problemTypeOf(body)?.endsWith('/idempotency-request-in-flight') === true;
      const busy = (res.status === 409 && ApiError.codeOf(body) === 'CONCURRENT_CHANGE') || inFlight;
      if ((retryOn.has(res.status) || busy) && Date.now() + delay < deadline) {
        opts.stats.retries++;
        const retryAfter = Number(res.headers.get('retry-after'));
        const honoured = (res.status === 429 || inFlight) && retryAfter > 0;
        const wait = honoured ? Math.min(retryAfter * 1000, 10_000) : delay * (0.5 + Math.random());
        await sleep(wait);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      return { status: res.status, body: body as T, headers: res.headers };
    }
  }

  /** Like `request`, but any status outside `ok` throws an ApiError (and is counted as unexpected). */
  async expect<T>(ok: number[], method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request<T>(method, path, method === 'POST' ? { idempotencyKey: true, ...options } : options);
    if (!ok.includes(res.status)) {
      const err = new ApiError(method, path, res.status, res.body);
      this.opts.stats.noteUnexpected(`${routeOf(method, path)} ${res.status}`, err.message);
      throw err;
    }
    return res.body;
  }
}

/** The `type` of a problem+json body. */
function problemTypeOf(body: unknown): string | undefined {
  const type = body && typeof body === 'object' ? (body as Record<string, unknown>).type : undefined;
  return typeof type === 'string' ? type : undefined;
}

/** Reads a field that may be spelled in camelCase or snake_case. */
export function field<T = unknown>(obj: unknown, ...names: string[]): T | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n] as T;
  return undefined;
}

/** The items of a list answer: a bare array, or the first array among items/data/results/<name>. */
export function itemsOf(body: unknown, ...names: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  for (const n of [...names, 'items', 'data', 'results']) {
    const v = field(body, n);
    if (Array.isArray(v)) return v;
  }
  return [];
}

/** Follows `nextCursor` (or `next_cursor`, `cursor`) through every page of a list endpoint. */
export async function listAll(client: ApiClient, path: string, names: string[] = [], max = 100_000): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const body = await client.expect<unknown>([200], 'GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const items = itemsOf(body, ...names);
    out.push(...items);
    const next = field<string>(body, 'nextCursor', 'next_cursor');
    if (!next || items.length === 0 || out.length >= max || next === cursor) return out;
    cursor = next;
  }
}
