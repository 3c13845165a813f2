/**
 * An SMTP relay (RFC 5321 with AUTH PLAIN/LOGIN, no TLS): what nodemailer's SMTP transport talks to
 * for the second email provider. It listens on its own port (`smtpPort`, 0 = a free one) and keeps
 * every accepted message, parsed, in `state.smtp.messages`.
 *
 * Answers like a relay:
 * - wrong AUTH credentials: `535 5.7.8 Authentication credentials invalid`.
 * - over the rate limit (`limits.smtp`, messages per AUTH user): `451 4.7.1` at `MAIL FROM`, a
 *   temporary failure the client may retry after the window.
 * - magic recipients, as for SendGrid: `bounce@…` / `…@bounce.test` → `550 5.1.1` at `RCPT TO`
 *   (the address does not exist); `dropped@…` / `…@dropped.test` → `550 5.7.1` (blocked).
 * - fault rules for provider `smtp`: an error status answers `MAIL FROM` with a 4xx/5xx
 *   (`status` < 500 → `451 4.3.0`, else `554 5.3.0`), a 429 rule with `451 4.7.1`, a timeout rule
 *   never answers `MAIL FROM`, latency delays it. Rules match `method: 'SMTP'`, `endpoint: 'MAIL'`.
 */
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import type { SandboxContext } from './context';
import { hex } from './ids';
import { sleep } from './scheduler';
import { recordWindow } from './stats';

export interface SmtpMessage {
  /** The relay's queue id, as in `250 2.0.0 Ok: queued as <id>`. */
  id: string;
  receivedAt: number;
  /** SMTP envelope. */
  from: string;
  to: string[];
  /** Parsed headers and bodies. */
  messageId: string | undefined;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  headers: Record<string, string>;
}

export interface SmtpState {
  messages: SmtpMessage[];
  /** Recipients refused at `RCPT TO`, with the reply code. */
  rejected: Array<{ address: string; code: number; at: number }>;
}

export interface SmtpModule {
  state: SmtpState;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
  reset(): void;
}

class SmtpReply extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

function rcptFate(address: string): SmtpReply | undefined {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (local === 'bounce' || domain === 'bounce.test') {
    return new SmtpReply(550, '5.1.1 The email account that you tried to reach does not exist');
  }
  if (local === 'dropped' || domain === 'dropped.test') {
    return new SmtpReply(550, '5.7.1 Recipient address rejected: blocked');
  }
  return undefined;
}

export function createSmtp(ctx: SandboxContext): SmtpModule {
  const state: SmtpState = { messages: [], rejected: [] };
  const { settings } = ctx;
  const sessions = new Set<{ destroy(): void }>();

  const server = new SMTPServer({
    name: 'smtp.sandbox.test',
    banner: 'matchday provider sandbox ESMTP',
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: 10 * 1024 * 1024,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === settings.secrets.smtpUser && auth.password === settings.secrets.smtpPassword) {
        return callback(null, { user: auth.username });
      }
      settings.logger.warn('smtp login with invalid credentials', { user: auth.username });
      callback(new SmtpReply(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback) {
      void (async () => {
        // Looked up per command: reset() replaces the stats objects.
        const stats = ctx.stats.smtp;
        stats.requests++;
        const count = (code: number) => {
          const key = String(code);
          stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
        };
        if (!session.user) {
          count(530);
          return callback(new SmtpReply(530, '5.7.0 Authentication required'));
        }
        const decision = ctx.faults.decide('smtp', 'SMTP', 'MAIL');
        if (decision.latencyMs > 0) await sleep(decision.latencyMs);
        const action = decision.action;
        if (action.kind !== 'none') {
          stats.faultsInjected++;
          settings.logger.info('fault injected', {
            provider: 'smtp',
            fault: action.kind,
            rules: decision.ruleIds,
          });
          if (action.kind === 'timeout') return; // never answered: the client's socket timeout fires
          if (action.kind === 'rate429') {
            count(451);
            return callback(new SmtpReply(451, '4.7.1 Too many messages, slow down'));
          }
          const code = action.status < 500 ? 451 : 554;
          count(code);
          return callback(
            new SmtpReply(code, code === 451 ? '4.3.0 Temporary system problem' : '5.3.0 Transaction failed'),
          );
        }
        const limit = settings.limits.smtp;
        const key = String(session.user);
        const d = ctx.limiter.take(`smtp:${key}`, limit, 1);
        recordWindow(stats, key, limit.windowMs, 1, d.allowed);
        if (!d.allowed) {
          stats.rateLimited++;
          count(451);
          settings.logger.warn('rate limit exceeded', { provider: 'smtp', key, limit: d.limit });
          return callback(new SmtpReply(451, '4.7.1 Rate limit exceeded, try again later'));
        }
        count(250);
        callback();
      })();
    },
    onRcptTo(address, _session, callback) {
      const reply = rcptFate(address.address);
      if (reply) {
        state.rejected.push({ address: address.address, code: reply.responseCode, at: Date.now() });
        return callback(reply);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const id = hex(6).toUpperCase();
          const headers: Record<string, string> = {};
          for (const line of parsed.headerLines)
            headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
          state.messages.push({
            id,
            receivedAt: Date.now(),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId: parsed.messageId,
            subject: parsed.subject,
            text: parsed.text,
            html: typeof parsed.html === 'string' ? parsed.html : undefined,
            headers,
          });
          callback(null, `Ok: queued as ${id}`);
        })
        .catch((err: Error) => {
          settings.logger.error('smtp message could not be parsed', { error: err.message });
          callback(new SmtpReply(554, '5.6.0 Message could not be parsed'));
        });
    },
  });
  server.on('error', (err) => settings.logger.error('smtp server error', { error: err.message }));

  return {
    state,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const net = server.listen(port, host, () => resolve((net.address() as AddressInfo).port));
        net.on('connection', (socket) => {
          sessions.add(socket);
          socket.on('close', () => sessions.delete(socket));
        });
        net.once('error', reject);
      }),
    close: () =>
      new Promise((resolve) => {
        // Connections a client keeps open (pooled transports) would hold close() for its timeout.
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
    reset() {
      state.messages.length = 0;
      state.rejected.length = 0;
    },
  };
}
