import { displayStatus, intentKey, keptOf, reduceIntent, type IntentObservation, type Payment } from './payment';

const base = (over: Partial<Payment> = {}): Pick<Payment, 'status' | 'capturedAmount' | 'failureCode' | 'failureMessage' | 'amount'> => ({
  status: 'pending',
  capturedAmount: 0,
  failureCode: null,
  failureMessage: null,
  amount: 5000,
  ...over,
});

/** Applies observations in order, collecting every transition reported. */
function run(observations: IntentObservation[]) {
  let p = base();
  const transitions: string[] = [];
  for (const o of observations) {
    const r = reduceIntent(p, o);
    transitions.push(...r.transitions);
    p = { ...p, status: r.status, capturedAmount: r.capturedAmount, failureCode: r.failureCode, failureMessage: r.failureMessage };
  }
  return { p, transitions };
}

const created: IntentObservation = { status: 'requires_payment_method' };
const chargeAuthorized: IntentObservation = { charge: { paid: true, captured: false, amountCaptured: 0, amountRefunded: 0 } };
const capturable: IntentObservation = { status: 'requires_capture' };
const chargeCaptured: IntentObservation = { charge: { paid: true, captured: true, amountCaptured: 5000, amountRefunded: 0 } };
const succeeded: IntentObservation = { status: 'succeeded', amountReceived: 5000 };
const chargeRefunded: IntentObservation = { charge: { paid: true, captured: true, amountCaptured: 5000, amountRefunded: 2000 } };

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('reduceIntent', () => {
  it('when a payment\'s events arrive in every possible order, then it ends captured with the full amount and reports authorized and captured once each', () => {
    const all = [created, chargeAuthorized, capturable, chargeCaptured, succeeded, chargeRefunded];
    for (const order of permutations(all)) {
      const { p, transitions } = run([...order, ...order]);
      expect(p).toMatchObject({ status: 'captured', capturedAmount: 5000 });
      expect(transitions.filter((t) => t === 'authorized')).toHaveLength(1);
      expect(transitions.filter((t) => t === 'captured')).toHaveLength(1);
    }
  });

  it('when charge.refunded arrives before payment_intent.succeeded, then the refunded charge proves the capture and the refund is flagged for a look', () => {
    const r = reduceIntent(base({ status: 'authorized' }), chargeRefunded);
    expect(r).toMatchObject({ status: 'captured', capturedAmount: 5000, transitions: ['captured'], providerRefunded: 2000 });
  });

  it('when an authorization is released, then canceled is final for the earlier states but never undoes a capture', () => {
    expect(run([capturable, { status: 'canceled' }, capturable]).p.status).toBe('canceled');
    expect(run([succeeded, { status: 'canceled' }]).p).toMatchObject({ status: 'captured', capturedAmount: 5000 });
    // The release of an authorization refunds the charge, but that is not money refunded.
    const released = reduceIntent(base({ status: 'canceled' }), { charge: { paid: true, captured: false, amountCaptured: 0, amountRefunded: 5000 } });
    expect(released).toMatchObject({ status: 'canceled', transitions: [] });
    expect(released.providerRefunded).toBeUndefined();
  });

  it('when a card is declined, then the payment waits for another method with the reason, and a later success clears it', () => {
    const declined = run([created, { status: 'requires_payment_method', decline: { code: 'insufficient_funds', message: 'no money' } }]);
    expect(declined.p).toMatchObject({ status: 'requires_payment_method', failureCode: 'insufficient_funds' });
    expect(declined.transitions).toEqual(['declined']);
    const retried = run([created, { status: 'requires_payment_method', decline: { code: 'card_declined', message: 'x' } }, capturable]);
    expect(retried.p).toMatchObject({ status: 'authorized', failureCode: null });
    // A decline that arrives late (after the authorization) changes nothing.
    expect(run([capturable, { status: 'requires_payment_method', decline: { code: 'card_declined', message: 'x' } }]).p.status).toBe('authorized');
  });

  it('when 3-D Secure is needed, then the payment waits for the payer\'s action', () => {
    expect(run([created, { status: 'requires_action' }])).toMatchObject({ p: { status: 'requires_action' }, transitions: ['action_required'] });
  });
});

describe('display and keys', () => {
  const payment = (over: Partial<Payment>) => ({ status: 'captured' as const, capturedAmount: 5000, refundedAmount: 0, reversedAmount: 0, ...over });

  it('when money went back, then the payment shows refunded, partially refunded or reversed', () => {
    expect(displayStatus(payment({}))).toBe('captured');
    expect(displayStatus(payment({ refundedAmount: 1000 }))).toBe('partially_refunded');
    expect(displayStatus(payment({ refundedAmount: 5000 }))).toBe('refunded');
    expect(displayStatus(payment({ reversedAmount: 5000 }))).toBe('reversed');
    expect(displayStatus(payment({}), true)).toBe('disputed');
  });

  it('when an intent is created, then its idempotency key is deterministic per booking, payer, purpose and attempt', () => {
    expect(intentKey({ bookingId: 'b1', payerId: 'p1', attempt: 1, purpose: 'booking', modificationId: null })).toBe('booking:b1:payer:p1:attempt:1');
    expect(intentKey({ bookingId: 'b1', payerId: 'p1', attempt: 2, purpose: 'modification', modificationId: 'm9' })).toBe('booking:b1:modification:m9:payer:p1:attempt:2');
  });

  it('when part of a foreign-currency payment was refunded, then what is left is known in both currencies', () => {
    const kept = keptOf({ capturedAmount: 10800, amount: 10800, bookingAmount: 10000, refundedAmount: 5400, bookingRefunded: 5000, reversedAmount: 0, bookingReversed: 0 });
    expect(kept).toEqual({ amountLeft: 5400, bookingAmountLeft: 5000, bookingCaptured: 10000 });
  });
});
