import { SMSFailure, type SMS } from '@vonage/sms';
import {
  ProviderRateLimited,
  ProviderUnavailable,
  type MessageResult,
  type ProviderPort,
  type SmsMessage,
} from '../app/ports';

/** Statuses that say something about Vonage or our account rather than about the number. */
const UNAVAILABLE = new Set(['4', '5', '8', '9', '10', '11', '14', '32']);

/**
 * SMS through Vonage's SMS API (`@vonage/sms`): the second SMS provider. Every answer is HTTP 200
 * with a status per message: "1" is throttling, statuses about our account or Vonage itself make
 * it unavailable, the rest (invalid or barred number, …) refuse the address. The delivery id
 * travels as `client-ref`. No delivery receipts come back to the platform.
 */
export function vonageSmsProvider(deps: { sms: SMS; from: string }): ProviderPort<SmsMessage> {
  return {
    name: 'vonage',
    channel: 'sms',
    maxPerCall: 1,
    sameContentPerCall: false,
    cost: (call) => call.length,
    async send(call) {
      return Promise.all(
        call.map(async (m): Promise<MessageResult> => {
          try {
            const res = await deps.sms.send({
              to: m.to.replace(/^\+/, ''),
              from: deps.from,
              text: m.text,
              clientRef: m.id,
            });
            return { id: m.id, ok: true, externalId: res.messages[0]?.messageId ?? null };
          } catch (e) {
            if (e instanceof SMSFailure) {
              const failed = e.getFailedMessages()[0];
              const status = String(failed?.status ?? '');
              const text =
                (failed as { errorText?: string; 'error-text'?: string } | undefined)?.errorText ?? '';
              if (status === '1') throw new ProviderRateLimited(`vonage throttled: ${text}`, 1000);
              if (UNAVAILABLE.has(status)) throw new ProviderUnavailable(`vonage status ${status}: ${text}`);
              return { id: m.id, ok: false, failure: 'rejected', reason: `vonage status ${status}: ${text}` };
            }
            const err = e as { message?: string; response?: { status?: number } };
            throw new ProviderUnavailable(
              `vonage ${err.response?.status ?? ''}: ${err.message ?? String(e)}`,
            );
          }
        }),
      );
    },
  };
}
