import type { MailService } from '@sendgrid/mail';
import {
  ProviderRateLimited,
  ProviderRefused,
  ProviderUnavailable,
  type EmailMessage,
  type MessageResult,
  type ProviderPort,
} from '../app/ports';

interface SendgridError {
  code?: number;
  message?: string;
  response?: { headers?: Record<string, string>; body?: unknown };
}

/** Seconds until X-RateLimit-Reset (epoch seconds), as milliseconds; 1 s when absent. */
function resetIn(headers: Record<string, string> | undefined, now = Date.now()): number {
  const reset = Number(headers?.['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : 1000;
}

/**
 * SendGrid Mail Send through `@sendgrid/mail`: one request per group of identical emails, each
 * recipient a personalization (up to 1000) carrying our notification and delivery ids as custom
 * args, which come back in every Event Webhook event. Costs one request from the bucket.
 */
export function sendgridEmail(deps: { mail: MailService; from: string }): ProviderPort<EmailMessage> {
  return {
    name: 'sendgrid',
    channel: 'email',
    maxPerCall: 1000,
    sameContentPerCall: true,
    cost: () => 1,
    async send(call) {
      const first = call[0];
      if (!first) return [];
      try {
        const [response] = await deps.mail.send({
          from: deps.from,
          subject: first.subject,
          text: first.text,
          html: first.html,
          personalizations: call.map((m) => ({
            to: [{ email: m.to }],
            customArgs: { notification_id: m.notificationId, delivery_id: m.id },
          })),
        });
        const messageId = (response.headers as Record<string, string | undefined>)['x-message-id'] ?? null;
        return call.map((m): MessageResult => ({ id: m.id, ok: true, externalId: messageId }));
      } catch (e) {
        const err = e as SendgridError;
        const status = err.code;
        if (status === 429)
          throw new ProviderRateLimited('sendgrid answered 429', resetIn(err.response?.headers));
        if (typeof status === 'number' && status >= 400 && status < 500) {
          throw new ProviderRefused(
            `sendgrid refused the request (${status}): ${JSON.stringify(err.response?.body ?? err.message)}`,
          );
        }
        throw new ProviderUnavailable(`sendgrid: ${status ?? ''} ${err.message ?? String(e)}`.trim());
      }
    },
  };
}
