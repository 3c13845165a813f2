import { nextStep } from './dispatch-policy';

const now = new Date('2026-01-01T00:00:00Z');
const base = { attempts: 1, maxAttempts: 3, fallback: undefined, now, retryBaseMs: 1000 };

describe('after a failed send', () => {
  it('when the provider rate-limited us, then the notification waits for the reset without using an attempt', () => {
    const retryAt = new Date(now.getTime() + 5000);
    expect(
      nextStep({ kind: 'rate_limited', retryAt, reason: '429' }, { ...base, fallback: 'email' }),
    ).toEqual({
      action: 'retry',
      at: retryAt,
      countsAsAttempt: false,
    });
  });

  it('when there is a next channel, then it falls back to it whatever the failure', () => {
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, { ...base, fallback: 'sms' })).toEqual({
      action: 'fallback',
      channel: 'sms',
    });
    expect(nextStep({ kind: 'rejected', reason: 'bad token' }, { ...base, fallback: 'email' })).toEqual({
      action: 'fallback',
      channel: 'email',
    });
  });

  it('when nothing is left, then an outage is retried with backoff until the attempts run out, and a refused address is given up', () => {
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, base)).toEqual({
      action: 'retry',
      at: new Date(now.getTime() + 1000),
      countsAsAttempt: true,
    });
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, { ...base, attempts: 2 })).toMatchObject({
      at: new Date(now.getTime() + 2000),
    });
    expect(nextStep({ kind: 'unavailable', reason: 'down' }, { ...base, attempts: 3 })).toEqual({
      action: 'give_up',
      reason: 'down (after 3 attempts)',
    });
    expect(nextStep({ kind: 'rejected', reason: 'no email address' }, base)).toEqual({
      action: 'give_up',
      reason: 'no email address',
    });
  });
});
