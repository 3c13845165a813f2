import type { Transporter } from 'nodemailer';
import { ProviderRateLimited, ProviderUnavailable, type EmailMessage, type ProviderPort } from '../app/ports';

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * Email through an SMTP relay with nodemailer (a pooled transport): the second email provider.
 * One message per recipient; a recipient refused with a 5xx is a rejected address, `451 4.7.x` a
 * rate limit, anything else (4xx, connection and auth errors) the relay being unavailable.
 */
export function smtpEmail(deps: { transport: Transporter; from: string }): ProviderPort<EmailMessage> {
  return {
    name: 'smtp',
    channel: 'email',
    maxPerCall: 1,
    sameContentPerCall: false,
    cost: (call) => call.length,
    async send(call) {
      return Promise.all(
        call.map(async (m) => {
          try {
            const info = (await deps.transport.sendMail({
              from: deps.from,
              to: m.to,
              subject: m.subject,
              text: m.text,
              html: m.html,
              headers: { 'X-Notification-Id': m.notificationId, 'X-Delivery-Id': m.id },
            })) as { messageId?: string };
            return { id: m.id, ok: true as const, externalId: info.messageId ?? null };
          } catch (e) {
            const err = e as SmtpError;
            const code = err.responseCode;
            if (code !== undefined && code >= 500 && (err.code === 'EENVELOPE' || err.code === 'EMESSAGE')) {
              return {
                id: m.id,
                ok: false as const,
                failure: 'rejected' as const,
                reason: `smtp ${code}: ${err.response ?? err.message}`,
              };
            }
            if (code === 451 && /4\.7\./.test(err.response ?? ''))
              throw new ProviderRateLimited(`smtp ${err.response}`, 1000);
            throw new ProviderUnavailable(
              `smtp ${code ?? err.code ?? ''}: ${err.response ?? err.message ?? String(e)}`,
            );
          }
        }),
      );
    },
    close: async () => deps.transport.close(),
  };
}
