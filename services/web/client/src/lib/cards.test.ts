import { cardToPaymentMethod, luhnValid } from './cards';

const now = new Date('2026-06-15T12:00:00Z');

describe('test card flow', () => {
  it('when the fan types 4242 4242 4242 4242, then the sandbox is asked for pm_card_visa', () => {
    expect(cardToPaymentMethod({ number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' }, now)).toEqual({
      ok: true,
      paymentMethod: 'pm_card_visa',
    });
  });

  it('when the fan types the declined test card, then the sandbox is asked for pm_card_chargeDeclined', () => {
    expect(cardToPaymentMethod({ number: '4000-0000-0000-0002', expiry: '01/30', cvc: '999' }, now)).toEqual({
      ok: true,
      paymentMethod: 'pm_card_chargeDeclined',
    });
  });

  it('when the number fails the checksum, then the number field is refused', () => {
    expect(
      cardToPaymentMethod({ number: '4242 4242 4242 4241', expiry: '12/34', cvc: '123' }, now),
    ).toMatchObject({ ok: false, field: 'number' });
  });

  it('when a real (non-test) card is typed, then it is refused with a hint to use a test card', () => {
    const r = cardToPaymentMethod({ number: '4111 1111 1111 1111', expiry: '12/34', cvc: '123' }, now);
    expect(r).toMatchObject({ ok: false, field: 'number' });
    expect(!r.ok && r.message).toMatch(/4242 4242 4242 4242/);
  });

  it('when the card expired last month, then the expiry field is refused', () => {
    expect(
      cardToPaymentMethod({ number: '4242424242424242', expiry: '05/26', cvc: '123' }, now),
    ).toMatchObject({ ok: false, field: 'expiry', message: 'This card has expired.' });
  });

  it('when the card expires this month, then it is still accepted', () => {
    expect(
      cardToPaymentMethod({ number: '4242424242424242', expiry: '06/26', cvc: '123' }, now),
    ).toMatchObject({ ok: true });
  });

  it('when the security code is missing, then the cvc field is refused', () => {
    expect(cardToPaymentMethod({ number: '4242424242424242', expiry: '12/34', cvc: '' }, now)).toMatchObject({
      ok: false,
      field: 'cvc',
    });
  });

  it('luhn accepts test cards and rejects typos', () => {
    expect(luhnValid('4000000000000002')).toBe(true);
    expect(luhnValid('4000000000000003')).toBe(false);
    expect(luhnValid('42')).toBe(false);
  });
});
