import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { TokenError, type DevIssuer, type TokenService } from '../app/ports';
import { deviceIdOrUndefined, parseRoles } from '../domain/identity';



export interface TokenServiceOptions {
  issuer: string;
  audience: string;
  rolesClaim: string;
  clockToleranceSeconds: number;
  devIssuer: boolean;
  devPrivateJwk?: string;
  devTokenTtlSeconds: number;
  jwksUrl?: string;
}

/** The user ids the services accept in X-User-Id. */
const SUBJECT_RE = /^[A-Za-z0-9._:@|-]{1,100}$/;
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

async function devKeys(privateJwk: string | undefined): Promise<{ privateKey: CryptoKey; publicJwk: JWK; alg: string }> {
  if (privateJwk) {
    const jwk = JSON.parse(privateJwk) as JWK;
    const alg = jwk.alg ?? 'ES256';
    const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
    return { privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, alg };
  }
  // One key per process: fine for local development (one gateway); replicas share AUTH_DEV_PRIVATE_JWK.
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, alg: 'ES256' };
}

function translate(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof errors.JWTExpired) return new TokenError('TOKEN_EXPIRED', 'The token has expired.');
  // The identity provider's key set could not be had (down, slow, answering errors or garbage):
  // the token may be fine, so this is an outage, not a refusal.
  const keySetUnavailable =
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC' && err.message.includes('JSON Web Key Set')) ||
    (err instanceof TypeError && /fetch/i.test(err.message));
  if (keySetUnavailable) {
    return new TokenError('IDENTITY_PROVIDER_UNAVAILABLE', 'The keys of the identity provider cannot be fetched.');
  }
  if (err instanceof errors.JWTClaimValidationFailed) return new TokenError('TOKEN_INVALID', `The token's ${err.claim} claim is not acceptable.`);
  return new TokenError('TOKEN_INVALID', 'The token is not valid.');
}

/** JWT verification with `jose`: the development issuer's key and/or the identity provider's JWKS. */
export async function createTokenService(opts: TokenServiceOptions): Promise<TokenService> {
  const resolvers: JWTVerifyGetKey[] = [];
  let devIssuer: DevIssuer | undefined;

  if (opts.devIssuer) {
    const { privateKey, publicJwk, alg } = await devKeys(opts.devPrivateJwk);
    const jwks = { keys: [publicJwk] };
    resolvers.push(createLocalJWKSet(jwks));
    devIssuer = {
      jwks: () => jwks,
      async issue(claims, ttlSeconds = opts.devTokenTtlSeconds) {
        const token = await new SignJWT({
          [opts.rolesClaim]: claims.roles,
          ...(claims.deviceId ? { did: claims.deviceId } : {}),
          ...(claims.email ? { email: claims.email } : {}),
        })
          .setProtectedHeader({ alg, kid: publicJwk.kid!, typ: 'JWT' })
          .setSubject(claims.userId)
          .setIssuer(opts.issuer)
          .setAudience(opts.audience)
          .setIssuedAt()
          .setExpirationTime(`${ttlSeconds}s`)
          .sign(privateKey);
        return { token, expiresIn: ttlSeconds };
      },
    };
  }
  if (opts.jwksUrl) resolvers.push(createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30000 }));

  const getKey: JWTVerifyGetKey = async (header, token) => {
    let last: unknown;
    for (const resolve of resolvers) {
      try {
        return await resolve(header, token);
      } catch (err) {
        last = err;
      }
    }
    throw last ?? new errors.JWKSNoMatchingKey();
  };

  return {
    devIssuer,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, getKey, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: ALGORITHMS,
          clockTolerance: opts.clockToleranceSeconds,
          requiredClaims: ['sub', 'exp'],
        });
        // The subject travels to the services in X-User-Id: it must be a plain header value.
        if (!SUBJECT_RE.test(payload.sub ?? '')) throw new TokenError('TOKEN_INVALID', 'The subject of the token is not acceptable.');
        const email = typeof payload.email === 'string' ? payload.email : undefined;
        const deviceId = deviceIdOrUndefined(payload.did);
        return {
          userId: payload.sub!,
          roles: parseRoles(claimAt(payload, opts.rolesClaim)),
          ...(deviceId ? { deviceId } : {}),
          ...(email ? { email } : {}),
        };
      } catch (err) {
        throw translate(err);
      }
    },
  };
}
