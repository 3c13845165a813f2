import { isExpired, validatePaymentMethod } from './payment-method';
import { resolveReview } from './review';

describe('resolving a review', () => {
  it('when a pending review is approved, then the decision is allow; rejected, block; timed out, block with timedOut', () => {
    expect(resolveReview('pending', 'approve')).toEqual({ status: 'approved', decision: 'allow', timedOut: false, changed: true });
    expect(resolveReview('pending', 'reject')).toEqual({ status: 'rejected', decision: 'block', timedOut: false, changed: true });
    expect(resolveReview('pending', 'timeout')).toEqual({ status: 'timed_out', decision: 'block', timedOut: true, changed: true });
  });

  it('when the same resolution is repeated, then nothing changes', () => {
    expect(resolveReview('approved', 'approve')).toMatchObject({ status: 'approved', changed: false });
  });

  it('when the timeout comes after a person resolved it, then the person’s answer stands', () => {
    expect(resolveReview('approved', 'timeout')).toEqual({ status: 'approved', decision: 'allow', timedOut: false, changed: false });
  });

  it('when a resolved review is resolved the other way, then it is refused with REVIEW_ALREADY_RESOLVED', () => {
    expect(() => resolveReview('rejected', 'approve')).toThrow(expect.objectContaining({ code: 'REVIEW_ALREADY_RESOLVED' }));
    expect(() => resolveReview('timed_out', 'approve')).toThrow(expect.objectContaining({ code: 'REVIEW_ALREADY_RESOLVED' }));
  });
});

describe('validating a payment method', () => {
  const now = new Date('2026-05-15T12:00:00Z');
  const policy = { now, blockedCardCountries: ['KP'], blockedBy: [], countryMismatchWeight: 20 };

  it('when the card expires at the end of this month, then it is still valid; last month, it is expired', () => {
    expect(isExpired(5, 2026, now)).toBe(false);
    expect(isExpired(4, 2026, now)).toBe(true);
    expect(isExpired(12, 2025, now)).toBe(true);
  });

  it('when the card is expired, then it is refused with card_expired', () => {
    const r = validatePaymentMethod({ expMonth: 4, expYear: 2026 }, policy);
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.rule)).toEqual(['card_expired']);
  });

  it('when the fingerprint is on the block list or the issuing country is refused, then it is invalid with each reason', () => {
    const r = validatePaymentMethod({ cardCountry: 'kp' }, { ...policy, blockedBy: [{ kind: 'card', entryId: 'e-9' }] });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.rule)).toEqual(['blocklist', 'card_country_blocked']);
  });

  it('when the card and IP countries differ, then it stays valid with a warning', () => {
    const r = validatePaymentMethod({ cardCountry: 'BR', ipCountry: 'DE', expMonth: 1, expYear: 2030 }, policy);
    expect(r).toEqual({ valid: true, errors: [], warnings: [{ rule: 'country_mismatch', weight: 20, detail: 'card issued in BR, IP in DE' }] });
  });
});
