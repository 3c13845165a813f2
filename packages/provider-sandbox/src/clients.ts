/**
 * Official SDK clients, pointed at the sandbox when a `baseUrl` is given and at the real provider
 * otherwise. Services create their provider clients here so nothing else needs to know how each SDK
 * is redirected.
 */
import { Client as SendgridClient } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { Auth as VonageAuth } from '@vonage/auth';
import { SMS } from '@vonage/sms';
import { applicationDefault, initializeApp, type App, type Credential } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import Stripe from 'stripe';
import twilio from 'twilio';

export interface StripeClientOptions {
  apiKey: string;
  /** Sandbox origin, e.g. `http://127.0.0.1:4010`; omit for api.stripe.com. */
  baseUrl?: string;
  /** Per-request timeout (the SDK's default is 80 s). */
  timeoutMs?: number;
  /** Retries of connection errors, 409 and 5xx (the SDK sends the same idempotency key each time). */
  maxNetworkRetries?: number;
}

export function stripeClient({ apiKey, baseUrl, timeoutMs, maxNetworkRetries }: StripeClientOptions): Stripe {
  const config: Stripe.StripeConfig = {};
  if (timeoutMs !== undefined) config.timeout = timeoutMs;
  if (maxNetworkRetries !== undefined) config.maxNetworkRetries = maxNetworkRetries;
  if (baseUrl) {
    const u = new URL(baseUrl);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    config.host = u.hostname;
    config.port = Number(u.port || (protocol === 'https' ? 443 : 80));
    config.protocol = protocol;
  }
  return new Stripe(apiKey, config);
}

/**
 * Twilio's SDK has no base-URL option and builds absolute URLs for several domains
 * (api.twilio.com, messaging.twilio.com, …); this client sends every one of them to `origin`,
 * keeping path and query.
 */
class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly origin: string,
    opts?: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: Parameters<typeof twilio.RequestClient.prototype.request<TData>>[0]) {
    const original = new URL(opts.uri);
    const uri = new URL(original.pathname + original.search, this.origin).toString();
    return super.request<TData>({ ...opts, uri });
  }
}

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Sandbox origin; omit for Twilio's own domains. */
  baseUrl?: string;
  timeoutMs?: number;
  /** Let the SDK retry 429s with backoff (off by default, as in the SDK). */
  autoRetry?: boolean;
}

export function twilioClient({
  accountSid,
  authToken,
  baseUrl,
  timeoutMs,
  autoRetry,
}: TwilioClientOptions): twilio.Twilio {
  const clientOpts = {
    ...(timeoutMs !== undefined && { timeout: timeoutMs }),
    ...(autoRetry !== undefined && { autoRetry }),
  };
  const httpClient = baseUrl
    ? new RedirectingRequestClient(new URL(baseUrl).origin, clientOpts)
    : new twilio.RequestClient(clientOpts);
  return twilio(accountSid, authToken, { httpClient });
}

export interface SendgridMailOptions {
  apiKey: string;
  /** Sandbox origin; omit for api.sendgrid.com. */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * A MailService with its own client. `@sendgrid/mail`'s default export keeps its own client, and
 * `setApiKey()` resets `baseUrl`, hence the order: key first, then the base URL.
 */
export function sendgridMail({ apiKey, baseUrl, timeoutMs }: SendgridMailOptions): MailService {
  const client = new SendgridClient();
  client.setApiKey(apiKey);
  if (baseUrl) client.setDefaultRequest('baseUrl', `${new URL(baseUrl).origin}/`);
  const mail = new MailService();
  mail.setClient(client);
  if (timeoutMs !== undefined) mail.setTimeout(timeoutMs);
  return mail;
}

export interface FcmMessagingOptions {
  projectId: string;
  /** Sandbox origin; omit for fcm.googleapis.com. */
  baseUrl?: string;
  /** Production credential; defaults to Application Default Credentials. Ignored with a `baseUrl`. */
  credential?: Credential;
  /** firebase-admin app name; must be unique per process. */
  appName?: string;
  /**
   * Connections to the sandbox (default: unlimited). `sendEach` sends every message as its own
   * request at once; with a cap they queue on kept-alive connections instead of opening (and, past
   * the agent's free-socket limit, closing) hundreds of sockets per call.
   */
  maxSockets?: number;
}

let fcmApps = 0;

/**
 * firebase-admin Messaging. With a `baseUrl`, every connection to fcm.googleapis.com is made to the
 * sandbox instead (an https.Agent whose `createConnection` dials the sandbox: a plain socket for an
 * http origin, TLS for https), the token is a static one, and `enableLegacyHttpTransport()` makes
 * `sendEach*` use that agent over HTTP/1.1.
 *
 * NOTE: the production transport of `sendEach*` is HTTP/2 straight to fcm.googleapis.com, which
 * ignores `httpAgent`; that path is not exercised offline. Without a `baseUrl` this factory leaves
 * the SDK's default (HTTP/2) transport on.
 */
export function fcmMessaging({
  projectId,
  baseUrl,
  credential,
  appName,
  maxSockets,
}: FcmMessagingOptions): Messaging {
  const name = appName ?? `fcm-${projectId}-${++fcmApps}`;
  if (!baseUrl) {
    const app: App = initializeApp({ projectId, credential: credential ?? applicationDefault() }, name);
    return getMessaging(app);
  }
  const agent = dialingAgent(
    baseUrl,
    maxSockets !== undefined ? { maxSockets, maxFreeSockets: maxSockets } : {},
  );
  const sandboxCredential: Credential = {
    getAccessToken: () => Promise.resolve({ access_token: 'sandbox-access-token', expires_in: 3600 }),
  };
  const app = initializeApp({ projectId, credential: sandboxCredential, httpAgent: agent }, name);
  const messaging = getMessaging(app);
  messaging.enableLegacyHttpTransport();
  return messaging;
}

/**
 * An https.Agent that opens every connection to `baseUrl` instead of the requested host (a plain
 * socket for an http origin, TLS for https), for SDKs that only speak https to fixed hosts.
 */
function dialingAgent(baseUrl: string, options: https.AgentOptions = {}): https.Agent {
  const target = new URL(baseUrl);
  const secure = target.protocol === 'https:';
  const port = Number(target.port || (secure ? 443 : 80));
  const host = target.hostname;
  const agent = new https.Agent({ keepAlive: true, ...options });
  agent.createConnection = () =>
    secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
  return agent;
}

export interface VonageSmsOptions {
  apiKey: string;
  apiSecret: string;
  /** Sandbox origin; omit for rest.nexmo.com. */
  baseUrl?: string;
  timeoutMs?: number;
}

/** `@vonage/sms` (Vonage's SMS API client); `restHost` is the SDK's own option for the API origin. */
export function vonageSms({ apiKey, apiSecret, baseUrl, timeoutMs }: VonageSmsOptions): SMS {
  return new SMS(new VonageAuth({ apiKey, apiSecret }), {
    ...(baseUrl && { restHost: new URL(baseUrl).origin }),
    ...(timeoutMs !== undefined && { timeout: timeoutMs }),
  });
}

export interface WebPushAgentOptions {
  /** Sandbox origin: every push endpoint is dialled there. */
  baseUrl: string;
  /** Sockets kept per host (default: unlimited). */
  maxSockets?: number;
}

/**
 * The `agent` option for `web-push`'s `sendNotification`: the library only speaks https (to the
 * endpoint in each subscription), so to reach the sandbox's push service over plain http every
 * connection is dialled to `baseUrl`. In production no agent is passed and each subscription's
 * push service (FCM, Mozilla autopush, Apple) is reached over TLS; that path is not exercised offline.
 */
export function webPushAgent({ baseUrl, maxSockets }: WebPushAgentOptions): https.Agent {
  return dialingAgent(baseUrl, maxSockets !== undefined ? { maxSockets } : {});
}
