import { NETWORK_SENTENCE, type Problem, problemSentence } from './problems';

/** A refused or failed request, with the plain sentence to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly sentence: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(sentence);
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

/** The sentence for anything thrown by a request. */
export function errorSentence(err: unknown): string {
  if (err instanceof ApiError) return err.sentence;
  return NETWORK_SENTENCE;
}

export interface RequestOptions {
  /** Sent as `Idempotency-Key`; a fresh one is made for every POST that does not bring its own. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the request without the bearer token even when signed in. */
  anonymous?: boolean;
}

export interface ApiClientOptions {
  baseUrl: string;
  token: () => string | undefined;
  deviceId: () => string;
  /** Called with the `X-Session-Id` of every answer to a signed-in caller. */
  onSession?: (sessionId: string) => void;
  /** Called when the gateway refuses the token (expired or invalid). */
  onUnauthorized?: () => void;
}

export interface ApiClient {
  readonly baseUrl: string;
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  put<T = unknown>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  del<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** A non-JSON document (an HTML report) as text. */
  text(path: string, options?: RequestOptions): Promise<string>;
}

function toProblem(status: number, body: unknown, statusText: string): Problem {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    return { ...b, status: typeof b.status === 'number' ? b.status : status } as Problem;
  }
  return { status, title: statusText || 'Error' };
}

/** Query string from the defined values only: `qs({a: 1, b: undefined})` → `?a=1`. */
export function qs(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== '',
  );
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

/** The one way the client talks to the gateway: JSON in and out, problem+json turned into {@link ApiError}. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  async function request<T>(
    method: string,
    path: string,
    body: unknown,
    opts: RequestOptions = {},
    asText = false,
  ): Promise<T> {
    const accept = asText
      ? 'text/html, application/problem+json'
      : 'application/json, application/problem+json';
    const headers: Record<string, string> = {
      Accept: accept,
      'Device-Id': options.deviceId(),
      ...opts.headers,
    };
    const token = opts.anonymous ? undefined : options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'POST') headers['Idempotency-Key'] = opts.idempotencyKey ?? crypto.randomUUID();
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        mode: 'cors',
        credentials: 'omit',
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, { status: 0, title: 'Network error' }, NETWORK_SENTENCE);
    }
    const session = res.headers.get('X-Session-Id');
    if (session && token) options.onSession?.(session);
    const text = res.status === 204 ? '' : await res.text();
    let parsed: unknown = undefined;
    if (asText && res.ok) return text as T;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const problem = toProblem(res.status, parsed, res.statusText);
      const retryHeader = res.headers.get('Retry-After');
      const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined;
      if (res.status === 401 && token) options.onUnauthorized?.();
      throw new ApiError(res.status, problem, problemSentence(problem, retryAfter), retryAfter);
    }
    return parsed as T;
  }

  return {
    baseUrl,
    get: (path, opts) => request('GET', path, undefined, opts),
    post: (path, body, opts) => request('POST', path, body, opts),
    put: (path, body, opts) => request('PUT', path, body, opts),
    del: (path, opts) => request('DELETE', path, undefined, opts),
    text: (path, opts) => request<string>('GET', path, undefined, opts, true),
  };
}
