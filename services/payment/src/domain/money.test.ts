import { allocate, convertMinor, minorDigits, toBookingCurrency, toPaymentCurrency } from './money';
import { crossRate, decideRateFluctuation } from './currency';
import { afterCapture, changeAmount, droppedHeldOf, mergeFraud } from './booking-payments';
import type { Payment } from './payment';
import { disputeEffects, mergeDisputeStatus } from './reversal';

describe('money', () => {
  it('when currencies have different minor units, then conversion goes through major units', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(convertMinor(10000, 'EUR', 'USD', 1.08)).toBe(10800);
    expect(convertMinor(10000, 'EUR', 'JPY', 162)).toBe(16200);
    expect(convertMinor(16200, 'JPY', 'EUR', 1 / 162)).toBe(10000);
    expect(convertMinor(1, 'EUR', 'USD', 1.005)).toBe(1);
  });

  it('when a refund is spread over payers, then the parts add up exactly and none exceeds what that payer paid', () => {
    expect(allocate(1000, [3334, 3333, 3333])).toEqual([334, 333, 333]);
    expect(allocate(10000, [3334, 3333, 3333])).toEqual([3334, 3333, 3333]);
    expect(allocate(20000, [100, 200])).toEqual([100, 200]);
    expect(allocate(1, [0, 5])).toEqual([0, 1]);
    for (let total = 0; total <= 101; total++) {
      const parts = allocate(total, [33, 33, 35]);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(Math.min(total, 101));
      parts.forEach((p, i) => expect(p).toBeLessThanOrEqual([33, 33, 35][i]!));
    }
  });

  it('when the last part of a payment is refunded, then everything left goes back in its own currency, without rounding leftovers', () => {
    const left = { bookingAmountLeft: 3333, amountLeft: 3600 };
    expect(toPaymentCurrency(3333, left)).toBe(3600);
    expect(toPaymentCurrency(1000, left)).toBe(1080);
    expect(toBookingCurrency(3600, left)).toBe(3333);
  });
});

describe('fx policy', () => {
  it('when the quote is still valid, then the capture honours it whatever the market did', () => {
    expect(decideRateFluctuation({ expectedRate: 1.08, actualRate: 1.5, quoteExpired: false, tolerance: 0.02 })).toMatchObject({ action: 'capture', reason: 'quote_valid' });
  });

  it('when the quote expired, then a move within the tolerance (either way) is absorbed and one beyond it is quoted again', () => {
    expect(decideRateFluctuation({ expectedRate: 1.08, actualRate: 1.1, quoteExpired: true, tolerance: 0.02 })).toMatchObject({ action: 'capture', reason: 'within_tolerance' });
    expect(decideRateFluctuation({ expectedRate: 1.08, actualRate: 1.06, quoteExpired: true, tolerance: 0.02 })).toMatchObject({ action: 'capture' });
    expect(decideRateFluctuation({ expectedRate: 1.08, actualRate: 1.2, quoteExpired: true, tolerance: 0.02 })).toMatchObject({ action: 'requote', reason: 'beyond_tolerance' });
    expect(decideRateFluctuation({ expectedRate: 1.08, actualRate: 0.9, quoteExpired: true, tolerance: 0.02 }).action).toBe('requote');
  });

  it('when rates come from a table, then cross rates go through its base and unknown currencies are refused', () => {
    const table = { base: 'EUR', rates: { USD: 1.08, GBP: 0.86 } };
    expect(crossRate(table, 'EUR', 'USD')).toBe(1.08);
    expect(crossRate(table, 'USD', 'EUR')).toBeCloseTo(1 / 1.08);
    expect(crossRate(table, 'GBP', 'USD')).toBeCloseTo(1.08 / 0.86);
    expect(() => crossRate(table, 'EUR', 'XAU')).toThrow(/no rate/);
  });
});

describe('booking payments', () => {
  it('when fraud decisions arrive in any order, then they only move forward and a block is final', () => {
    expect(mergeFraud('pending', 'review')).toBe('review');
    expect(mergeFraud('review', 'allow')).toBe('allow');
    expect(mergeFraud('allow', 'review')).toBe('allow');
    expect(mergeFraud('allow', 'block')).toBe('block');
    expect(mergeFraud('block', 'allow')).toBe('block');
  });

  const sums = { refunded: 0, reversed: 0 };

  it('when captures add up, then the booking is partially paid until the total is reached, and paid once per total', () => {
    expect(afterCapture({ phase: 'open', amount: 9000, captured: 3000, ...sums, succeededAmount: 0 }).event).toBe('partially_paid');
    expect(afterCapture({ phase: 'open', amount: 9000, captured: 9000, ...sums, succeededAmount: 0 }).event).toBe('succeeded');
    expect(afterCapture({ phase: 'paid', amount: 9000, captured: 9000, ...sums, succeededAmount: 9000 }).event).toBe('none');
    expect(afterCapture({ phase: 'paid', amount: 12000, captured: 12000, ...sums, succeededAmount: 9000 }).event).toBe('succeeded');
    expect(afterCapture({ phase: 'closed', amount: 9000, captured: 9000, ...sums, succeededAmount: 0 }).event).toBe('none');
  });

  it('when money was given back, then the booking is paid only once what it still holds reaches the total', () => {
    // 10000 paid, 3000 refunded for a lowered total, then raised to 12000: the captured 10000 is not enough, nor 12000.
    expect(afterCapture({ phase: 'paid', amount: 12000, captured: 12000, refunded: 3000, reversed: 0, succeededAmount: 7000 }).event).toBe('partially_paid');
    expect(afterCapture({ phase: 'paid', amount: 12000, captured: 15000, refunded: 3000, reversed: 0, succeededAmount: 7000 }).event).toBe('succeeded');
    expect(afterCapture({ phase: 'open', amount: 9000, captured: 9000, refunded: 0, reversed: 1000, succeededAmount: 0 }).event).toBe('partially_paid');
  });

  it('when a dropped change\'s extra charge is held (captured, its refund not through yet), then it does not pay for the total', () => {
    // 6000 paid; a dropped change's 3000 captured late; the next change raises the total to 8000.
    const b = { phase: 'paid' as const, amount: 8000, refunded: 0, reversed: 0, succeededAmount: 6000 };
    expect(afterCapture({ ...b, captured: 9000 }, 3000).event).toBe('partially_paid');
    expect(afterCapture({ ...b, captured: 11000 }, 3000).event).toBe('succeeded');
    const extra = { purpose: 'modification' as const, modificationId: 'm1', capturedAmount: 3000, amount: 3000, bookingAmount: 3000, refundedAmount: 0, bookingRefunded: 0, reversedAmount: 0, bookingReversed: 0 };
    const payments = [extra, { ...extra, modificationId: 'm2', capturedAmount: 2000, amount: 2000, bookingAmount: 2000 }] as Payment[];
    expect(droppedHeldOf({ droppedModifications: ['m1'] }, payments)).toBe(3000);
    // Once refunded, it is counted in `refunded` instead.
    expect(droppedHeldOf({ droppedModifications: ['m1'] }, [{ ...extra, refundedAmount: 3000, bookingRefunded: 3000 }] as Payment[])).toBe(0);
  });

  it('when the total goes down and up again, then a total not above the one reported paid is reported paid again once covered', () => {
    const b = { amount: 10000, succeededAmount: 10000 };
    changeAmount(b, 7000);
    expect(b).toEqual({ amount: 7000, succeededAmount: 7000 });
    changeAmount(b, 9000);
    expect(b).toEqual({ amount: 9000, succeededAmount: 7000 });
    expect(afterCapture({ phase: 'paid', ...b, captured: 12000, refunded: 3000, reversed: 0 }).event).toBe('succeeded');
    // Without it, the 10000 reported before would hide the raised total for good.
    expect(afterCapture({ phase: 'paid', amount: 9000, captured: 12000, refunded: 3000, reversed: 0, succeededAmount: 10000 }).event).toBe('none');
  });
});

describe('disputes', () => {
  const fresh = { openedReported: false, closedReported: false, reversedReported: false };

  it('when a dispute is seen open, then lost, in whatever order, then it is opened, closed lost and reversed once each', () => {
    expect(disputeEffects({ kind: 'dispute', status: 'open', ...fresh })).toEqual(['opened']);
    expect(disputeEffects({ kind: 'dispute', status: 'lost', ...fresh })).toEqual(['opened', 'lost', 'reversed']);
    expect(disputeEffects({ kind: 'dispute', status: 'lost', openedReported: true, closedReported: true, reversedReported: true })).toEqual([]);
    expect(disputeEffects({ kind: 'dispute', status: 'won', ...fresh, openedReported: true })).toEqual(['won']);
    expect(mergeDisputeStatus('lost', 'open')).toBe('lost');
  });

  it('when the bank reverses a charge, then the money is reversed at once, with no dispute to open', () => {
    expect(disputeEffects({ kind: 'bank_reversal', status: 'open', ...fresh })).toEqual(['reversed']);
    expect(disputeEffects({ kind: 'bank_reversal', status: 'lost', ...fresh, reversedReported: true })).toEqual([]);
  });
});
