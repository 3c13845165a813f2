import { randomUUID } from 'node:crypto';
import { assertModifiable, type Booking } from '../domain/booking';
import { ErrorCode, fail } from '../domain/errors';
import { checkQuantity } from '../domain/hold';
import type { Match } from '../domain/match';
import {
  planModification,
  resolveTargetMatch,
  resultOf,
  type BookingModification,
  type Modification,
  type ModificationKind,
  type ModificationResult,
  type TransferResult,
} from '../domain/modification';
import { bookingsRepository } from '../db/bookings.repository';
import { matchesRepository } from '../db/matches.repository';
import { modificationsRepository } from '../db/modifications.repository';
import { transfersRepository } from '../db/transfers.repository';
import { inTransaction, type AppDeps } from './deps';
import { moveSlots, takeSlots } from './inventory';
import { metrics } from './metrics';
import type { Actor } from './read-bookings.use-case';
import { makeRequestTransfer } from './request-transfer.use-case';

type Target = (booking: Booking, current: Match) => Promise<{ target: Match; toQuantity: number; kind: ModificationKind }>;

/**
 * The seed's BookingModification for one fan. Each change is one transaction against inventory
 * and money:
 * - the new slots are taken first (conditional update: refused with SOLD_OUT, nothing changes);
 * - without money owed (price delta ≤ 0) the booking moves at once and gives its old slots back
 *   (waiting list first); booking.modified with a negative delta makes payment refund it;
 * - with money owed the booking keeps its slots, the new ones stay reserved, and booking.modified
 *   asks payment for the delta; the change applies when a payment.succeeded naming it covers the
 *   new total, and is dropped (reserved slots returned) on a payment.failed naming it or when the
 *   window closes.
 */
export function makeBookingModification(deps: AppDeps) {
  const requestTransfer = makeRequestTransfer(deps);

  const modify = (actor: Actor, bookingId: string, resolve: Target): Promise<ModificationResult> =>
    inTransaction(deps, async (trx, effects) => {
      const now = deps.clock.now();
      const b = await bookingsRepository.get(trx, bookingId, { forUpdate: true });
      if (!b) return fail(ErrorCode.BOOKING_NOT_FOUND, 'no such booking', { bookingId });
      const current = await matchesRepository.get(trx, b.matchId);
      if (!current) throw new Error(`booking ${b.id} points at missing match ${b.matchId}`);
      assertModifiable(b, actor.userId, current.kickoffAt, now);
      if (await transfersRepository.pendingFor(trx, b.id)) {
        fail(ErrorCode.BOOKING_NOT_MODIFIABLE, 'a transfer of this booking is waiting for acceptance');
      }
      const { target, toQuantity, kind } = await resolve(b, current);
      const plan = planModification(b, target, toQuantity, kind);

      if (plan.reserve > 0 && !(await takeSlots(deps, trx, effects, plan.toMatchId, 'held', plan.reserve))) {
        const after = await matchesRepository.get(trx, plan.toMatchId);
        if (after && after.status === 'SCHEDULED' && after.kickoffAt.getTime() > now.getTime()) {
          metrics.modifications.inc({ kind, status: 'SOLD_OUT' });
          return fail(ErrorCode.SOLD_OUT, `only ${after.available} slots left there`, { available: after.available });
        }
        return fail(ErrorCode.MATCH_NOT_ON_SALE, 'the target match is not on sale', { matchId: plan.toMatchId });
      }

      const mod: Modification = {
        id: randomUUID(),
        bookingId: b.id,
        kind,
        status: plan.needsPayment ? 'PENDING_PAYMENT' : 'APPLIED',
        fromMatchId: plan.fromMatchId,
        toMatchId: plan.toMatchId,
        fromQuantity: plan.fromQuantity,
        toQuantity: plan.toQuantity,
        reserved: plan.reserve,
        priceDelta: plan.priceDelta,
        newUnitPrice: plan.newUnitPrice,
        newAmount: plan.newAmount,
        currency: b.currency,
        paymentDeadline: plan.needsPayment ? new Date(now.getTime() + deps.config.PAYMENT_WINDOW_SECONDS * 1000) : null,
        createdAt: now,
        updatedAt: now,
      };

      let next: Booking;
      if (plan.needsPayment) {
        next = { ...b, pendingModificationId: mod.id };
      } else {
        if (plan.reserve > 0) await moveSlots(deps, trx, effects, plan.toMatchId, 'held_to_confirmed', plan.reserve);
        if (plan.release > 0) await moveSlots(deps, trx, effects, plan.fromMatchId, 'release_confirmed', plan.release);
        next = { ...b, matchId: plan.toMatchId, quantity: plan.toQuantity, unitPrice: plan.newUnitPrice, amount: plan.newAmount };
      }
      const saved = await bookingsRepository.save(trx, next, now);
      if (!saved) return fail(ErrorCode.CONCURRENT_MODIFICATION, 'the booking changed meanwhile; read it again and retry');
      await modificationsRepository.insert(trx, mod);
      await deps.bus.publish(
        trx,
        'booking.modified.v1',
        {
          bookingId: b.id,
          matchId: saved.matchId,
          userId: b.userId,
          modificationId: mod.id,
          kind,
          fromMatchId: plan.fromMatchId,
          toMatchId: plan.toMatchId,
          fromQuantity: plan.fromQuantity,
          toQuantity: plan.toQuantity,
          priceDelta: plan.priceDelta,
          amount: plan.newAmount,
          currency: b.currency,
          ...(mod.paymentDeadline ? { paymentDeadline: mod.paymentDeadline.toISOString() } : {}),
        },
        { subject: b.id },
      );
      effects.add('invalidate booking cache', () => deps.cache.invalidateBookingData(b.id));
      metrics.modifications.inc({ kind, status: mod.status });
      deps.logger.info('booking modification', {
        bookingId: b.id,
        modificationId: mod.id,
        kind,
        status: mod.status,
        priceDelta: plan.priceDelta,
        toMatchId: plan.toMatchId,
        toQuantity: plan.toQuantity,
      });
      return resultOf(mod, b.id);
    });

  const moveTo =
    (mode: 'time' | 'date', when: Date): Target =>
    async (b, current) => {
      const candidates = await matchesRepository.related(deps.db, current, deps.clock.now());
      return { target: resolveTargetMatch(current, candidates, mode, when), toQuantity: b.quantity, kind: 'reschedule' };
    };

  return (actor: Actor): BookingModification => ({
    changeBookingTime: (bookingId, newTime) => modify(actor, bookingId, moveTo('time', newTime)),
    changeBookingDate: (bookingId, newDate) => modify(actor, bookingId, moveTo('date', newDate)),
    modifySlotCount: (bookingId, newCount) => {
      checkQuantity(newCount, deps.config.MAX_SLOTS_PER_HOLD);
      return modify(actor, bookingId, async (b, current) => ({ target: current, toQuantity: newCount, kind: 'quantity' }));
    },
    transferBooking: (bookingId, newUserId): Promise<TransferResult> => requestTransfer(actor, bookingId, newUserId),
  });
}

/** Moves a booking to a given match (the API's `matchId` form of a reschedule), same fixture or venue only. */
export function makeMoveToMatch(deps: AppDeps) {
  const modification = makeBookingModification(deps);
  return async (actor: Actor, bookingId: string, matchId: string): Promise<ModificationResult> => {
    const target = await matchesRepository.get(deps.db, matchId);
    if (!target) return fail(ErrorCode.MATCH_NOT_FOUND, 'no such match', { matchId });
    return modification(actor).changeBookingTime(bookingId, target.kickoffAt);
  };
}
