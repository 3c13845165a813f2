import type { EventType, MatchdayEvent } from '@matchday/contracts';
import type { HandlerContext } from '@matchday/bus';
import { PAYMENT_EVENT_TYPES } from '../app/apply-payment-event.use-case';
import { Effects } from '../app/deps';
import type { UseCases } from '../app/use-cases';
import type { Logger } from '@matchday/observability';

export type TypedHandler = (event: MatchdayEvent, ctx: HandlerContext) => Promise<void>;

/** payment.events → the booking's state machine and money bookkeeping. */
export function paymentConsumer(uc: UseCases, logger: Logger): Partial<Record<EventType, TypedHandler>> {
  const handle: TypedHandler = async (event, { trx }) => {
    const effects = new Effects();
    await uc.applyPaymentEvent(trx, effects, event);
    await effects.flush(logger);
  };
  return Object.fromEntries(PAYMENT_EVENT_TYPES.map((t) => [t, handle]));
}
