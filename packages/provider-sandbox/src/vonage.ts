/**
 * Vonage SMS API: `POST /sms/json`, what `@vonage/sms` sends (`restHost` pointed at the sandbox):
 * a JSON body in kebab-case (`from`, `to`, `text`, `client-ref`, …) with Basic auth `api_key:api_secret`.
 * The older form-encoded style with `api_key`/`api_secret` in the body is accepted too.
 *
 * Answers are always HTTP 200 with `{ "message-count", messages: [...] }`, each message with a
 * `status`: "0" accepted (with `message-id`), anything else an error with `error-text`, as Vonage does:
 * - over the throughput limit (`limits.vonage`, requests per API key, default 30/s): status "1"
 *   (Throttled); the SDK throws `MessageSendAllFailure`.
 * - missing `from`, `to` or `text`: status "2"; `to` that is not 7–15 digits (a leading + is
 *   ignored): status "3"; wrong credentials: status "4".
 * - `to` `15005550004`: status "7" (number barred), mirroring Twilio's opted-out magic number.
 * Fault rules for provider `vonage` answer with their HTTP status (the SDK throws on non-2xx).
 * Delivery receipts are not posted: the platform does not receive Vonage webhooks.
 */
import express, { type Request, type Response, type Router } from 'express';
import { rawBody, type SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { hex } from './ids';

export interface VonageMessageRecord {
  messageId: string;
  to: string;
  from: string;
  text: string;
  clientRef: string | undefined;
  at: number;
}

export interface VonageState {
  messages: Map<string, VonageMessageRecord>;
  /** Requests refused with a non-zero status, with that status. */
  refused: Array<{ to: string | undefined; status: string; at: number }>;
}

export interface VonageModule {
  router: Router;
  state: VonageState;
  reset(): void;
}

type Params = Record<string, string | undefined>;

function paramsOf(req: Request): Params {
  const raw = rawBody(req.body);
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(parsed).map(([k, v]) => [k, v === undefined || v === null ? undefined : String(v)]),
      );
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function credentialsOf(req: Request, params: Params): { key?: string; secret?: string } {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Basic ')) {
    const [key, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    return { key, secret };
  }
  return { key: params.api_key, secret: params.api_secret };
}

/** Parts a long text is split into (GSM-7: 160, or 153 per part when concatenated). */
function parts(text: string): number {
  const length = [...text].length;
  return length <= 160 ? 1 : Math.ceil(length / 153);
}

export function createVonage(ctx: SandboxContext): VonageModule {
  const state: VonageState = { messages: new Map(), refused: [] };
  const { settings } = ctx;

  const refuse = (res: Response, to: string | undefined, status: string, errorText: string): void => {
    state.refused.push({ to, status, at: Date.now() });
    res.json({ 'message-count': '1', messages: [{ status, 'error-text': errorText }] });
  };

  const providerGate: ProviderGate = {
    provider: 'vonage',
    rateKey: (req) => {
      if (req.method !== 'POST' || req.path !== '/json') return undefined;
      const { key } = credentialsOf(req, paramsOf(req));
      return { key: key ?? 'anonymous', units: 1, limit: settings.limits.vonage };
    },
    serverError: (res, status) =>
      res.status(status).json({ type: 'https://developer.vonage.com/api-errors', title: 'Internal Error' }),
    rateLimited: (res) => {
      refuse(res, undefined, '1', 'Throughput Rate Exceeded - please wait [ 1000 ] and retry');
    },
  };

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '1mb' }));
  router.use(
    gate(providerGate, {
      stats: ctx.stats,
      faults: ctx.faults,
      logger: settings.logger,
      limiter: ctx.limiter,
    }),
  );

  router.post('/json', (req, res) => {
    const params = paramsOf(req);
    const { key, secret } = credentialsOf(req, params);
    if (key !== settings.secrets.vonageApiKey || secret !== settings.secrets.vonageApiSecret) {
      settings.logger.warn('vonage request with invalid credentials', { path: req.path });
      return refuse(res, params.to, '4', 'Bad Credentials');
    }
    const { from, text } = params;
    const to = params.to?.replace(/^\+/, '');
    if (!from) return refuse(res, to, '2', 'Missing from param');
    if (!to) return refuse(res, to, '2', 'Missing to param');
    if (!text) return refuse(res, to, '2', 'Missing text param');
    if (!/^\d{7,15}$/.test(to)) return refuse(res, to, '3', 'Invalid to address');
    if (to === '15005550004') return refuse(res, to, '7', 'Number barred.');

    const n = parts(text);
    const messages = Array.from({ length: n }, () => {
      const messageId = hex(8).toUpperCase();
      state.messages.set(messageId, {
        messageId,
        to,
        from,
        text,
        clientRef: params['client-ref'],
        at: Date.now(),
      });
      return {
        to,
        'message-id': messageId,
        status: '0',
        'remaining-balance': '100.00000000',
        'message-price': '0.03330000',
        network: '12345',
        ...(params['client-ref'] !== undefined && { 'client-ref': params['client-ref'] }),
      };
    });
    res.json({ 'message-count': String(n), messages });
  });

  router.use((req: Request, res: Response) =>
    res.status(404).json({ error: `no Vonage route for ${req.method} /sms${req.path}` }),
  );

  return {
    router,
    state,
    reset() {
      state.messages.clear();
      state.refused.length = 0;
    },
  };
}
