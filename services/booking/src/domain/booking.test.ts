import {
  assertModifiable,
  assertTransition,
  moneyOf,
  onCancelRequested,
  onDisputeClosed,
  onDisputeOpened,
  onFraudDecision,
  onPaymentClosed,
  onPaymentFailed,
  onPaymentSucceeded,
  onPaymentWindowClosed,
  onReconfirmRequested,
  onReversal,
  recordMoney,
  TRANSITIONS,
  type BookingStatus,
} from './booking';
import { buildBooking } from '../../test/builders';

const now = new Date('2026-03-01T12:05:00Z');
const kickoff = new Date('2026-04-01T18:00:00Z');

describe('booking state machine', () => {
  it('when the full amount is paid while pending, then the booking is confirmed and its held slots become confirmed', () => {
    expect(onPaymentSucceeded(buildBooking(), 10000)).toEqual({
      kind: 'transition',
      to: 'CONFIRMED',
      slots: 'held_to_confirmed',
      reason: 'paid',
      requestRefund: false,
    });
  });

  it('when less than the amount is reported paid, then the booking keeps waiting', () => {
    expect(onPaymentSucceeded(buildBooking(), 9999).kind).toBe('noop');
  });

  it('when payment.succeeded arrives again for a confirmed booking, then nothing changes', () => {
    expect(onPaymentSucceeded(buildBooking({ status: 'CONFIRMED' }), 10000).kind).toBe('noop');
  });

  it('when money lands after the window closed or payment failed, then it is a late payment (re-reserve or refund)', () => {
    expect(onPaymentSucceeded(buildBooking({ status: 'EXPIRED' }), 10000).kind).toBe('late_payment');
    expect(onPaymentSucceeded(buildBooking({ status: 'PAYMENT_FAILED' }), 10000).kind).toBe('late_payment');
  });

  it('when money lands for a cancelled booking, then all of it is refunded', () => {
    expect(onPaymentSucceeded(buildBooking({ status: 'CANCELLED' }), 10000)).toEqual({ kind: 'refund', reason: 'paid_after_cancellation' });
  });

  it('when a confirmed booking waits for a modification payment, then payment.succeeded applies the modification', () => {
    expect(onPaymentSucceeded(buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod1' }), 15000).kind).toBe('modification_paid');
    expect(onPaymentFailed(buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod1' }), 'declined').kind).toBe('modification_failed');
  });

  it('when payment.succeeded names another change than the one waiting (one dropped meanwhile), then the waiting change is not applied', () => {
    const waiting = buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod2' });
    expect(onPaymentSucceeded(waiting, 15000, { modificationId: 'mod1' }).kind).toBe('noop');
    expect(onPaymentSucceeded(waiting, 15000, { modificationId: 'mod2' }).kind).toBe('modification_paid');
  });

  it('when payment.succeeded names no change (published before payment named them), then it applies the waiting change only if no other change was dropped', () => {
    const waiting = buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod2' });
    expect(onPaymentSucceeded(waiting, 15000, { otherChangeDropped: false }).kind).toBe('modification_paid');
    expect(onPaymentSucceeded(waiting, 15000, { otherChangeDropped: true }).kind).toBe('noop');
  });

  it('when payment.failed names another change than the one waiting (one dropped meanwhile, whose extra charge was declined late), then the waiting change is not dropped', () => {
    const waiting = buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod2' });
    expect(onPaymentFailed(waiting, 'card_declined', { modificationId: 'mod1' }).kind).toBe('noop');
    expect(onPaymentFailed(waiting, 'card_declined', { modificationId: 'mod2' })).toEqual({ kind: 'modification_failed', reason: 'card_declined' });
  });

  it('when payment.failed names no change (published before payment named them), then it drops the waiting change only if no other change was dropped', () => {
    const waiting = buildBooking({ status: 'CONFIRMED', pendingModificationId: 'mod2' });
    expect(onPaymentFailed(waiting, 'card_declined', { otherChangeDropped: false }).kind).toBe('modification_failed');
    expect(onPaymentFailed(waiting, 'card_declined', { otherChangeDropped: true }).kind).toBe('noop');
  });

  it('when payment.failed names a change, then the booking\'s own payment is not failed by it', () => {
    expect(onPaymentFailed(buildBooking(), 'card_declined', { modificationId: 'mod1' }).kind).toBe('noop');
    expect(onPaymentFailed(buildBooking({ status: 'CONFIRMED' }), 'card_declined', { modificationId: 'mod1' }).kind).toBe('noop');
  });

  it('when payment fails while pending, then the booking fails (cancelled for a fraud block) and releases its slots', () => {
    expect(onPaymentFailed(buildBooking(), 'card_declined')).toMatchObject({ to: 'PAYMENT_FAILED', slots: 'release_held' });
    expect(onPaymentFailed(buildBooking(), 'fraud_block')).toMatchObject({ to: 'CANCELLED', slots: 'release_held', reason: 'fraud_block' });
  });

  it('when a payment failure arrives after the booking was confirmed (out of order), then it is ignored', () => {
    expect(onPaymentFailed(buildBooking({ status: 'CONFIRMED' }), 'card_declined').kind).toBe('noop');
  });

  it('when fraud blocks an unpaid booking, then it is cancelled; a paid one is left to payment to refund', () => {
    expect(onFraudDecision(buildBooking(), 'block')).toMatchObject({ to: 'CANCELLED', reason: 'fraud_block' });
    expect(onFraudDecision(buildBooking({ captured: 5000 }), 'block').kind).toBe('noop');
    expect(onFraudDecision(buildBooking(), 'allow').kind).toBe('noop');
  });

  it('when the payment window closes, then a pending booking expires; before the deadline nothing happens', () => {
    const b = buildBooking({ paymentDeadline: new Date(now.getTime() - 1) });
    expect(onPaymentWindowClosed(b, now)).toMatchObject({ to: 'EXPIRED', slots: 'release_held' });
    expect(onPaymentWindowClosed(buildBooking({ paymentDeadline: new Date(now.getTime() + 1000) }), now).kind).toBe('noop');
  });

  it('when a fan cancels, then the booking is cancelled with a refund request; after kickoff or when settled it is refused', () => {
    expect(onCancelRequested(buildBooking({ status: 'CONFIRMED' }), kickoff, now, 'fan')).toMatchObject({
      to: 'CANCELLED',
      slots: 'release_confirmed',
      requestRefund: true,
    });
    expect(() => onCancelRequested(buildBooking({ status: 'CONFIRMED' }), now, now, 'fan')).toThrow(/match has started/);
    expect(() => onCancelRequested(buildBooking({ status: 'EXPIRED' }), kickoff, now, 'fan')).toThrow(/cannot be cancelled/);
  });

  it('when a dispute opens and closes, then won restores the booking and lost reverses it', () => {
    const confirmed = buildBooking({ status: 'CONFIRMED' });
    expect(onDisputeOpened(confirmed, 'dp1')).toMatchObject({ to: 'DISPUTED' });
    const disputed = buildBooking({ status: 'DISPUTED', disputes: { dp1: 'open' } });
    expect(onDisputeClosed(disputed, { dp1: 'won' }, 'won')).toMatchObject({ to: 'CONFIRMED' });
    expect(onDisputeClosed(disputed, { dp1: 'lost' }, 'lost')).toMatchObject({ to: 'REVERSED', slots: 'release_confirmed' });
  });

  it('when a dispute is reported opened after it closed (out of order), then the stale opening is ignored', () => {
    expect(onDisputeOpened(buildBooking({ status: 'CONFIRMED', disputes: { dp1: 'won' } }), 'dp1').kind).toBe('noop');
  });

  it('when the bank reverses a payment, then the booking is reversed and its slots released', () => {
    expect(onReversal(buildBooking({ status: 'CONFIRMED' }), 'bank_reversal')).toMatchObject({ to: 'REVERSED', slots: 'release_confirmed' });
    expect(onReversal(buildBooking({ status: 'REVERSED' }), 'bank_reversal').kind).toBe('noop');
  });

  it('when reconciliation asks to reconfirm, then a pending booking confirms and a confirmed one is left alone', () => {
    expect(onReconfirmRequested(buildBooking())).toMatchObject({ to: 'CONFIRMED' });
    expect(onReconfirmRequested(buildBooking({ status: 'CONFIRMED' })).kind).toBe('noop');
    expect(onReconfirmRequested(buildBooking({ status: 'EXPIRED' })).kind).toBe('late_payment');
  });

  it('when payment closed the booking (its money goes back), then neither a reconfirm request nor a late payment confirms it', () => {
    for (const status of ['EXPIRED', 'PAYMENT_FAILED', 'PENDING_PAYMENT'] as const) {
      const { booking, decision } = onPaymentClosed(buildBooking({ status, captured: 10000 }));
      expect(decision.kind).toBe('noop');
      expect(booking).toMatchObject({ status, moneyReturned: true });
      expect(onReconfirmRequested(booking)).toMatchObject({ kind: 'noop', why: expect.stringMatching(/given back/) });
    }
    expect(onPaymentSucceeded(buildBooking({ status: 'EXPIRED', moneyReturned: true }), 10000).kind).toBe('noop');
    expect(onPaymentSucceeded(buildBooking({ status: 'PAYMENT_FAILED', moneyReturned: true }), 10000).kind).toBe('noop');
    // A confirmed booking is not reopened by it either way.
    expect(onReconfirmRequested(buildBooking({ status: 'CONFIRMED', moneyReturned: true })).kind).toBe('noop');
  });

  it('when a transition is not in the table, then it is refused as a bug', () => {
    const all = Object.keys(TRANSITIONS) as BookingStatus[];
    for (const from of all) for (const to of TRANSITIONS[from]) expect(() => assertTransition(from, to)).not.toThrow();
    expect(() => assertTransition('CANCELLED', 'CONFIRMED')).toThrow(/illegal/);
    expect(() => assertTransition('REVERSED', 'CONFIRMED')).toThrow(/illegal/);
  });
});

describe('booking money', () => {
  it('when events report running sums in any order, then the greatest of each is kept', () => {
    let b = buildBooking();
    b = { ...b, ...recordMoney(b, { refunded: 3000 }) };
    b = { ...b, ...recordMoney(b, { captured: 10000 }) };
    b = { ...b, ...recordMoney(b, { captured: 4000 }) };
    expect([b.captured, b.refunded]).toEqual([10000, 3000]);
  });

  it('when a confirmed booking holds its amount and a settled one nothing, then both are balanced', () => {
    expect(moneyOf(buildBooking({ status: 'CONFIRMED', captured: 10000 })).balanced).toBe(true);
    expect(moneyOf(buildBooking({ status: 'CANCELLED', captured: 10000, refunded: 10000 })).balanced).toBe(true);
    expect(moneyOf(buildBooking({ status: 'REVERSED', captured: 10000, reversed: 10000 })).balanced).toBe(true);
    expect(moneyOf(buildBooking({ status: 'CANCELLED', captured: 10000 })).balanced).toBe(false);
    expect(moneyOf(buildBooking({ status: 'PENDING_PAYMENT', captured: 5000 })).balanced).toBe(true);
  });

  it('when someone else or a booking that is not confirmed asks for a change, then it is refused', () => {
    expect(() => assertModifiable(buildBooking({ status: 'CONFIRMED' }), 'u2', kickoff, now)).toThrow(/no such booking/);
    expect(() => assertModifiable(buildBooking(), 'u1', kickoff, now)).toThrow(/cannot be changed/);
    expect(() => assertModifiable(buildBooking({ status: 'CONFIRMED', pendingModificationId: 'x' }), 'u1', kickoff, now)).toThrow(/waiting for payment/);
  });
});
