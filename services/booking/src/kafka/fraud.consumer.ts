import type { EventType } from '@matchday/contracts';
import type { Logger } from '@matchday/observability';
import { Effects } from '../app/deps';
import type { UseCases } from '../app/use-cases';
import type { TypedHandler } from './payment.consumer';

/** fraud.decisions → recorded on the booking; a block cancels an unpaid booking. */
export function fraudConsumer(uc: UseCases, logger: Logger): Partial<Record<EventType, TypedHandler>> {
  const handle: TypedHandler = async (event, { trx }) => {
    const effects = new Effects();
    await uc.applyFraudDecision(trx, effects, event);
    await effects.flush(logger);
  };
  return { 'fraud.assessed.v1': handle, 'review.resolved.v1': handle };
}
