import type twilio from 'twilio';
import {
  ProviderRateLimited,
  ProviderUnavailable,
  type MessageResult,
  type ProviderPort,
  type SmsMessage,
} from '../app/ports';

interface TwilioError {
  status?: number;
  code?: number | string;
  message?: string;
}

/**
 * SMS through Twilio's SDK, with a status callback to webhook-ingest (which republishes it as
 * `twilio.message.status.v1`). A 400 is an address Twilio refuses (not a mobile number, opted out,
 * unreachable region); 429 (code 20429) a sender over its throughput; 5xx, auth and network errors
 * Twilio being unavailable.
 */
export function twilioSms(deps: {
  client: twilio.Twilio;
  from: string;
  statusCallback?: string;
}): ProviderPort<SmsMessage> {
  return {
    name: 'twilio',
    channel: 'sms',
    maxPerCall: 1,
    sameContentPerCall: false,
    cost: (call) => call.length,
    async send(call) {
      return Promise.all(
        call.map(async (m): Promise<MessageResult> => {
          try {
            const message = await deps.client.messages.create({
              to: m.to,
              from: deps.from,
              body: m.text,
              ...(deps.statusCallback && { statusCallback: deps.statusCallback }),
            });
            return { id: m.id, ok: true, externalId: message.sid };
          } catch (e) {
            const err = e as TwilioError;
            if (err.status === 429)
              throw new ProviderRateLimited(`twilio 429 (${err.code}): ${err.message}`, 1000);
            if (err.status === 400)
              return {
                id: m.id,
                ok: false,
                failure: 'rejected',
                reason: `twilio ${err.code}: ${err.message}`,
              };
            throw new ProviderUnavailable(
              `twilio ${err.status ?? ''} ${err.code ?? ''}: ${err.message ?? String(e)}`,
            );
          }
        }),
      );
    },
  };
}
