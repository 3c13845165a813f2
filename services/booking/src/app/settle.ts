import { randomUUID } from 'node:crypto';
import { assertTransition, netPaid, type Booking, type BookingStatus, type Decision, type SlotEffect } from '../domain/booking';
import { bookingsRepository } from '../db/bookings.repository';
import { holdsRepository } from '../db/holds.repository';
import { modificationsRepository } from '../db/modifications.repository';
import type { AppDeps, Effects, Tx } from './deps';
import { moveSlots, takeSlots } from './inventory';
import { metrics } from './metrics';

/** A payment or fraud event names a booking this service does not have: retried, then dead-lettered. */
export class UnknownBookingError extends Error {
  override readonly name = 'UnknownBookingError';
  constructor(readonly bookingId: string) {
    super(`unknown booking ${bookingId}`);
  }
}

export interface SettleContext {
  /** What caused the decision (event type or command), for metrics and logs. */
  cause: string;
  /** Amount taken back by a reversal or lost dispute, for booking.reversed. */
  reversedAmount?: number;
  /** Amount the payment event reported as paid (payment.succeeded), for late extra payments. */
  paidAmount?: number;
}

const changed = (a: Booking, b: Booking): boolean =>
  a.status !== b.status ||
  a.captured !== b.captured ||
  a.refunded !== b.refunded ||
  a.reversed !== b.reversed ||
  a.fraudDecision !== b.fraudDecision ||
  a.pendingModificationId !== b.pendingModificationId ||
  a.moneyReturned !== b.moneyReturned ||
  a.userId !== b.userId ||
  a.matchId !== b.matchId ||
  a.quantity !== b.quantity ||
  a.amount !== b.amount ||
  JSON.stringify(a.disputes) !== JSON.stringify(b.disputes);

/**
 * Carries out the domain's decision about a booking, in `trx`, the booking being locked by the
 * caller: counters, state, events, refunds. `working` is the booking with whatever the event
 * recorded (money, fraud decision, disputes) applied; it is saved when anything changed.
 */
export async function settle(
  deps: AppDeps,
  trx: Tx,
  effects: Effects,
  original: Booking,
  working: Booking,
  decision: Decision,
  ctx: SettleContext,
): Promise<Booking> {
  const log = deps.logger.child({ bookingId: original.id, cause: ctx.cause });
  let next = working;
  switch (decision.kind) {
    case 'noop':
      if (!changed(original, working)) {
        metrics.eventsIgnored.inc({ type: ctx.cause });
        log.info('booking unchanged', { status: original.status, why: decision.why });
      }
      break;
    case 'transition':
      next = await transition(deps, trx, effects, next, decision.to, decision.slots, decision.reason, ctx);
      if (decision.requestRefund) await requestRefund(deps, trx, next, null, decision.reason);
      break;
    case 'late_payment': {
      const taken = await takeSlots(deps, trx, effects, next.matchId, 'confirmed', next.quantity);
      if (taken) {
        metrics.latePayments.inc({ outcome: 'reserved' });
        log.info('late payment: slots taken again, booking confirmed', { from: next.status });
        next = await transition(deps, trx, effects, next, 'CONFIRMED', 'none', 'late_payment_reserved', ctx);
      } else {
        metrics.latePayments.inc({ outcome: 'refunded' });
        log.warn('late payment: no slots left, refunding', { from: next.status });
        await requestRefund(deps, trx, next, null, 'late_payment_no_slots');
        // That money is on its way back: a later request (reconciliation's) must not confirm on it.
        next = { ...next, moneyReturned: true };
      }
      break;
    }
    case 'refund':
      log.warn('money arrived for a booking that cannot take it; refunding', { status: next.status, reason: decision.reason });
      await requestRefund(deps, trx, next, null, decision.reason);
      next = { ...next, moneyReturned: true };
      break;
    case 'modification_paid':
      next = await applyPendingModification(deps, trx, effects, next, ctx.paidAmount ?? 0);
      break;
    case 'modification_failed':
      next = await dropPendingModification(deps, trx, effects, next, 'FAILED', decision.reason);
      break;
  }
  if (decision.kind === 'noop' && ctx.paidAmount !== undefined && next.status === 'CONFIRMED' && ctx.paidAmount > next.amount) {
    // The extra charge of a modification that was dropped meanwhile: payment refunds it on modification.dropped.
    metrics.latePayments.inc({ outcome: 'dropped_modification' });
    log.info('paid more than the booking total: an extra charge of a dropped modification, which payment refunds', { paid: ctx.paidAmount, amount: next.amount });
  }
  if (!changed(original, next)) return next;
  const saved = await bookingsRepository.save(trx, next, deps.clock.now());
  if (!saved) throw new Error(`booking ${next.id} changed under its row lock`);
  effects.add('invalidate booking cache', () => deps.cache.invalidateBookingData(next.id));
  return saved;
}

async function transition(
  deps: AppDeps,
  trx: Tx,
  effects: Effects,
  b: Booking,
  to: BookingStatus,
  slots: SlotEffect,
  reason: string,
  ctx: SettleContext,
): Promise<Booking> {
  assertTransition(b.status, to);
  let current = b;
  if (current.pendingModificationId && to !== 'CONFIRMED' && to !== 'DISPUTED') {
    current = await dropPendingModification(deps, trx, effects, current, 'FAILED', `booking ${to.toLowerCase()}`);
  }
  if (slots === 'held_to_confirmed' || slots === 'release_held' || slots === 'release_confirmed') {
    await moveSlots(deps, trx, effects, current.matchId, slots, current.quantity);
  }
  const next: Booking = { ...current, status: to, statusReason: reason };
  const ref = { bookingId: next.id, matchId: next.matchId, userId: next.userId };
  const subject = next.id;
  switch (to) {
    case 'CONFIRMED':
      if (reason !== 'dispute_won') {
        await deps.bus.publish(trx, 'booking.confirmed.v1', { ...ref, quantity: next.quantity, amount: next.amount, currency: next.currency }, { subject });
        const hold = await holdsRepository.get(trx, next.holdId);
        if (hold) metrics.confirmationDuration.observe(Math.max(0, deps.clock.now().getTime() - hold.createdAt.getTime()) / 1000);
      }
      break;
    case 'EXPIRED':
      await deps.bus.publish(trx, 'booking.expired.v1', { ...ref, quantity: next.quantity, reason }, { subject });
      break;
    case 'CANCELLED':
    case 'PAYMENT_FAILED':
      await deps.bus.publish(
        trx,
        'booking.cancelled.v1',
        { ...ref, quantity: next.quantity, reason, refundAmount: Math.max(0, netPaid(next)), currency: next.currency },
        { subject },
      );
      break;
    case 'REVERSED':
      await deps.bus.publish(
        trx,
        'booking.reversed.v1',
        { ...ref, reason, amount: ctx.reversedAmount ?? (next.reversed || next.amount), currency: next.currency },
        { subject },
      );
      break;
    default:
      break;
  }
  metrics.transitions.inc({ from: b.status, to, reason });
  deps.logger.info('booking state changed', { bookingId: b.id, from: b.status, to, reason, cause: ctx.cause });
  return next;
}

/** Emits refund.requested (amount null: everything captured and not yet refunded). */
export async function requestRefund(deps: AppDeps, trx: Tx, b: Booking, amount: number | null, reason: string): Promise<void> {
  await deps.bus.publish(
    trx,
    'refund.requested.v1',
    { refundRequestId: randomUUID(), bookingId: b.id, amount, currency: b.currency, reason },
    { subject: b.id },
  );
  metrics.refundsRequested.inc({ reason });
}

/** The extra payment of the pending modification landed: move the booking for good. */
async function applyPendingModification(deps: AppDeps, trx: Tx, effects: Effects, b: Booking, paid: number): Promise<Booking> {
  const mod = b.pendingModificationId ? await modificationsRepository.get(trx, b.pendingModificationId) : null;
  if (!mod || mod.status !== 'PENDING_PAYMENT') return { ...b, pendingModificationId: null };
  if (paid < mod.newAmount) {
    metrics.eventsIgnored.inc({ type: 'modification_underpaid' });
    deps.logger.info('extra payment below the modified total; waiting for the rest', { bookingId: b.id, paid, needed: mod.newAmount });
    return b;
  }
  if (mod.reserved > 0) await moveSlots(deps, trx, effects, mod.toMatchId, 'held_to_confirmed', mod.reserved);
  const release = mod.toMatchId === mod.fromMatchId ? Math.max(0, mod.fromQuantity - mod.toQuantity) : mod.fromQuantity;
  if (release > 0) await moveSlots(deps, trx, effects, mod.fromMatchId, 'release_confirmed', release);
  await modificationsRepository.settle(trx, mod.id, 'APPLIED', deps.clock.now());
  metrics.modifications.inc({ kind: mod.kind, status: 'APPLIED' });
  deps.logger.info('modification applied after its extra payment', { bookingId: b.id, modificationId: mod.id });
  return {
    ...b,
    matchId: mod.toMatchId,
    quantity: mod.toQuantity,
    unitPrice: mod.newUnitPrice,
    amount: mod.newAmount,
    pendingModificationId: null,
  };
}

/**
 * The pending modification will not happen: its reserved slots go back, the booking stays as it was,
 * and modification.dropped tells payment to release its extra charge (or refund it if captured).
 */
export async function dropPendingModification(
  deps: AppDeps,
  trx: Tx,
  effects: Effects,
  b: Booking,
  status: 'FAILED' | 'EXPIRED',
  reason: string,
): Promise<Booking> {
  const mod = b.pendingModificationId ? await modificationsRepository.get(trx, b.pendingModificationId) : null;
  if (mod && (await modificationsRepository.settle(trx, mod.id, status, deps.clock.now()))) {
    if (mod.reserved > 0) await moveSlots(deps, trx, effects, mod.toMatchId, 'release_held', mod.reserved);
    await deps.bus.publish(
      trx,
      'modification.dropped.v1',
      { bookingId: b.id, matchId: b.matchId, userId: b.userId, modificationId: mod.id, status, reason, amount: b.amount, currency: b.currency },
      { subject: b.id },
    );
    metrics.modifications.inc({ kind: mod.kind, status });
    deps.logger.info('pending modification dropped', { bookingId: b.id, modificationId: mod.id, status, reason });
  }
  return { ...b, pendingModificationId: null };
}
