import { maskEmail, maskPan, maskPhone, redact, redactString, REDACTED } from './redact';

describe('redact', () => {
  describe('strings', () => {
    it('when a string contains an email, then only its first letter and domain stay', () => {
      expect(redactString('booking for jane.doe@example.com confirmed')).toBe('booking for j***@example.com confirmed');
    });

    it('when a string contains several emails, then every one is masked', () => {
      expect(redactString('a.b@x.io,c_d+tag@sub.example.co.uk')).toBe('a***@x.io,c***@sub.example.co.uk');
    });

    it('when a string contains an E.164 phone number, then only the country code and last two digits stay', () => {
      expect(redactString('sms to +447700900123 queued')).toBe('sms to +44********23 queued');
    });

    it('when a phone number is grouped by spaces or dashes, then it is still masked', () => {
      expect(redactString('call +44 7700 900123')).toBe('call +44********23');
      expect(redactString('call +1-415-555-2671')).toBe('call +14*******71');
    });

    it('when a string contains a card number, then only its last four digits stay', () => {
      expect(redactString('pan 4242424242424242 used')).toBe('pan ************4242 used');
    });

    it('when a card number is grouped by spaces or dashes, then it is still masked', () => {
      expect(redactString('4000 0566 5566 5556')).toBe('************5556');
      expect(redactString('5555-5555-5555-4444')).toBe('************4444');
      expect(redactString('amex 378282246310005')).toBe('amex ***********0005');
    });

    it('when a long digit run fails the card checksum, then it is left alone (ids, amounts)', () => {
      expect(redactString('order 1234567890123456')).toBe('order 1234567890123456');
    });

    it('when a string has short numbers, dates and uuids, then it is left alone', () => {
      const text = 'match 42 on 2026-10-29T09:18:49Z id 3f2b6c1e-9d4a-4b7e-8c21-7a6f0e9d1b2c amount 1999';
      expect(redactString(text)).toBe(text);
    });
  });

  describe('keys', () => {
    it.each([
      ['password'],
      ['newPassword'],
      ['token'],
      ['accessToken'],
      ['refresh_token'],
      ['authorization'],
      ['Authorization'],
      ['secret'],
      ['clientSecret'],
      ['webhook_secret'],
      ['apiKey'],
      ['x-api-key'],
      ['API_KEY'],
      ['cardNumber'],
      ['card_number'],
      ['cvc'],
      ['cvv'],
      ['pan'],
      ['cookie'],
    ])('when a value sits under %s, then it is replaced whatever it looks like', (key) => {
      expect(redact({ [key]: 'plain-value-123' })).toEqual({ [key]: REDACTED });
      expect(redact({ [key]: { nested: 'object' } })).toEqual({ [key]: REDACTED });
      expect(redact({ [key]: 12345 })).toEqual({ [key]: REDACTED });
    });

    it('when a secret key holds nothing, then the absence stays visible', () => {
      expect(redact({ token: undefined, password: null, secret: '' })).toEqual({ token: undefined, password: null, secret: '' });
    });

    it('when an email sits under an email key, then it is masked like in text', () => {
      expect(redact({ email: 'jane@example.com', userEmail: 'Bob@Example.org' })).toEqual({
        email: 'j***@example.com',
        userEmail: 'B***@Example.org',
      });
    });

    it('when an email key holds something that is not an email, then it is redacted entirely', () => {
      expect(redact({ email: 'not an address' })).toEqual({ email: REDACTED });
    });

    it('when an email key holds a flag, then the flag stays (emailVerified)', () => {
      expect(redact({ emailVerified: true })).toEqual({ emailVerified: true });
    });

    it('when a phone number sits under a phone key, even without a plus sign, then it is masked', () => {
      expect(redact({ phone: '07700 900123', phoneNumber: '+15005550006' })).toEqual({
        phone: '07*******23',
        phoneNumber: '+15*******06',
      });
    });

    it('when a phone key holds a number, then it is redacted entirely', () => {
      expect(redact({ phone: 447700900123 })).toEqual({ phone: REDACTED });
    });

    it('when keys are harmless, then their values pass through', () => {
      const value = { bookingId: 'b-1', quantity: 2, paid: true, note: null, idempotencyKey: 'k-1', company: 'ACME' };
      expect(redact(value)).toEqual(value);
    });
  });

  describe('structures', () => {
    it('when PII is nested in objects and arrays, then it is redacted at every depth', () => {
      const input = {
        user: { contacts: [{ email: 'ann@example.com' }, { phone: '+33612345678' }] },
        headers: { authorization: 'Bearer abc.def.ghi', 'content-type': 'application/json' },
        notes: ['paid with 4242 4242 4242 4242', 'mail jo@example.com'],
      };
      expect(redact(input)).toEqual({
        user: { contacts: [{ email: 'a***@example.com' }, { phone: '+33*******78' }] },
        headers: { authorization: REDACTED, 'content-type': 'application/json' },
        notes: ['paid with ************4242', 'mail j***@example.com'],
      });
    });

    it('when an object is redacted, then the original is left untouched', () => {
      const input = { password: 'hunter2', nested: { email: 'ann@example.com' } };
      redact(input);
      expect(input).toEqual({ password: 'hunter2', nested: { email: 'ann@example.com' } });
    });

    it('when an error carries PII, then its message, stack and own fields are redacted', () => {
      const err = Object.assign(new Error('card 4242424242424242 declined for ann@example.com'), {
        code: 'card_declined',
        apiKey: 'sk_test_123',
      });
      const out = redact({ err }) as { err: Record<string, string> };
      expect(out.err.type).toBe('Error');
      expect(out.err.message).toBe('card ************4242 declined for a***@example.com');
      expect(out.err.code).toBe('card_declined');
      expect(out.err.apiKey).toBe(REDACTED);
      expect(out.err.stack).toContain('a***@example.com');
      expect(out.err.stack).not.toContain('ann@example.com');
    });

    it('when an error has a cause, then the cause is redacted too', () => {
      const err = new Error('outer', { cause: new Error('inner ann@example.com') });
      const out = redact(err) as { cause: { message: string } };
      expect(out.cause.message).toBe('inner a***@example.com');
    });

    it('when a value refers to itself, then the cycle is cut instead of overflowing', () => {
      const node: Record<string, unknown> = { name: 'a' };
      node.self = node;
      expect(redact(node)).toEqual({ name: 'a', self: '[Circular]' });
    });

    it('when the same object appears twice without a cycle, then both copies are kept', () => {
      const shared = { email: 'ann@example.com' };
      expect(redact({ a: shared, b: shared })).toEqual({ a: { email: 'a***@example.com' }, b: { email: 'a***@example.com' } });
    });

    it('when values are dates, buffers or maps, then they become loggable and redacted', () => {
      const out = redact({
        at: new Date('2026-01-02T03:04:05.000Z'),
        body: Buffer.from('secret payload'),
        meta: new Map([['token', 'abc']]),
      });
      expect(out).toEqual({ at: '2026-01-02T03:04:05.000Z', body: '[14 bytes]', meta: { token: REDACTED } });
    });

    it('when nesting is very deep, then the walk stops with a marker', () => {
      let deep: Record<string, unknown> = { email: 'ann@example.com' };
      for (let i = 0; i < 20; i++) deep = { next: deep };
      expect(JSON.stringify(redact(deep))).toContain('[Truncated]');
      expect(JSON.stringify(redact(deep))).not.toContain('ann@example.com');
    });

    it('when given primitives, then numbers, booleans and null pass through', () => {
      expect(redact(42)).toBe(42);
      expect(redact(false)).toBe(false);
      expect(redact(null)).toBeNull();
      expect(redact(undefined)).toBeUndefined();
    });
  });

  describe('maskers', () => {
    it('when an address or number is too short to mask meaningfully, then it is redacted entirely', () => {
      expect(maskEmail('@example.com')).toBe(REDACTED);
      expect(maskPhone('+123')).toBe(REDACTED);
      expect(maskPan('4242 4242 4242 4242')).toBe('************4242');
    });
  });
});
