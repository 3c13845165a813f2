import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxContext } from './context';
import { createControlRouter } from './control';
import { FaultRegistry, type ApiFaultInput, type ApiFaultRule, type WebhookFaults } from './faults';
import { createFcm, type FcmState } from './fcm';
import { alnum, hex } from './ids';
import { FixedWindowLimiter } from './rate-limiter';
import { Scheduler } from './scheduler';
import { createSendgrid, type SendgridState } from './sendgrid';
import { generateSendgridKeyPair, sendgridPublicKeyOf } from './signing';
import { createSmtp, type SmtpState } from './smtp';
import { emptyStats, type SandboxStats } from './stats';
import { createStripe, type Dispute, type StripeState } from './stripe';
import { createTwilio, type TwilioState } from './twilio';
import { createVonage, type VonageState } from './vonage';
import { createWebPush, type PushSubscriptionJson, type WebPushState } from './webpush';
import {
  silentLogger,
  WEBHOOK_PROVIDERS,
  type Provider,
  type SandboxLimits,
  type SandboxLogger,
  type SandboxSecrets,
  type SandboxSettings,
  type SandboxTimings,
  type WebhookProvider,
  type WebhookRetryPolicy,
  type WebhookTargets,
} from './types';
import { WebhookDispatcher, type DeliveryRecord, type FlushSummary } from './webhooks';

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Port of the SMTP relay; 0 (the default) picks a free port. */
  smtpPort?: number;
  host?: string;
  /** Where webhooks go: Stripe events, Twilio status callbacks without their own URL, SendGrid events. */
  webhookTargets?: WebhookTargets;
  /** Fixed credentials; anything left out is generated at start. */
  secrets?: Partial<SandboxSecrets>;
  limits?: Partial<SandboxLimits>;
  timings?: Partial<SandboxTimings>;
  webhookRetry?: Partial<WebhookRetryPolicy>;
  logger?: SandboxLogger;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  stripe: { limit: 100, windowMs: 1000 },
  twilio: { limit: 1, windowMs: 1000 },
  twilioShortCode: { limit: 100, windowMs: 1000 },
  sendgrid: { limit: 10_000, windowMs: 1000 },
  fcm: { limit: 600_000, windowMs: 60_000 },
  smtp: { limit: 100, windowMs: 1000 },
  vonage: { limit: 30, windowMs: 1000 },
  webpush: { limit: 10_000, windowMs: 1000 },
};

export const DEFAULT_TIMINGS: SandboxTimings = {
  stripeDisputeAfterMs: 50,
  twilioStatusStepMs: 20,
  sendgridEventDelayMs: 20,
  sendgridBatchMs: 50,
};

/**
 * The providers retry for hours or days; the sandbox keeps the same shape (exponential backoff,
 * at-least-once) on a scale tests can wait for.
 */
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
};

/** Everything the sandbox holds, live (not a copy): tests read it directly. */
export interface SandboxState {
  stripe: StripeState;
  twilio: TwilioState;
  sendgrid: SendgridState;
  fcm: FcmState;
  smtp: SmtpState;
  vonage: VonageState;
  webpush: WebPushState;
  webhooks: { deliveries: DeliveryRecord[] };
  faults: { api: ApiFaultRule[]; webhooks: Partial<Record<WebhookProvider, WebhookFaults>> };
  stats: SandboxStats;
}

export interface Sandbox {
  /** Origin of the sandbox, e.g. `http://127.0.0.1:4010`: the `baseUrl` for every client factory. */
  url: string;
  port: number;
  host: string;
  secrets: SandboxSecrets;
  /** The SMTP relay: `url` is `smtp://<user>:<password>@<host>:<port>`, what nodemailer's `createTransport` takes. */
  smtp: { host: string; port: number; url: string };
  state: SandboxState;
  /** A Web Push subscription with real keys on the sandbox's push service, as a browser would create it. */
  createPushSubscription(id?: string): PushSubscriptionJson;
  addFault(rule: ApiFaultInput): ApiFaultRule;
  setWebhookFaults(provider: WebhookProvider, faults: WebhookFaults): void;
  clearFaults(provider?: Provider): void;
  setWebhookTargets(targets: WebhookTargets): void;
  /** Attempts every pending webhook delivery now and waits for the answers. */
  flushWebhooks(): Promise<FlushSummary>;
  openDispute(paymentIntentId: string, reason?: string): Dispute;
  bankReversal(paymentIntentId: string): Dispute;
  closeDispute(disputeId: string, status: 'won' | 'lost'): Dispute;
  /** Forgets all state, faults, pending webhooks and counters; secrets and targets stay. */
  reset(): void;
  close(): Promise<void>;
}

function resolveSecrets(given: Partial<SandboxSecrets> = {}): SandboxSecrets {
  let privateKey = given.sendgridPrivateKey;
  let publicKey = given.sendgridPublicKey;
  if (!privateKey) {
    const pair = generateSendgridKeyPair();
    privateKey = pair.privateKey;
    publicKey = pair.publicKey;
  }
  return {
    stripeApiKey: given.stripeApiKey ?? `sk_test_${alnum(24)}`,
    stripeWebhookSecret: given.stripeWebhookSecret ?? `whsec_${alnum(32)}`,
    twilioAccountSid: given.twilioAccountSid ?? `AC${hex(16)}`,
    twilioAuthToken: given.twilioAuthToken ?? hex(16),
    sendgridApiKey: given.sendgridApiKey ?? `SG.${alnum(22)}.${alnum(43)}`,
    sendgridPrivateKey: privateKey,
    sendgridPublicKey: publicKey ?? sendgridPublicKeyOf(privateKey),
    fcmProjectId: given.fcmProjectId ?? 'matchday-sandbox',
    smtpUser: given.smtpUser ?? 'sandbox',
    smtpPassword: given.smtpPassword ?? alnum(20),
    vonageApiKey: given.vonageApiKey ?? hex(4),
    vonageApiSecret: given.vonageApiSecret ?? alnum(16),
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logger = options.logger ?? silentLogger;
  const settings: SandboxSettings = {
    secrets: resolveSecrets(options.secrets),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    webhookRetry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry },
    webhookTargets: { ...options.webhookTargets },
    logger,
  };
  const scheduler = new Scheduler();
  const faults = new FaultRegistry();
  const webhooks = new WebhookDispatcher({ retry: settings.webhookRetry, scheduler, faults, logger });
  const limiter = new FixedWindowLimiter();
  const stats = emptyStats();
  const ctx: SandboxContext = { settings, scheduler, faults, webhooks, stats, limiter };

  const stripe = createStripe(ctx);
  const twilio = createTwilio(ctx);
  const sendgrid = createSendgrid(ctx);
  const fcm = createFcm(ctx);
  const smtp = createSmtp(ctx);
  const vonage = createVonage(ctx);
  const webpush = createWebPush(ctx, () => sandbox.url);

  const state: SandboxState = {
    stripe: stripe.state,
    twilio: twilio.state,
    sendgrid: sendgrid.state,
    fcm: fcm.state,
    smtp: smtp.state,
    vonage: vonage.state,
    webpush: webpush.state,
    webhooks: { deliveries: webhooks.deliveries },
    faults: { api: faults.api, webhooks: faults.webhooks },
    stats,
  };

  let server: Server | undefined;
  const sandbox: Sandbox = {
    url: '',
    port: 0,
    host: options.host ?? '127.0.0.1',
    secrets: settings.secrets,
    smtp: { host: '', port: 0, url: '' },
    state,
    createPushSubscription: (id) => webpush.createSubscription(id),
    addFault: (rule) => faults.addApi(rule),
    setWebhookFaults: (provider, f) => faults.setWebhooks(provider, f),
    clearFaults: (provider) => faults.clear(provider),
    setWebhookTargets(targets) {
      for (const p of WEBHOOK_PROVIDERS) if (p in targets) settings.webhookTargets[p] = targets[p];
    },
    flushWebhooks: () => webhooks.flush(),
    openDispute: (pi, reason) => stripe.openDispute(pi, reason),
    bankReversal: (pi) => stripe.bankReversal(pi),
    closeDispute: (id, status) => stripe.closeDispute(id, status),
    reset() {
      scheduler.cancelAll();
      webhooks.reset();
      faults.clear();
      limiter.reset();
      stripe.reset();
      twilio.reset();
      sendgrid.reset();
      fcm.reset();
      smtp.reset();
      vonage.reset();
      webpush.reset();
      Object.assign(stats, emptyStats());
      logger.info('sandbox reset');
    },
    async close() {
      scheduler.cancelAll();
      webhooks.reset();
      if (!server) return;
      await smtp.close();
      const s = server;
      server = undefined;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use('/__sandbox', createControlRouter(sandbox));
  app.use('/v1', stripe.router);
  app.use('/2010-04-01', twilio.router);
  app.use('/v3', sendgrid.router);
  app.use('/sms', vonage.router);
  app.use('/wpush', webpush.router);
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no sandbox route for ${req.method} ${req.path}` });
  });
  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    logger.error('sandbox request failed', { method: req.method, path: req.path, error: err.message });
    if (!res.headersSent) res.status(500).json({ error: err.message });
  });

  // FCM is answered before express (see fcm.ts); everything else goes through the app.
  server = await new Promise<Server>((resolve, reject) => {
    const s = createServer((req, res) => {
      if (!fcm.serve(req, res)) app(req, res);
    });
    s.once('error', reject);
    s.listen(options.port ?? 0, sandbox.host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  const port = (server.address() as AddressInfo).port;
  sandbox.port = port;
  sandbox.url = `http://${sandbox.host.includes(':') ? `[${sandbox.host}]` : sandbox.host}:${port}`;
  const smtpPort = await smtp.listen(options.smtpPort ?? 0, sandbox.host);
  const { smtpUser, smtpPassword } = settings.secrets;
  sandbox.smtp = {
    host: sandbox.host,
    port: smtpPort,
    url: `smtp://${encodeURIComponent(smtpUser)}:${encodeURIComponent(smtpPassword)}@${sandbox.host.includes(':') ? `[${sandbox.host}]` : sandbox.host}:${smtpPort}`,
  };
  logger.info('provider sandbox listening', { url: sandbox.url, smtpPort });
  return sandbox;
}
