import { ErrorCode, fail } from '../domain/errors';
import type { TransferResult } from '../domain/modification';
import { assertAcceptable, transferResult } from '../domain/transfer';
import { bookingsRepository } from '../db/bookings.repository';
import { transfersRepository } from '../db/transfers.repository';
import { inTransaction, type AppDeps } from './deps';
import { metrics } from './metrics';
import type { Actor } from './read-bookings.use-case';

/**
 * The recipient accepts: the booking's owner changes in the same transaction (transfer.accepted);
 * from then on the former owner cannot see or change it. Accepting twice answers the accepted transfer.
 */
export function makeAcceptTransfer(deps: AppDeps) {
  return async (actor: Actor, transferId: string): Promise<TransferResult> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const t = await transfersRepository.get(trx, transferId, { forUpdate: true });
      if (!t || (t.toUserId !== actor.userId && t.fromUserId !== actor.userId)) {
        return fail(ErrorCode.TRANSFER_NOT_FOUND, 'no such transfer', { transferId });
      }
      if (t.status === 'ACCEPTED' && t.toUserId === actor.userId) return transferResult(t);
      assertAcceptable(t, actor.userId, now);
      const b = await bookingsRepository.get(trx, t.bookingId, { forUpdate: true });
      if (!b || b.userId !== t.fromUserId || b.status !== 'CONFIRMED' || b.pendingModificationId) {
        return fail(ErrorCode.TRANSFER_NOT_PENDING, 'the booking can no longer be transferred', { transferId, status: b?.status });
      }
      const saved = await bookingsRepository.save(trx, { ...b, userId: t.toUserId }, now);
      if (!saved) return fail(ErrorCode.CONCURRENT_MODIFICATION, 'the booking changed meanwhile; retry');
      await transfersRepository.setStatus(trx, t.id, 'ACCEPTED', now);
      await deps.bus.publish(
        trx,
        'transfer.accepted.v1',
        { transferId: t.id, bookingId: b.id, fromUserId: t.fromUserId, toUserId: t.toUserId },
        { subject: b.id },
      );
      effects.add('invalidate booking cache', () => deps.cache.invalidateBookingData(b.id));
      metrics.transfers.inc({ status: 'ACCEPTED' });
      deps.logger.info('transfer accepted', { bookingId: b.id, transferId: t.id });
      return { ...transferResult(t), status: 'ACCEPTED' };
    });
}

/** Either party reads a transfer. */
export function makeGetTransfer(deps: Pick<AppDeps, 'db'>) {
  return async (actor: Actor, transferId: string): Promise<TransferResult> => {
    const t = await transfersRepository.get(deps.db, transferId);
    if (!t || (t.toUserId !== actor.userId && t.fromUserId !== actor.userId)) {
      return fail(ErrorCode.TRANSFER_NOT_FOUND, 'no such transfer', { transferId });
    }
    return transferResult(t);
  };
}
