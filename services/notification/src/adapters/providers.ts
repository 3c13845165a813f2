import {
  fcmMessaging,
  sendgridMail,
  twilioClient,
  vonageSms,
  webPushAgent,
} from '@matchday/provider-sandbox';
import type { Logger } from '@matchday/observability';
import { createBreaker, type Breaker } from '@matchday/resilience';
import { deleteApp } from 'firebase-admin/app';
import nodemailer from 'nodemailer';
import { ProviderRateLimited, ProviderRefused, type MessageResult, type ProviderPort } from '../app/ports';
import type { ProviderLink, ProviderLinks } from '../app/dispatch-notifications.use-case';
import type { NotificationConfig } from '../config';
import type { ProviderName } from '../domain';
import { fcmPush } from './fcm.adapter';
import { sendgridEmail } from './sendgrid.adapter';
import { smtpEmail } from './smtp.adapter';
import { twilioSms } from './twilio.adapter';
import { vonageSmsProvider } from './vonage.adapter';
import { webPush } from './webpush.adapter';

export interface Providers {
  links: ProviderLinks;
  configured: ProviderName[];
  close(): Promise<void>;
}

/** nodemailer options from `smtp://user:password@host:port` (`smtps://` for TLS from the start). */
function smtpOptions(url: string, config: NotificationConfig) {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    ...(u.username && {
      auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    }),
    pool: true,
    maxConnections: config.SEND_CONCURRENCY,
    connectionTimeout: config.PROVIDER_TIMEOUT_MS,
    greetingTimeout: config.PROVIDER_TIMEOUT_MS,
    socketTimeout: config.PROVIDER_TIMEOUT_MS,
  };
}

/**
 * The providers this deployment has credentials for, each behind its official SDK and inside its
 * own circuit breaker (`notification.<provider>`). A 429 or a refused request is not a sign of an
 * unhealthy provider and does not count towards opening the breaker; failures and timeouts do.
 * Providers without credentials are left out of their channel's chain (logged at start).
 */
export function createProviders(config: Readonly<NotificationConfig>, logger: Logger): Providers {
  const closers: Array<() => Promise<void>> = [];
  const breakers: Array<Breaker<never[], unknown>> = [];
  const links: ProviderLinks = { email: [], sms: [], push: [] };
  const from = config.SENDGRID_FROM;

  function link<M extends { id: string }>(port: ProviderPort<M>): ProviderLink<M> {
    const breaker = createBreaker(`notification.${port.name}`, (call: M[]) => port.send(call), {
      // One FCM call is up to 500 requests.
      timeoutMs: port.name === 'fcm' ? config.PROVIDER_TIMEOUT_MS * 4 : config.PROVIDER_TIMEOUT_MS,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      errorThresholdPercentage: config.BREAKER_ERROR_PERCENT,
      resetTimeoutMs: config.BREAKER_RESET_MS,
      isFailure: (e) => !(e instanceof ProviderRateLimited || e instanceof ProviderRefused),
      logger,
    });
    breakers.push(breaker as unknown as Breaker<never[], unknown>);
    if (port.close) closers.push(port.close);
    return {
      port,
      fire: (call: M[]) => breaker.fire(call) as Promise<MessageResult[]>,
      available: () => breaker.state() !== 'open',
    };
  }

  if (config.SENDGRID_API_KEY) {
    const mail = sendgridMail({
      apiKey: config.SENDGRID_API_KEY,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
      ...(config.SENDGRID_API_BASE && { baseUrl: config.SENDGRID_API_BASE }),
    });
    links.email.push(link(sendgridEmail({ mail, from })));
  }
  if (config.SMTP_URL) {
    const transport = nodemailer.createTransport(smtpOptions(config.SMTP_URL, config));
    links.email.push(link(smtpEmail({ transport, from: config.SMTP_FROM ?? from })));
  }
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN) {
    const client = twilioClient({
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
      ...(config.TWILIO_API_BASE && { baseUrl: config.TWILIO_API_BASE }),
    });
    const statusCallback = config.WEBHOOK_PUBLIC_URL
      ? `${config.WEBHOOK_PUBLIC_URL.replace(/\/$/, '')}/webhooks/twilio`
      : undefined;
    links.sms.push(
      link(twilioSms({ client, from: config.TWILIO_FROM, ...(statusCallback && { statusCallback }) })),
    );
  }
  if (config.VONAGE_API_KEY && config.VONAGE_API_SECRET) {
    const sms = vonageSms({
      apiKey: config.VONAGE_API_KEY,
      apiSecret: config.VONAGE_API_SECRET,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
      ...(config.VONAGE_API_BASE && { baseUrl: config.VONAGE_API_BASE }),
    });
    links.sms.push(link(vonageSmsProvider({ sms, from: config.VONAGE_FROM })));
  }
  if (config.FCM_PROJECT_ID) {
    const messaging = fcmMessaging({
      projectId: config.FCM_PROJECT_ID,
      ...(config.FCM_API_BASE && {
        baseUrl: config.FCM_API_BASE,
        maxSockets: config.FCM_SANDBOX_CONNECTIONS,
      }),
    });
    closers.push(() => deleteApp(messaging.app));
    links.push.push(link(fcmPush({ messaging })));
  }
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY) {
    const agent = config.WEBPUSH_API_BASE
      ? webPushAgent({ baseUrl: config.WEBPUSH_API_BASE, maxSockets: config.SEND_CONCURRENCY * 2 })
      : undefined;
    if (agent) closers.push(async () => agent.destroy());
    links.push.push(
      link(
        webPush({
          vapid: {
            subject: config.VAPID_SUBJECT,
            publicKey: config.VAPID_PUBLIC_KEY,
            privateKey: config.VAPID_PRIVATE_KEY,
          },
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
          ...(agent && { agent }),
        }),
      ),
    );
  }

  const configured = [...links.email, ...links.sms, ...links.push].map((l) => l.port.name);
  const missing = (['sendgrid', 'smtp', 'twilio', 'vonage', 'fcm', 'webpush'] as const).filter(
    (p) => !configured.includes(p),
  );
  if (missing.length > 0)
    logger.warn('providers without credentials are left out of their channel', { missing });

  return {
    links,
    configured,
    async close() {
      for (const b of breakers) b.shutdown();
      for (const close of closers) {
        try {
          await close();
        } catch (err) {
          logger.warn('provider client did not close cleanly', { err });
        }
      }
    },
  };
}
