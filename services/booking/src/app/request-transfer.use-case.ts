import { randomUUID } from 'node:crypto';
import { assertModifiable } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import type { TransferResult } from '../domain/modification';
import { assertTransferable, transferResult, type Transfer } from '../domain/transfer';
import { bookingsRepository } from '../db/bookings.repository';
import { matchesRepository } from '../db/matches.repository';
import { transfersRepository } from '../db/transfers.repository';
import { inTransaction, type AppDeps } from './deps';
import { metrics } from './metrics';
import type { Actor } from './read-bookings.use-case';

/**
 * The owner offers a confirmed booking to another user (transfer.requested); nothing changes hands
 * until they accept. Asking again for the same recipient answers the pending request.
 */
export function makeRequestTransfer(deps: AppDeps) {
  return async (actor: Actor, bookingId: string, toUserId: string): Promise<TransferResult> =>
    inTransaction(deps, async (trx) => {
      const now = deps.clock.now();
      const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
      if (!b) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
      const match = await matchesRepository.get(trx, b.matchId);
      if (!match) throw new Error(`booking ${b.id} points at missing match ${b.matchId}`);
      assertModifiable(b, actor.userId, match.kickoffAt, now);
      assertTransferable(b, toUserId);
      const pending = await transfersRepository.pendingFor(trx, b.id);
      if (pending && pending.expiresAt.getTime() > now.getTime()) {
        if (pending.toUserId === toUserId) return transferResult(pending);
        return fail(ErrorCode.MODIFICATION_PENDING, 'a transfer to someone else is waiting for acceptance', { transferId: pending.id });
      }
      if (pending) await transfersRepository.setStatus(trx, pending.id, 'EXPIRED', now);
      const transfer: Transfer = {
        id: randomUUID(),
        bookingId: b.id,
        fromUserId: b.userId,
        toUserId,
        status: 'PENDING',
        expiresAt: new Date(Math.min(now.getTime() + deps.config.TRANSFER_TTL_SECONDS * 1000, match.kickoffAt.getTime())),
        createdAt: now,
        acceptedAt: null,
      };
      await transfersRepository.insert(trx, transfer);
      await deps.bus.publish(
        trx,
        'transfer.requested.v1',
        { transferId: transfer.id, bookingId: b.id, fromUserId: b.userId, toUserId, expiresAt: transfer.expiresAt.toISOString() },
        { subject: b.id },
      );
      metrics.transfers.inc({ status: 'PENDING' });
      deps.logger.info('transfer requested', { bookingId: b.id, transferId: transfer.id });
      return transferResult(transfer);
    });
}
