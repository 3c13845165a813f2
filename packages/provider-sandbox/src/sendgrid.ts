/**
 * SendGrid v3 Mail Send and the signed Event Webhook.
 *
 * `POST /v3/mail/send` answers 202 with `X-Message-Id` (or 200 and nothing else when
 * `mail_settings.sandbox_mode.enable` is true, like SendGrid). Limits: at most 1000 personalizations
 * and 1000 recipients (to + cc + bcc) per request, otherwise 400 with SendGrid's
 * `{ errors: [{ message, field, help }] }`.
 *
 * Every recipient then gets events, collected for `timings.sendgridBatchMs` and posted as one JSON
 * array signed with ECDSA P-256 (`X-Twilio-Email-Event-Webhook-Signature`,
 * `X-Twilio-Email-Event-Webhook-Timestamp`). Magic addresses (local part, or domain):
 * - `bounce@…` or `…@bounce.test`: `processed`, then `bounce` (5.1.1, Invalid Address).
 * - `dropped@…` or `…@dropped.test`: `dropped` only (reason `Bounced Address`).
 * - `deferred@…` or `…@deferred.test`: `processed`, `deferred`, then `delivered`.
 * - anyone else: `processed`, then `delivered` `timings.sendgridEventDelayMs` later.
 * Each event carries `sg_event_id` (unique), `sg_message_id` (`<X-Message-Id>.filterdrecv-…`, one per
 * recipient), `smtp-id`, `email`, `timestamp`, `event`, the categories and every custom arg.
 */
import { randomBytes } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import { nowSec, rawBody, type SandboxContext } from './context';
import { gate, type ProviderGate } from './gate';
import { hex, sendgridMessageId } from './ids';
import type { RateDecision } from './rate-limiter';
import { signSendgrid } from './signing';

export interface SendgridEvent {
  email: string;
  timestamp: number;
  event: 'processed' | 'delivered' | 'bounce' | 'dropped' | 'deferred';
  sg_event_id: string;
  sg_message_id: string;
  'smtp-id': string;
  category?: string[];
  [customArg: string]: unknown;
}

export interface SendgridRecipient {
  email: string;
  sgMessageId: string;
  /** Events emitted for this recipient, in order. */
  events: SendgridEvent['event'][];
}

export interface SendgridMessage {
  messageId: string;
  receivedAt: number;
  /** The request body as sent. */
  request: MailSendBody;
  recipients: SendgridRecipient[];
}

export interface SendgridState {
  messages: Map<string, SendgridMessage>;
  /** Every event emitted, in order. */
  events: SendgridEvent[];
}

interface EmailAddress {
  email?: unknown;
  name?: unknown;
}

interface Personalization {
  to?: EmailAddress[];
  cc?: EmailAddress[];
  bcc?: EmailAddress[];
  subject?: string;
  custom_args?: Record<string, string>;
}

interface MailSendBody {
  personalizations?: Personalization[];
  from?: EmailAddress;
  subject?: string;
  content?: Array<{ type: string; value: string }>;
  template_id?: string;
  categories?: string[];
  custom_args?: Record<string, string>;
  mail_settings?: { sandbox_mode?: { enable?: boolean } };
}

interface FieldError {
  message: string;
  field: string | null;
  help: string | null;
}

const MAX_PERSONALIZATIONS = 1000;
const MAX_RECIPIENTS = 1000;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';

type Fate = 'deliver' | 'bounce' | 'drop' | 'defer';

function fateOf(email: string): Fate {
  const [local = '', domain = ''] = email.toLowerCase().split('@');
  if (local === 'bounce' || domain === 'bounce.test') return 'bounce';
  if (local === 'dropped' || domain === 'dropped.test') return 'drop';
  if (local === 'deferred' || domain === 'deferred.test') return 'defer';
  return 'deliver';
}

export interface SendgridModule {
  router: Router;
  state: SendgridState;
  reset(): void;
  /** Posts the events collected so far now, instead of at the end of the batch window. */
  flushBatch(): void;
}

export function createSendgrid(ctx: SandboxContext): SendgridModule {
  const state: SendgridState = { messages: new Map(), events: [] };
  const { settings } = ctx;
  // sg_event_id: 16 bytes as base64url, unique per event (a random prefix per sandbox and a counter).
  const eventIdBytes = randomBytes(16);
  let eventSequence = 0n;
  const nextEventId = (): string => {
    eventIdBytes.writeBigUInt64BE(++eventSequence, 8);
    return eventIdBytes.toString('base64url');
  };
  let batch: SendgridEvent[] = [];
  let batchTimer: NodeJS.Timeout | undefined;

  const rateHeaders = (res: Response, d: RateDecision): void => {
    res.setHeader('X-RateLimit-Limit', String(d.limit));
    res.setHeader('X-RateLimit-Remaining', String(d.remaining));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(d.resetAt / 1000)));
  };

  const providerGate: ProviderGate = {
    provider: 'sendgrid',
    rateKey: (req) =>
      req.method === 'POST' && req.path === '/mail/send'
        ? { key: 'account', units: 1, limit: settings.limits.sendgrid }
        : undefined,
    serverError: (res, status) =>
      sendErrors(res, status, [
        { message: status >= 500 ? 'Internal server error' : 'Request failed', field: null, help: null },
      ]),
    rateLimited: (res, d) => {
      const { limit, windowMs } = settings.limits.sendgrid;
      const now = Date.now();
      rateHeaders(
        res,
        d ?? { allowed: false, limit, remaining: 0, resetAt: now - (now % windowMs) + windowMs },
      );
      sendErrors(res, 429, [{ field: null, message: 'too many requests', help: null }]);
    },
    onAllowed: rateHeaders,
  };

  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '30mb' }));
  router.use(
    gate(providerGate, {
      stats: ctx.stats,
      faults: ctx.faults,
      logger: settings.logger,
      limiter: ctx.limiter,
    }),
  );
  router.use((req, res, next) => {
    if (req.headers.authorization !== `Bearer ${settings.secrets.sendgridApiKey}`) {
      settings.logger.warn('sendgrid request with an invalid API key', { path: req.path });
      return sendErrors(res, 401, [
        {
          field: null,
          message: 'The provided authorization grant is invalid, expired, or revoked',
          help: null,
        },
      ]);
    }
    next();
  });

  router.post('/mail/send', (req, res) => {
    let body: MailSendBody;
    try {
      body = JSON.parse(rawBody(req.body)) as MailSendBody;
    } catch {
      return sendErrors(res, 400, [{ field: null, message: 'Bad Request', help: null }]);
    }
    const errors = validate(body);
    if (errors.length) {
      settings.logger.info('sendgrid mail/send rejected', { errors: errors.map((e) => e.field) });
      return sendErrors(res, 400, errors);
    }
    if (body.mail_settings?.sandbox_mode?.enable) return res.status(200).end();
    const messageId = sendgridMessageId();
    const message = accept(messageId, body);
    state.messages.set(messageId, message);
    res.setHeader('X-Message-Id', messageId);
    res.status(202).end();
  });

  router.use((_req, res) =>
    sendErrors(res, 404, [{ field: null, message: 'resource not found', help: null }]),
  );

  function validate(body: MailSendBody): FieldError[] {
    const errors: FieldError[] = [];
    const ps = body.personalizations;
    if (!Array.isArray(ps) || ps.length === 0) {
      errors.push({
        message: 'The personalizations field is required and must have at least one personalization.',
        field: 'personalizations',
        help: `${HELP}#-Personalizations-Errors`,
      });
      return errors;
    }
    if (ps.length > MAX_PERSONALIZATIONS) {
      errors.push({
        message: `The maximum number of personalizations is ${MAX_PERSONALIZATIONS}.`,
        field: 'personalizations',
        help: `${HELP}#-Personalizations-Errors`,
      });
    }
    let recipients = 0;
    ps.forEach((p, i) => {
      if (!Array.isArray(p.to) || p.to.length === 0) {
        errors.push({
          message:
            'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
          field: `personalizations.${i}.to`,
          help: `${HELP}#message.personalizations.to`,
        });
      }
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        (p[kind] ?? []).forEach((a, j) => {
          recipients++;
          if (typeof a.email !== 'string' || !EMAIL.test(a.email)) {
            errors.push({
              message: 'Does not contain a valid address.',
              field: `personalizations.${i}.${kind}.${j}.email`,
              help: `${HELP}#message.personalizations.${kind}`,
            });
          }
        });
      }
    });
    if (recipients > MAX_RECIPIENTS) {
      errors.push({
        message: `The total number of recipients (to, cc and bcc) must be no more than ${MAX_RECIPIENTS}.`,
        field: 'personalizations',
        help: `${HELP}#-Personalizations-Errors`,
      });
    }
    if (typeof body.from?.email !== 'string' || !EMAIL.test(body.from.email)) {
      errors.push({
        message: 'The from email does not contain a valid address.',
        field: 'from.email',
        help: `${HELP}#message.from`,
      });
    }
    if (!body.template_id && !body.subject && !ps.every((p) => p.subject)) {
      errors.push({
        message:
          'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
        field: 'subject',
        help: `${HELP}#message.subject`,
      });
    }
    if (!body.template_id && (!Array.isArray(body.content) || body.content.length === 0)) {
      errors.push({
        message:
          'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.',
        field: 'content',
        help: `${HELP}#message.content`,
      });
    }
    return errors;
  }

  function accept(messageId: string, body: MailSendBody): SendgridMessage {
    const filter = hex(8);
    const worker = hex(2).toUpperCase();
    const recipients: SendgridRecipient[] = [];
    const smtpId = `<${messageId}@ismtpd0001p1lon1.sendgrid.net>`;
    // A request may carry 1000 recipients: their later events share one timer per step.
    const steps: Array<Array<() => void>> = [];
    (body.personalizations ?? []).forEach((p) => {
      const extra: Record<string, unknown> = { ...body.custom_args, ...p.custom_args };
      if (body.categories?.length) extra.category = body.categories;
      for (const a of [...(p.to ?? []), ...(p.cc ?? []), ...(p.bcc ?? [])]) {
        const email = String(a.email);
        const recipient: SendgridRecipient = {
          email,
          sgMessageId: `${messageId}.filterdrecv-${filter}-1-${worker}-${recipients.length}.0`,
          events: [],
        };
        recipients.push(recipient);
        const make = (event: SendgridEvent['event'], fields: Record<string, unknown> = {}): SendgridEvent => {
          recipient.events.push(event);
          return {
            email,
            timestamp: nowSec(),
            'smtp-id': smtpId,
            event,
            sg_event_id: nextEventId(),
            sg_message_id: recipient.sgMessageId,
            ...extra,
            ...fields,
          };
        };
        const later = (fn: () => void, step = 1): void => void (steps[step] ??= []).push(fn);
        switch (fateOf(email)) {
          case 'drop':
            push(make('dropped', { reason: 'Bounced Address', status: '5.0.0' }));
            break;
          case 'bounce':
            push(make('processed'));
            later(() =>
              push(
                make('bounce', {
                  type: 'bounce',
                  status: '5.1.1',
                  reason: '550 5.1.1 The email account that you tried to reach does not exist.',
                  bounce_classification: 'Invalid Address',
                }),
              ),
            );
            break;
          case 'defer':
            push(make('processed'));
            later(() => push(make('deferred', { response: '421 4.7.0 Try again later', attempt: '1' })));
            later(() => push(make('delivered', { response: '250 2.0.0 OK', ip: '167.89.0.1', tls: 1 })), 2);
            break;
          default:
            push(make('processed'));
            later(() => push(make('delivered', { response: '250 2.0.0 OK', ip: '167.89.0.1', tls: 1 })));
        }
      }
    });
    steps.forEach((fns, step) =>
      ctx.scheduler.after(settings.timings.sendgridEventDelayMs * step, () => {
        for (const fn of fns) fn();
      }),
    );
    return { messageId, receivedAt: Date.now(), request: body, recipients };
  }

  function push(event: SendgridEvent): void {
    state.events.push(event);
    if (!settings.webhookTargets.sendgrid) return;
    batch.push(event);
    if (batch.length >= 1000) flushBatch();
    else if (!batchTimer) batchTimer = ctx.scheduler.after(settings.timings.sendgridBatchMs, flushBatch);
  }

  function flushBatch(): void {
    ctx.scheduler.cancel(batchTimer);
    batchTimer = undefined;
    const url = settings.webhookTargets.sendgrid;
    if (!batch.length || !url) return;
    const events = batch;
    batch = [];
    ctx.webhooks.enqueue({
      provider: 'sendgrid',
      url,
      body: JSON.stringify(events),
      contentType: 'application/json',
      headers: (body, now) => {
        const timestamp = String(Math.floor(now / 1000));
        return {
          'X-Twilio-Email-Event-Webhook-Signature': signSendgrid(
            body,
            timestamp,
            settings.secrets.sendgridPrivateKey,
          ),
          'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
          'User-Agent': 'SendGrid Event API',
        };
      },
      refs: events.map((e) => e.sg_event_id),
    });
  }

  ctx.webhooks.onBeforeFlush(flushBatch);

  return {
    router,
    state,
    flushBatch,
    reset() {
      state.messages.clear();
      state.events.length = 0;
      batch = [];
      ctx.scheduler.cancel(batchTimer);
      batchTimer = undefined;
    },
  };
}

function sendErrors(res: Response, status: number, errors: FieldError[]): void {
  res.status(status).json({ errors });
}
