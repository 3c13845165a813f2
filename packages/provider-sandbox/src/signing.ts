import {
  createHmac,
  generateKeyPairSync,
  sign as cryptoSign,
  createPrivateKey,
  createPublicKey,
} from 'node:crypto';

/**
 * `Stripe-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 keyed by the whole whsec_ secret
 * over "<t>.<payload>">`, exactly what `stripe.webhooks.constructEvent` verifies.
 */
export function signStripe(
  payload: string,
  secret: string,
  timestampSec = Math.floor(Date.now() / 1000),
): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSec}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSec},v1=${v1}`;
}

/**
 * `X-Twilio-Signature`: base64 HMAC-SHA1 keyed by the auth token over the full URL followed by every
 * POST parameter as key+value, keys sorted; what `twilio.validateRequest` verifies.
 */
export function signTwilio(url: string, params: Record<string, string>, authToken: string): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * `X-Twilio-Email-Event-Webhook-Signature`: base64 DER ECDSA P-256/SHA-256 signature over
 * `timestamp + body`; what `@sendgrid/eventwebhook`'s `verifySignature` checks.
 */
export function signSendgrid(body: string, timestamp: string, privateKeyPem: string): string {
  return cryptoSign('sha256', Buffer.from(timestamp + body, 'utf8'), {
    key: privateKeyPem,
    dsaEncoding: 'der',
  }).toString('base64');
}

export interface SendgridKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** Base64 DER SubjectPublicKeyInfo, as SendGrid's settings page shows the verification key. */
  publicKey: string;
}

export function generateSendgridKeyPair(): SendgridKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** Public key (base64 DER) belonging to a PEM private key, for a key pair passed in from outside. */
export function sendgridPublicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem))
    .export({ type: 'spki', format: 'der' })
    .toString('base64');
}
