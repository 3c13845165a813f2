import { randomUUID } from 'node:crypto';
import type { EventData, EventType } from '@matchday/contracts';
import type { DisputeSnapshot, RefundSnapshot } from '../adapters/stripe-objects';
import { jobsRepository } from '../db/jobs.repository';
import { paymentsRepository, type Refund } from '../db/payments.repository';
import { bookingPaymentsRepository } from '../db/booking-payments.repository';
import {
  afterCapture,
  droppedHeldOf,
  heldTowardTotal,
  isDroppedExtra,
  lateRefundReason,
  mayCapturePayment,
  type BookingPayments,
  type CloseReason,
  type RefundReason,
} from '../domain/booking-payments';
import { allocate, toBookingCurrency, toPaymentCurrency } from '../domain/money';
import { isReleasable, keptOf, reduceIntent, type IntentObservation, type Payment } from '../domain/payment';
import { disputeEffects, disputeKindOf, disputeStatusOf, mergeDisputeStatus, type Dispute, type ReversalHandler } from '../domain/reversal';
import type { AppDeps, Tx } from './deps';
import { attempts, disputes, doubts, processing, refundFailures, refunds } from './metrics';

/**
 * The money ledger of one booking, inside one transaction: every provider fact and every decision
 * goes through here, so each transition changes the records and publishes its event exactly once.
 * Callers lock the booking row first, then its payments (always in that order).
 */
export interface Ledger {
  readonly booking: BookingPayments;
  emit<T extends EventType>(type: T, data: EventData<T>): Promise<void>;
  applyIntentFacts(payment: Payment, o: IntentObservation): Promise<void>;
  applyRefundFact(payment: Payment, r: RefundSnapshot): Promise<void>;
  applyDisputeFact(payment: Payment, d: DisputeSnapshot): Promise<void>;
  /** Spreads a refund (booking currency; null = everything kept) over the captured payments. */
  requestRefund(input: { bookingAmount: number | null; reason: RefundReason; requestKey: string; only?: Payment[] }): Promise<Refund[]>;
  /** Refunds part of one payment, in its currency (null = everything kept). */
  refundPayment(payment: Payment, input: { amount: number | null; reason: RefundReason; requestKey: string }): Promise<Refund | undefined>;
  /** Closes the booking (payment.closed, once): releases what is not captured and, when asked, refunds what is. */
  close(reason: CloseReason, refund: RefundReason | null): Promise<void>;
  /** Releases a payment that must not be captured: its intent is cancelled, or, before it has one, it is marked canceled. */
  release(payment: Payment): Promise<void>;
  /**
   * Reports the booking's payment as failed (once), or one payment of it (`paymentId`); for a
   * modification's extra charge, `modificationId` names that modification, so booking drops it and
   * no other.
   */
  reportFailure(reason: string, extra?: { paymentId?: string; code?: string; modificationId?: string }): Promise<void>;
  savePayment(p: Payment): Promise<void>;
  save(): Promise<void>;
  payments(opts?: { forUpdate?: boolean }): Promise<Payment[]>;
  reversal(payment: Payment): ReversalHandler;
}

export async function openLedger(deps: AppDeps, trx: Tx, bookingId: string): Promise<Ledger> {
  const booking = (await bookingPaymentsRepository.get(trx, bookingId, { forUpdate: true, create: true }))!;
  const now = () => deps.clock();

  const emit = async <T extends EventType>(type: T, data: EventData<T>) => {
    await deps.bus.publish(trx, type, data, { subject: bookingId });
  };

  /** Payments that still hold money, with what is already on its way back. */
  async function refundable(p: Payment): Promise<{ amountLeft: number; bookingAmountLeft: number }> {
    const kept = keptOf(p);
    const pending = (await paymentsRepository.refundsOf(trx, { paymentId: p.paymentId })).filter((r) => r.status === 'pending');
    return {
      amountLeft: Math.max(0, kept.amountLeft - pending.reduce((n, r) => n + r.amount, 0)),
      bookingAmountLeft: Math.max(0, kept.bookingAmountLeft - pending.reduce((n, r) => n + r.bookingAmount, 0)),
    };
  }

  async function addRefund(p: Payment, amount: number, bookingAmount: number, reason: RefundReason, requestKey: string): Promise<Refund | undefined> {
    if (amount <= 0 || !p.intentId) return undefined;
    const { refund, created } = await paymentsRepository.insertRefund(trx, {
      refundId: randomUUID(),
      requestKey,
      paymentId: p.paymentId,
      intentId: p.intentId,
      bookingId: p.bookingId,
      amount,
      bookingAmount,
      currency: p.currency,
      reason,
      status: 'pending',
      providerRefundId: null,
      failure: null,
    });
    if (created) {
      await jobsRepository.add(trx, { kind: 'refund', paymentId: p.paymentId, refundId: refund.refundId, dedupeKey: `refund:${refund.refundId}` });
      deps.logger.info('refund requested', { bookingId, paymentId: p.paymentId, refundId: refund.refundId, amount, currency: p.currency, reason });
    }
    return refund;
  }

  const ledger: Ledger = {
    booking,
    emit,

    payments: (opts = {}) => paymentsRepository.ofBooking(trx, bookingId, opts),
    savePayment: (p) => paymentsRepository.save(trx, p),
    save: () => bookingPaymentsRepository.save(trx, booking),

    async applyIntentFacts(p, o) {
      const r = reduceIntent(p, o);
      const before = p.status;
      p.status = r.status;
      p.capturedAmount = r.capturedAmount;
      p.failureCode = r.failureCode;
      p.failureMessage = r.failureMessage;
      for (const t of r.transitions) {
        if (t === 'authorized' && p.intentId) {
          await emit('payment.authorized.v1', { bookingId, paymentId: p.paymentId, payerId: p.payerId, intentId: p.intentId, amount: p.amount, currency: p.currency });
          if (booking.phase === 'closed' || booking.fraud === 'block' || isDroppedExtra(booking, p)) {
            await jobsRepository.add(trx, { kind: 'cancel', paymentId: p.paymentId, dedupeKey: `cancel:${p.paymentId}` });
          } else if (mayCapturePayment(booking, p)) {
            await jobsRepository.add(trx, { kind: 'capture', paymentId: p.paymentId, dedupeKey: `capture:${p.paymentId}` });
          }
        } else if (t === 'captured') {
          await onCaptured(p);
        } else if (t === 'canceled') {
          attempts.inc({ outcome: 'canceled' });
        } else if (t === 'declined') {
          attempts.inc({ outcome: 'declined' });
          deps.logger.info('payment declined', { bookingId, paymentId: p.paymentId, code: p.failureCode });
          if (p.purpose === 'modification') await failModification(p, 'card_declined', p.failureCode ?? undefined);
        }
      }
      if (before !== p.status) deps.logger.debug('payment state', { bookingId, paymentId: p.paymentId, from: before, to: p.status });
      // The charge says more was refunded than the refunds we know of: re-read the intent.
      if (r.providerRefunded !== undefined && r.providerRefunded > p.refundedAmount) {
        const known = (await paymentsRepository.refundsOf(trx, { paymentId: p.paymentId })).filter((x) => x.status !== 'failed');
        if (r.providerRefunded > known.reduce((n, x) => n + x.amount, 0)) {
          doubts.inc({ trigger: 'unknown_refund' });
          await jobsRepository.add(trx, { kind: 'sync', paymentId: p.paymentId, dedupeKey: `sync:${p.paymentId}:refunded:${r.providerRefunded}` });
        }
      }
      await paymentsRepository.save(trx, p);
    },

    async applyRefundFact(p, snap) {
      let refund =
        (snap.refundId ? await paymentsRepository.refund(trx, snap.refundId, { forUpdate: true }) : undefined) ??
        (await paymentsRepository.refundByProviderId(trx, snap.id));
      if (!refund) {
        // A refund we did not ask for (made at the provider directly): recorded as it is.
        const left = keptOf(p);
        const inserted = await paymentsRepository.insertRefund(trx, {
          refundId: randomUUID(),
          requestKey: `provider:${snap.id}`,
          paymentId: p.paymentId,
          intentId: p.intentId,
          bookingId,
          amount: snap.amount,
          bookingAmount: toBookingCurrency(snap.amount, left),
          currency: p.currency,
          reason: 'provider',
          status: 'pending',
          providerRefundId: snap.id,
          failure: null,
        });
        refund = inserted.refund;
      }
      if (refund.status !== 'pending') return;
      if (snap.status === 'succeeded') {
        const bookingAmount = snap.amount === refund.amount ? refund.bookingAmount : toBookingCurrency(snap.amount, keptOf(p));
        await paymentsRepository.updateRefund(trx, refund.refundId, { status: 'succeeded', providerRefundId: snap.id, amount: snap.amount, bookingAmount });
        p.refundedAmount += snap.amount;
        p.bookingRefunded += bookingAmount;
        booking.refunded += bookingAmount;
        await paymentsRepository.save(trx, p);
        await emit('payment.refunded.v1', {
          bookingId,
          paymentId: p.paymentId,
          refundId: refund.refundId,
          amount: snap.amount,
          currency: p.currency,
          reason: refund.reason,
          bookingRefunded: booking.refunded,
          bookingCurrency: p.bookingCurrency,
        });
        refunds.inc({ reason: refund.reason });
        deps.logger.info('refund succeeded', { bookingId, paymentId: p.paymentId, refundId: refund.refundId, amount: snap.amount, reason: refund.reason });
      } else if (snap.status === 'failed' || snap.status === 'canceled') {
        await paymentsRepository.updateRefund(trx, refund.refundId, { status: 'failed', providerRefundId: snap.id, failure: `provider ${snap.status}` });
        refundFailures.inc({ reason: refund.reason });
        deps.logger.error('refund failed at the provider; needs a person', { bookingId, paymentId: p.paymentId, refundId: refund.refundId });
      }
    },

    async applyDisputeFact(p, snap) {
      const existing = await paymentsRepository.dispute(trx, snap.id);
      const bookingAmount = existing?.bookingAmount ?? toBookingCurrency(snap.amount, keptOf(p));
      const d: Dispute = existing ?? {
        disputeId: snap.id,
        paymentId: p.paymentId,
        bookingId,
        kind: disputeKindOf(snap.reason),
        reason: snap.reason,
        amount: snap.amount,
        bookingAmount,
        status: 'open',
        openedReported: false,
        closedReported: false,
        reversedReported: false,
      };
      d.status = mergeDisputeStatus(d.status, disputeStatusOf(snap.status));
      for (const effect of disputeEffects(d)) {
        if (effect === 'opened') {
          await emit('dispute.opened.v1', { bookingId, paymentId: p.paymentId, disputeId: d.disputeId, amount: d.bookingAmount, currency: p.bookingCurrency, reason: d.reason });
          disputes.inc({ outcome: 'opened' });
          d.openedReported = true;
        } else if (effect === 'won' || effect === 'lost') {
          await emit('dispute.closed.v1', { bookingId, paymentId: p.paymentId, disputeId: d.disputeId, status: effect, amount: d.bookingAmount, currency: p.bookingCurrency });
          disputes.inc({ outcome: effect });
          d.closedReported = true;
        } else {
          const handler = ledger.reversal(p);
          await handler.handleBankReversal(p.paymentId);
          // The money the bank (or the card network) took back, in the payment's and the booking's currency.
          p.reversedAmount += d.amount;
          p.bookingReversed += d.bookingAmount;
          await handler.updateBookingStatus(bookingId, d.bookingAmount);
          await paymentsRepository.save(trx, p);
          await emit('payment.reversed.v1', {
            bookingId,
            paymentId: p.paymentId,
            amount: d.bookingAmount,
            currency: p.bookingCurrency,
            reason: d.kind === 'bank_reversal' ? 'bank_reversal' : 'dispute',
          });
          await handler.notifyUserOfReversal(bookingId);
          if (d.kind === 'bank_reversal') disputes.inc({ outcome: 'bank_reversal' });
          d.reversedReported = true;
        }
      }
      await paymentsRepository.saveDispute(trx, d);
    },

    reversal(p) {
      return {
        async handleBankReversal(paymentId) {
          deps.logger.warn('captured money taken back by the bank or a lost dispute', { bookingId, paymentId, intentId: p.intentId });
        },
        async updateBookingStatus(_bookingId, reversalAmount) {
          booking.reversed += reversalAmount;
        },
        async notifyUserOfReversal() {
          // payment.reversed (published just before) is the user's notification: notification
          // treats it as critical and always delivers it.
          deps.logger.info('user notified of the reversal through payment.reversed', { bookingId, paymentId: p.paymentId });
        },
      };
    },

    async requestRefund({ bookingAmount, reason, requestKey, only }) {
      const candidates = (only ?? (await ledger.payments())).filter((p) => p.intentId && p.capturedAmount > 0);
      const lefts = await Promise.all(candidates.map((p) => refundable(p)));
      const weights = lefts.map((l) => l.bookingAmountLeft);
      const total = weights.reduce((a, b) => a + b, 0);
      const wanted = bookingAmount === null ? total : Math.min(bookingAmount, total);
      if (bookingAmount !== null && bookingAmount > total) {
        deps.logger.warn('refund asked for more than is left to refund; refunding what is left', { bookingId, asked: bookingAmount, left: total, requestKey });
      }
      const parts = allocate(wanted, weights);
      const out: Refund[] = [];
      for (let i = 0; i < candidates.length; i++) {
        const part = parts[i]!;
        if (part <= 0) continue;
        const p = candidates[i]!;
        const amount = toPaymentCurrency(part, lefts[i]!);
        const r = await addRefund(p, amount, part, reason, `${requestKey}:${p.paymentId}`);
        if (r) out.push(r);
      }
      return out;
    },

    async refundPayment(p, { amount, reason, requestKey }) {
      const left = await refundable(p);
      const pay = amount === null ? left.amountLeft : Math.min(amount, left.amountLeft);
      if (amount !== null && amount > left.amountLeft) {
        deps.logger.warn('refund asked for more than is left on the payment; refunding what is left', { bookingId, paymentId: p.paymentId, asked: amount, left: left.amountLeft });
      }
      return addRefund(p, pay, toBookingCurrency(pay, left), reason, requestKey);
    },

    async close(reason, refund) {
      if (booking.phase !== 'closed') {
        booking.phase = 'closed';
        booking.closeReason = reason;
        // Said once: from here on money captured for this booking goes back, and it is never reported paid.
        await emit('payment.closed.v1', { bookingId, reason });
      }
      for (const p of await ledger.payments({ forUpdate: true })) await ledger.release(p);
      if (refund) await ledger.requestRefund({ bookingAmount: null, reason: refund, requestKey: `close:${reason}` });
    },

    async release(p) {
      if (!isReleasable(p.status)) return;
      if (p.intentId) await jobsRepository.add(trx, { kind: 'cancel', paymentId: p.paymentId, dedupeKey: `cancel:${p.paymentId}` });
      else {
        // No intent yet: the create job finds it canceled and creates none.
        p.status = 'canceled';
        await paymentsRepository.save(trx, p);
        attempts.inc({ outcome: 'canceled' });
      }
    },

    async reportFailure(reason, extra = {}) {
      if (booking.failedReported && !extra.paymentId) return;
      booking.failedReported = true;
      await emit('payment.failed.v1', {
        bookingId,
        reason,
        ...(extra.paymentId ? { paymentId: extra.paymentId } : {}),
        ...(extra.code ? { code: extra.code } : {}),
        ...(extra.modificationId ? { modificationId: extra.modificationId } : {}),
      });
      if (!extra.paymentId) processing.observe({ outcome: 'failed' }, (now().getTime() - booking.createdAt.getTime()) / 1000);
      deps.logger.warn('booking payment failed', { bookingId, reason, ...extra });
    },
  };

  async function onCaptured(p: Payment) {
    const kept = keptOf(p);
    booking.captured += kept.bookingCaptured;
    attempts.inc({ outcome: 'succeeded' });
    await emit('payment.captured.v1', {
      bookingId,
      paymentId: p.paymentId,
      payerId: p.payerId,
      intentId: p.intentId!,
      amount: p.capturedAmount,
      currency: p.currency,
      bookingCaptured: booking.captured,
      bookingAmount: booking.amount,
      bookingCurrency: p.bookingCurrency,
    });
    if (booking.phase === 'closed') {
      // Money that landed after the booking closed (a capture racing an expiry or a block) goes back.
      const reason = lateRefundReason(booking.closeReason);
      deps.logger.warn('captured after the booking closed; refunding it', { bookingId, paymentId: p.paymentId, closeReason: booking.closeReason });
      await ledger.refundPayment(p, { amount: null, reason, requestKey: `late:${p.paymentId}` });
      return;
    }
    if (isDroppedExtra(booking, p)) {
      // The change this extra charge was for will not happen (booking dropped it): the money goes back.
      deps.logger.warn('extra charge of a dropped modification captured; refunding it', { bookingId, paymentId: p.paymentId, modificationId: p.modificationId });
      await ledger.refundPayment(p, { amount: null, reason: 'modification', requestKey: droppedExtraRefundKey(p) });
      return;
    }
    // This payment as captured just now (its row is saved after this).
    const payments = (await ledger.payments()).map((x) => (x.paymentId === p.paymentId ? p : x));
    // The extra charge of a dropped change, captured and not yet refunded, pays for nothing: without
    // this, it could cover the total of a later change whose own extra payment never landed.
    const droppedHeld = droppedHeldOf(booking, payments);
    const held = heldTowardTotal(booking, droppedHeld);
    const outcome = afterCapture(booking, droppedHeld);
    if (outcome.event === 'succeeded') {
      const wasPaid = booking.succeededAmount > 0;
      // The total covered includes the change waiting for its extra payment: the event names it, so
      // booking applies that change and no other.
      const modificationId = booking.pendingModification?.modificationId;
      booking.phase = 'paid';
      booking.succeededAmount = booking.amount;
      booking.pendingModification = null;
      const paid = payments.filter((x) => x.capturedAmount > 0).map((x) => x.paymentId);
      // What the booking holds toward its total: money given back (for a lowered total, a dropped
      // change) is not paid, nor is a dropped change's money still on its way back.
      await emit('payment.succeeded.v1', { bookingId, amount: held, currency: p.bookingCurrency, paymentIds: paid, ...(modificationId ? { modificationId } : {}) });
      if (!wasPaid) processing.observe({ outcome: 'succeeded' }, (now().getTime() - booking.createdAt.getTime()) / 1000);
      deps.logger.info('booking paid', { bookingId, captured: booking.captured, refunded: booking.refunded, reversed: booking.reversed, droppedHeld, amount: booking.amount, modificationId });
    } else if (outcome.event === 'partially_paid') {
      await emit('payment.partially_paid.v1', { bookingId, paidAmount: held, totalAmount: booking.amount, currency: p.bookingCurrency });
    }
  }

  async function failModification(p: Payment, reason: string, code?: string) {
    const pending = booking.pendingModification;
    if (pending && pending.modificationId === p.modificationId) {
      booking.amount = pending.previousAmount;
      booking.pendingModification = null;
    }
    // Reported even when this change is no longer the one waiting (booking dropped it, and a later
    // change may wait for its own payment): the event names the change, so booking drops only that one.
    await ledger.reportFailure(reason, { paymentId: p.paymentId, ...(code ? { code } : {}), ...(p.modificationId ? { modificationId: p.modificationId } : {}) });
  }

  return ledger;
}

/** One refund per dropped modification's extra charge, whether the drop or the late capture asks first. */
export const droppedExtraRefundKey = (p: Payment): string => `modification-dropped:${p.paymentId}`;

/**
 * Runs `fn` with the ledger of a payment's booking and the payment, both locked (booking first),
 * in a new transaction. Resolves with undefined when the payment does not exist.
 */
export async function withPaymentLedger<T>(
  deps: AppDeps,
  paymentId: string,
  fn: (ledger: Ledger, payment: Payment, trx: Tx) => Promise<T>,
): Promise<T | undefined> {
  const found = await paymentsRepository.get(deps.db, paymentId);
  if (!found) return undefined;
  return deps.db.transaction(async (trx) => {
    const ledger = await openLedger(deps, trx, found.bookingId);
    const payment = (await paymentsRepository.get(trx, paymentId, { forUpdate: true }))!;
    const result = await fn(ledger, payment, trx);
    await ledger.save();
    return result;
  });
}
