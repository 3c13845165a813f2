/**
 * Twilio Programmable Messaging: send an SMS, read it back, and receive signed status callbacks.
 *
 * Status flow: `queued` (or `accepted` when only a `MessagingServiceSid` is given) → `sent` →
 * `delivered`, one step every `timings.twilioStatusStepMs`. A callback is posted for `sent` and for the
 * final status, form-encoded and signed with `X-Twilio-Signature`, to the message's `StatusCallback`,
 * or else to the sandbox's Twilio webhook target (what a Messaging Service's configured status
 * callback URL does in production).
 *
 * Magic `To` numbers:
 * - `+15005550001`: `sent`, then `undelivered` with ErrorCode 30003 (unreachable destination handset).
 * - `+15005550002`: `failed` with ErrorCode 30008 (unknown error).
 * - `+15005550003`: `sent`, and no delivery receipt ever arrives (the carrier reports nothing).
 * - `+15005550004`: rejected at once, 400 code 21610 (recipient replied STOP).
 * - `+15005550009`: rejected at once, 400 code 21614 (not a mobile number).
 * - anything that is not E.164: 400 code 21211.
 *
 * Throughput is limited per sender (`From`, or `MessagingServiceSid`): long codes `limits.twilio`,
 * short codes (5–6 digit `From`) `limits.twilioShortCode`; over the limit the API answers 429 with
 * code 20429. (Production Twilio queues excess messages instead; the 429 makes a platform that
 * ignores sender throughput visible in tests.)
 */
import express, { type Request, type Response, type Router } from 'express';
import { nowSec, rawBody, type SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { hex, twilioSid } from './ids';
import { signTwilio } from './signing';

export type TwilioMessageStatus =
  'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** The Message resource exactly as the API returns it (snake_case). */
export interface TwilioMessageResource {
  sid: string;
  account_sid: string;
  api_version: '2010-04-01';
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: 'outbound-api';
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  status: TwilioMessageStatus;
  subresource_uris: { media: string };
  to: string;
  uri: string;
}

export interface TwilioMessageRecord {
  resource: TwilioMessageResource;
  statusCallback: string | null;
  /** Every status the message went through, with the time (epoch ms). */
  history: Array<{ status: TwilioMessageStatus; at: number }>;
}

export interface TwilioState {
  messages: Map<string, TwilioMessageRecord>;
}

interface Outcome {
  final: 'delivered' | 'undelivered' | 'failed' | 'sent';
  errorCode?: number;
  errorMessage?: string;
}

const ASYNC_OUTCOMES: Record<string, Outcome> = {
  '+15005550001': { final: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' },
  '+15005550002': { final: 'failed', errorCode: 30008, errorMessage: 'Unknown error' },
  '+15005550003': { final: 'sent' },
};

const SYNC_REJECTIONS: Record<string, { code: number; message: (to: string) => string }> = {
  '+15005550004': { code: 21610, message: () => 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, message: (to) => `'To' number ${to} is not a valid mobile number` },
};

const E164 = /^\+[1-9]\d{6,14}$/;
const SHORT_CODE = /^\d{5,6}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
// GSM 03.38 basic character set (without the escape table); anything else forces UCS-2.
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

export class TwilioFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface TwilioModule {
  router: Router;
  state: TwilioState;
  reset(): void;
}

const twilioDate = (ms = Date.now()): string => new Date(ms).toUTCString().replace('GMT', '+0000');

function segments(body: string): number {
  const gsm = GSM7.test(body);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const length = [...body].length;
  return length <= single ? 1 : Math.ceil(length / multi);
}

export function createTwilio(ctx: SandboxContext): TwilioModule {
  const state: TwilioState = { messages: new Map() };
  const { settings } = ctx;

  const providerGate: ProviderGate = {
    provider: 'twilio',
    rateKey: (req) => {
      if (req.method !== 'POST' || !req.path.endsWith('/Messages.json')) return undefined;
      const form = new URLSearchParams(rawBody(req.body));
      const from = form.get('From');
      const sender = form.get('MessagingServiceSid') ?? from;
      if (!sender) return undefined;
      const limit =
        from && SHORT_CODE.test(from) && !form.get('MessagingServiceSid')
          ? settings.limits.twilioShortCode
          : settings.limits.twilio;
      return { key: sender, units: 1, limit };
    },
    serverError: (res, status) =>
      sendError(
        res,
        status,
        status >= 500 ? 20500 : status * 100,
        status >= 500 ? 'Internal Server Error' : 'Request failed',
      ),
    rateLimited: (res) => sendError(res, 429, 20429, 'Too Many Requests'),
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
    const auth = req.headers.authorization ?? '';
    const [user, pass] = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString().split(':')
      : [];
    if (user !== settings.secrets.twilioAccountSid || pass !== settings.secrets.twilioAuthToken) {
      settings.logger.warn('twilio request with invalid credentials', { path: req.path });
      return sendError(res, 401, 20003, 'Authenticate');
    }
    next();
  });

  const accountPath = (req: Request): string => {
    const sid = typeof req.params.accountSid === 'string' ? req.params.accountSid : '';
    if (sid !== settings.secrets.twilioAccountSid) {
      throw new TwilioFailure(404, 20404, `The requested resource /2010-04-01${req.path} was not found`);
    }
    return sid;
  };

  router.post('/Accounts/:accountSid/Messages.json', (req, res) => {
    try {
      accountPath(req);
      const record = createMessage(new URLSearchParams(rawBody(req.body)));
      res.status(201).json(record.resource);
    } catch (err) {
      if (!(err instanceof TwilioFailure)) throw err;
      sendError(res, err.status, err.code, err.message);
    }
  });

  router.get('/Accounts/:accountSid/Messages/:messageSid.json', (req, res) => {
    try {
      accountPath(req);
      const sid = typeof req.params.messageSid === 'string' ? req.params.messageSid : '';
      const record = state.messages.get(sid);
      if (!record)
        throw new TwilioFailure(404, 20404, `The requested resource /2010-04-01${req.path} was not found`);
      res.json(record.resource);
    } catch (err) {
      if (!(err instanceof TwilioFailure)) throw err;
      sendError(res, err.status, err.code, err.message);
    }
  });

  router.use((req: Request, res: Response) =>
    sendError(res, 404, 20404, `The requested resource /2010-04-01${req.path} was not found`),
  );

  function createMessage(form: URLSearchParams): TwilioMessageRecord {
    const to = form.get('To');
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    const body = form.get('Body') ?? '';
    const callback = form.get('StatusCallback');
    if (!to) throw new TwilioFailure(400, 21604, "A 'To' phone number is required.");
    if (!from && !service) throw new TwilioFailure(400, 21603, "A 'From' phone number is required.");
    if (!body && !form.get('MediaUrl')) throw new TwilioFailure(400, 21602, 'Message body is required.');
    if ([...body].length > 1600)
      throw new TwilioFailure(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (!E164.test(to)) throw new TwilioFailure(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (from && !E164.test(from) && !SHORT_CODE.test(from) && !ALPHANUMERIC_SENDER.test(from)) {
      throw new TwilioFailure(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
      );
    }
    if (service && !/^MG[0-9a-f]{32}$/.test(service))
      throw new TwilioFailure(400, 21701, `The Messaging Service Sid ${service} is invalid.`);
    if (callback && !/^https?:\/\/./.test(callback))
      throw new TwilioFailure(400, 21609, `Invalid StatusCallback url: ${callback}`);
    const rejection = SYNC_REJECTIONS[to];
    if (rejection) throw new TwilioFailure(400, rejection.code, rejection.message(to));

    const sid = twilioSid('SM');
    const account = settings.secrets.twilioAccountSid;
    const now = twilioDate();
    const initial: TwilioMessageStatus = from ? 'queued' : 'accepted';
    const resource: TwilioMessageResource = {
      sid,
      account_sid: account,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      num_media: form.getAll('MediaUrl').length.toString(),
      num_segments: segments(body).toString(),
      price: null,
      price_unit: 'USD',
      status: initial,
      subresource_uris: { media: `/2010-04-01/Accounts/${account}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${account}/Messages/${sid}.json`,
    };
    const record: TwilioMessageRecord = {
      resource,
      statusCallback: callback ?? null,
      history: [{ status: initial, at: Date.now() }],
    };
    state.messages.set(sid, record);
    advance(record, ASYNC_OUTCOMES[to] ?? { final: 'delivered' });
    return record;
  }

  /** Walks the message through its statuses on timers, posting a callback at each reported step. */
  function advance(record: TwilioMessageRecord, outcome: Outcome): void {
    const step = settings.timings.twilioStatusStepMs;
    if (outcome.final === 'failed') {
      ctx.scheduler.after(step, () => setStatus(record, 'failed', outcome));
      return;
    }
    ctx.scheduler.after(step, () => {
      if (!record.resource.from && record.resource.messaging_service_sid)
        record.resource.from = '+15005550006';
      setStatus(record, 'sent');
      if (outcome.final === 'sent') return;
      ctx.scheduler.after(step, () => setStatus(record, outcome.final, outcome));
    });
  }

  function setStatus(record: TwilioMessageRecord, status: TwilioMessageStatus, outcome?: Outcome): void {
    const r = record.resource;
    r.status = status;
    r.date_updated = twilioDate();
    if (status === 'sent') {
      r.date_sent = r.date_updated;
      r.price = (-0.0079 * Number(r.num_segments)).toFixed(5);
    }
    if (outcome?.errorCode) {
      r.error_code = outcome.errorCode;
      r.error_message = outcome.errorMessage ?? null;
    }
    record.history.push({ status, at: Date.now() });
    postCallback(record);
  }

  function postCallback(record: TwilioMessageRecord): void {
    const url = record.statusCallback ?? settings.webhookTargets.twilio;
    if (!url) return;
    const r = record.resource;
    const params: Record<string, string> = {
      AccountSid: r.account_sid,
      ApiVersion: r.api_version,
      MessageSid: r.sid,
      SmsSid: r.sid,
      MessageStatus: r.status,
      SmsStatus: r.status,
      To: r.to,
    };
    if (r.from) params.From = r.from;
    if (r.messaging_service_sid) params.MessagingServiceSid = r.messaging_service_sid;
    if (r.error_code) params.ErrorCode = String(r.error_code);
    if (r.status === 'delivered') params.RawDlrDoneDate = rawDlrDate();
    const signature = signTwilio(url, params, settings.secrets.twilioAuthToken);
    const idempotencyToken = `${r.account_sid}-${hex(16)}`;
    ctx.webhooks.enqueue({
      provider: 'twilio',
      url,
      body: new URLSearchParams(params).toString(),
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      headers: () => ({
        'X-Twilio-Signature': signature,
        'I-Twilio-Idempotency-Token': idempotencyToken,
        'User-Agent': 'TwilioProxy/1.1',
      }),
      refs: [`${r.sid}:${r.status}`],
    });
  }

  return {
    router,
    state,
    reset: () => state.messages.clear(),
  };
}

/** Twilio's `RawDlrDoneDate`: YYMMDDhhmm of the delivery receipt. */
function rawDlrDate(): string {
  const d = new Date(nowSec() * 1000).toISOString();
  return d.slice(2, 4) + d.slice(5, 7) + d.slice(8, 10) + d.slice(11, 13) + d.slice(14, 16);
}

function sendError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}
