import { EventWebhook } from '@sendgrid/eventwebhook';
import { createHmac, timingSafeEqual } from 'node:crypto';
import twilio from 'twilio';
import { WebhookRejected, withinTolerance } from '../domain/webhook';

/**
 * Signature checks on the raw body: Twilio and SendGrid through their own libraries, Stripe's HMAC
 * scheme directly (tested against the Stripe SDK's signer). Each throws WebhookRejected
 * (signature, timestamp, not_configured) or returns normally; nothing is parsed or trusted before.
 */
export interface SignatureVerifiers {
  /** Stripe: HMAC-SHA256 keyed by the whsec_ secret over `t.body` (Stripe-Signature), then the timestamp's age either way. */
  stripe(rawBody: Buffer, signatureHeader: string | undefined, now: Date): void;
  /** Twilio: HMAC-SHA1 over the full URL plus the sorted form fields (X-Twilio-Signature); returns the fields. */
  twilio(rawBody: Buffer, signatureHeader: string | undefined, fullUrl: string): Record<string, string>;
  /** SendGrid: ECDSA P-256 over `timestamp + body`; the timestamp's age is checked here (the library does not). */
  sendgrid(rawBody: Buffer, signature: string | undefined, timestamp: string | undefined, now: Date): void;
}

export interface VerifierSecrets {
  stripeWebhookSecret?: string;
  twilioAuthToken?: string;
  /** Base64 DER (SPKI) verification key from SendGrid's settings. */
  sendgridPublicKey?: string;
  /** Largest accepted age of a signed timestamp, and largest skew into the future. */
  toleranceSeconds: number;
}

/** `t=<unix>,v1=<hex>[,v1=<hex>…]` (other schemes, such as v0, are ignored). */
export function parseStripeSignature(header: string): { timestamp: number; signatures: string[] } {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value);
  }
  return { timestamp, signatures };
}

export function createSignatureVerifiers(secrets: VerifierSecrets): SignatureVerifiers {
  const eventWebhook = new EventWebhook();
  const sendgridKey = secrets.sendgridPublicKey ? eventWebhook.convertPublicKeyToECDSA(secrets.sendgridPublicKey) : undefined;
  const tolerance = secrets.toleranceSeconds;

  return {
    stripe(rawBody, header, now) {
      const secret = secrets.stripeWebhookSecret;
      if (!secret) throw new WebhookRejected('stripe', 'not_configured', 'STRIPE_WEBHOOK_SECRET is not set');
      if (!header) throw new WebhookRejected('stripe', 'signature', 'Stripe-Signature header missing');
      const { timestamp, signatures } = parseStripeSignature(header);
      // Stripe's scheme (what stripe.webhooks.constructEvent checks): HMAC-SHA256 keyed by the whole
      // whsec_ secret over "<t>.<raw body>", any of the v1 entries may match. Computed over the body
      // bytes directly instead of through a string copy: this runs for every webhook of a storm.
      const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
      const matches = signatures.some((v1) => {
        const given = Buffer.from(v1, 'hex');
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!matches || !Number.isFinite(timestamp)) throw new WebhookRejected('stripe', 'signature', 'the signature does not match the body');
      if (!withinTolerance(timestamp, now, tolerance)) {
        throw new WebhookRejected('stripe', 'timestamp', 'the signed timestamp is outside the tolerance');
      }
    },

    twilio(rawBody, header, fullUrl) {
      const token = secrets.twilioAuthToken;
      if (!token) throw new WebhookRejected('twilio', 'not_configured', 'TWILIO_AUTH_TOKEN is not set');
      if (!header) throw new WebhookRejected('twilio', 'signature', 'X-Twilio-Signature header missing');
      const params: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) params[k] = v;
      // Twilio signs no timestamp: replays of a valid callback are absorbed by the dedupe key.
      if (!twilio.validateRequest(token, header, fullUrl, params)) {
        throw new WebhookRejected('twilio', 'signature', 'the signature does not match the URL and fields');
      }
      return params;
    },

    sendgrid(rawBody, signature, timestamp, now) {
      if (!sendgridKey) throw new WebhookRejected('sendgrid', 'not_configured', 'SENDGRID_WEBHOOK_PUBLIC_KEY is not set');
      if (!signature || !timestamp) throw new WebhookRejected('sendgrid', 'signature', 'signature or timestamp header missing');
      let valid: boolean;
      try {
        valid = eventWebhook.verifySignature(sendgridKey, rawBody, signature, timestamp);
      } catch {
        valid = false;
      }
      if (!valid) throw new WebhookRejected('sendgrid', 'signature', 'the signature does not match the body');
      if (!/^\d+$/.test(timestamp) || !withinTolerance(Number(timestamp), now, tolerance)) {
        throw new WebhookRejected('sendgrid', 'timestamp', 'the signed timestamp is outside the tolerance');
      }
    },
  };
}
