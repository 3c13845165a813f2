import { countdownWords, formatCountdown, formatMoney, reasonLabel, statusLabel } from './format';

describe('formatting for people', () => {
  it('when an amount is in minor units, then it is shown in the currency with its decimals', () => {
    expect(formatMoney(4250, 'EUR', 'en-GB')).toBe('€42.50');
    expect(formatMoney(4250, 'JPY', 'en-GB')).toBe('JP¥4,250');
  });

  it('when a hold has 9 minutes 5 seconds left, then the countdown reads 9:05 and in words', () => {
    expect(formatCountdown(545)).toBe('9:05');
    expect(countdownWords(545)).toBe('9 minutes 5 seconds');
    expect(formatCountdown(-3)).toBe('0:00');
  });

  it('when a booking waits for payment, then its status reads in words', () => {
    expect(statusLabel('PENDING_PAYMENT')).toBe('Waiting for payment');
    expect(statusLabel('SOMETHING_NEW')).toBe('Something new');
    expect(reasonLabel('cancelled_by_fan')).toBe('Cancelled by fan');
  });
});
