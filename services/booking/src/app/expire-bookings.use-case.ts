import { onPaymentWindowClosed } from '../domain/booking';
import { bookingsRepository } from '../db/bookings.repository';
import { modificationsRepository } from '../db/modifications.repository';
import { transfersRepository } from '../db/transfers.repository';
import { inTransaction, type AppDeps } from './deps';
import { metrics } from './metrics';
import { dropPendingModification, settle } from './settle';

/**
 * Sweeper tasks for time that ran out on bookings: payment windows (booking EXPIRED, slots back,
 * booking.expired: payment then cancels and refunds what it took), extra-payment windows of
 * modifications (reserved slots back), and transfer requests nobody accepted.
 */
export function makeExpireBookings(deps: AppDeps) {
  return {
    async paymentWindows(limit = 100): Promise<number> {
      return inTransaction(deps, async (trx, effects) => {
        const now = deps.clock.now();
        const due = await bookingsRepository.lockOverdue(trx, now, limit);
        for (const b of due) await settle(deps, trx, effects, b, b, onPaymentWindowClosed(b, now), { cause: 'payment_window' });
        return due.length;
      });
    },

    async modificationWindows(limit = 100): Promise<number> {
      const ids = await modificationsRepository.overdueBookingIds(deps.db, deps.clock.now(), limit);
      for (const bookingId of ids) {
        await inTransaction(deps, async (trx, effects) => {
          const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
          if (!b?.pendingModificationId) return;
          const mod = await modificationsRepository.get(trx, b.pendingModificationId);
          if (!mod?.paymentDeadline || mod.paymentDeadline.getTime() > deps.clock.now().getTime()) return;
          const next = await dropPendingModification(deps, trx, effects, b, 'EXPIRED', 'payment_window_closed');
          await settle(deps, trx, effects, b, next, { kind: 'noop', why: 'modification expired' }, { cause: 'modification_window' });
        });
      }
      return ids.length;
    },

    async transfers(): Promise<number> {
      const n = await transfersRepository.expireOverdue(deps.db, deps.clock.now());
      if (n > 0) metrics.transfers.inc({ status: 'EXPIRED' }, n);
      return n;
    },
  };
}
