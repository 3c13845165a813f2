import type { EventData } from '@matchday/contracts';
import { counter } from '@matchday/observability';
import { changeAmount } from '../domain/booking-payments';
import type { AppDeps, Tx } from './deps';
import { droppedExtraRefundKey, openLedger } from './ledger';

const droppedExtras = counter({
  name: 'payment_modification_extras_dropped_total',
  help: 'Extra charges of modifications booking dropped, by what became of them: released (not captured), refunded (captured anyway)',
  labelNames: ['outcome'],
});

/**
 * modification.dropped: the change that an extra charge was for will not happen (its payment
 * failed, its window closed, or the booking left CONFIRMED). The booking's total goes back to what
 * booking says stands; the extra charge is released if it was not captured, and refunded (reason
 * modification) if it was. One that is captured later, racing its release, is refunded then
 * (ledger). Booking asks for no refund of its own for it.
 */
export function makeDropModification(deps: AppDeps) {
  return async (trx: Tx, data: EventData<'modification.dropped.v1'>): Promise<void> => {
    const ledger = await openLedger(deps, trx, data.bookingId);
    const b = ledger.booking;
    if (!b.droppedModifications.includes(data.modificationId)) b.droppedModifications.push(data.modificationId);
    if (b.pendingModification?.modificationId === data.modificationId) b.pendingModification = null;
    // payment.succeeded may have been sent for the dropped total already: the next change is reported again.
    if (b.known) changeAmount(b, data.amount);
    for (const p of await ledger.payments({ forUpdate: true })) {
      if (p.purpose !== 'modification' || p.modificationId !== data.modificationId) continue;
      if (p.capturedAmount > 0) {
        const refund = await ledger.refundPayment(p, { amount: null, reason: 'modification', requestKey: droppedExtraRefundKey(p) });
        droppedExtras.inc({ outcome: 'refunded' });
        deps.logger.warn('extra charge of a dropped modification was captured; refunding it', {
          bookingId: data.bookingId,
          modificationId: data.modificationId,
          paymentId: p.paymentId,
          refundId: refund?.refundId,
          status: data.status,
        });
      } else {
        await ledger.release(p);
        droppedExtras.inc({ outcome: 'released' });
      }
    }
    await ledger.save();
    deps.logger.info('modification dropped by booking; its extra charge will not be kept', {
      bookingId: data.bookingId,
      modificationId: data.modificationId,
      status: data.status,
      reason: data.reason,
      amount: b.amount,
    });
  };
}
