import { generateSendgridKeyPair, signSendgrid, signStripe, signTwilio } from '@matchday/provider-sandbox';
import Stripe from 'stripe';
import { WebhookRejected } from '../domain/webhook';
import { createSignatureVerifiers, parseStripeSignature } from './signatures';

const secret = 'whsec_test_secret';
const keys = generateSendgridKeyPair();
const verifiers = createSignatureVerifiers({
  stripeWebhookSecret: secret,
  twilioAuthToken: 'twilio-token',
  sendgridPublicKey: keys.publicKey,
  toleranceSeconds: 300,
});
const now = new Date();
const nowSec = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({ id: 'evt_1', object: 'event' });

const reason = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    return e instanceof WebhookRejected ? e.reason : `unexpected: ${String(e)}`;
  }
};

describe('Stripe signatures', () => {
  it('when the Stripe SDK signs a payload, then it is accepted, as is the sandbox signer', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: nowSec });
    expect(reason(() => verifiers.stripe(Buffer.from(body), header, now))).toBe('accepted');
    expect(reason(() => verifiers.stripe(Buffer.from(body), signStripe(body, secret), now))).toBe('accepted');
  });

  it('when one of several v1 signatures matches (secret rotation), then it is accepted', () => {
    const good = signStripe(body, secret, nowSec);
    const header = `t=${nowSec},v1=${'0'.repeat(64)},${good.split(',')[1]}`;
    expect(reason(() => verifiers.stripe(Buffer.from(body), header, now))).toBe('accepted');
  });

  it('when the body, the secret or the header is wrong, then it is a signature rejection', () => {
    expect(reason(() => verifiers.stripe(Buffer.from(`${body} `), signStripe(body, secret), now))).toBe('signature');
    expect(reason(() => verifiers.stripe(Buffer.from(body), signStripe(body, 'whsec_other'), now))).toBe('signature');
    expect(reason(() => verifiers.stripe(Buffer.from(body), 'garbage', now))).toBe('signature');
    expect(reason(() => verifiers.stripe(Buffer.from(body), undefined, now))).toBe('signature');
    expect(reason(() => verifiers.stripe(Buffer.from(body), `v1=${signStripe(body, secret).split('v1=')[1]}`, now))).toBe('signature');
  });

  it('when the signed timestamp is older or newer than the tolerance, then it is a timestamp rejection', () => {
    expect(reason(() => verifiers.stripe(Buffer.from(body), signStripe(body, secret, nowSec - 301), now))).toBe('timestamp');
    expect(reason(() => verifiers.stripe(Buffer.from(body), signStripe(body, secret, nowSec + 301), now))).toBe('timestamp');
    expect(reason(() => verifiers.stripe(Buffer.from(body), signStripe(body, secret, nowSec - 299), now))).toBe('accepted');
  });

  it('when the header has other schemes and spaces, then only t and v1 are read', () => {
    expect(parseStripeSignature(`t=12, v1=${'a'.repeat(64)}, v0=zz`)).toEqual({ timestamp: 12, signatures: ['a'.repeat(64)] });
  });

  it('when the secret is not configured, then the provider is refused as not configured', () => {
    const none = createSignatureVerifiers({ toleranceSeconds: 300 });
    expect(reason(() => none.stripe(Buffer.from(body), signStripe(body, secret), now))).toBe('not_configured');
    expect(reason(() => none.twilio(Buffer.from(''), 'x', 'http://h/webhooks/twilio'))).toBe('not_configured');
    expect(reason(() => none.sendgrid(Buffer.from('[]'), 'x', String(nowSec), now))).toBe('not_configured');
  });
});

describe('Twilio signatures', () => {
  const url = 'https://webhooks.matchday.example.com/webhooks/twilio';
  const params = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+447700900123' };
  const form = Buffer.from(new URLSearchParams(params).toString());

  it('when the signature covers the full URL and fields, then the fields are returned', () => {
    expect(verifiers.twilio(form, signTwilio(url, params, 'twilio-token'), url)).toEqual(params);
  });

  it('when the URL the receiver rebuilt differs from the signed one, then it is refused', () => {
    expect(reason(() => verifiers.twilio(form, signTwilio(url, params, 'twilio-token'), 'https://other.example.com/webhooks/twilio'))).toBe('signature');
  });
});

describe('SendGrid signatures', () => {
  const events = JSON.stringify([{ sg_event_id: 'e1', event: 'delivered' }]);

  it('when the ECDSA signature covers timestamp and body, then it is accepted; an altered body is refused', () => {
    const ts = String(nowSec);
    const sig = signSendgrid(events, ts, keys.privateKey);
    expect(reason(() => verifiers.sendgrid(Buffer.from(events), sig, ts, now))).toBe('accepted');
    expect(reason(() => verifiers.sendgrid(Buffer.from(`${events} `), sig, ts, now))).toBe('signature');
    expect(reason(() => verifiers.sendgrid(Buffer.from(events), 'not-base64-der', ts, now))).toBe('signature');
  });

  it('when the signed timestamp is stale, then it is a timestamp rejection even with a valid signature', () => {
    const ts = String(nowSec - 3600);
    expect(reason(() => verifiers.sendgrid(Buffer.from(events), signSendgrid(events, ts, keys.privateKey), ts, now))).toBe('timestamp');
  });
});
