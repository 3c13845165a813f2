// http_ece (RFC 8188 encrypted content encoding, the library web-push encrypts with) ships no types.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export interface EceParams {
    version?: 'aes128gcm' | 'aesgcm';
    /** The receiver's ECDH key (Web Push: the subscription's p256dh pair). */
    privateKey?: ECDH;
    /** base64url of the subscription's 16-byte auth secret. */
    authSecret?: string;
    dh?: string;
    keyid?: string;
    rs?: number;
  }

  export function decrypt(buffer: Buffer, params: EceParams): Buffer;
  export function encrypt(buffer: Buffer, params: EceParams): Buffer;
}
