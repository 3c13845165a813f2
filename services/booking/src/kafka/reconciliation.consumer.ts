import type { EventType } from '@matchday/contracts';
import type { Logger } from '@matchday/observability';
import { Effects } from '../app/deps';
import type { UseCases } from '../app/use-cases';
import type { TypedHandler } from './payment.consumer';

/** reconciliation.events → re-confirm a booking the provider was paid for (or refund it). */
export function reconciliationConsumer(uc: UseCases, logger: Logger): Partial<Record<EventType, TypedHandler>> {
  return {
    'reconciliation.reconfirm.requested.v1': async (event, { trx }) => {
      const effects = new Effects();
      await uc.reconfirmBooking(trx, effects, event);
      await effects.flush(logger);
    },
  };
}
