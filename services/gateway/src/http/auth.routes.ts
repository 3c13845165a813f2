import { Router } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import type { DevIssuer } from '../app/ports';
import type { makeIssueDevToken } from '../app/issue-dev-token.use-case';
import type { Role } from '../domain/identity';

interface TokenRequest {
  userId: string;
  roles?: Role[];
  deviceId?: string;
  email?: string;
  ttlSeconds?: number;
}

/** The development issuer: tokens for local use and its public keys. The body was validated against the document. */
export function authRoutes(deps: { issueDevToken: ReturnType<typeof makeIssueDevToken>; devIssuer: DevIssuer | undefined }): Router {
  // Case-sensitive like the operation lookup: /V1/... is not /v1/....
  const router = Router({ caseSensitive: true, strict: false });
  router.post('/v1/auth/token', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await deps.issueDevToken(req.body as TokenRequest));
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    if (!deps.devIssuer) throw new HttpProblem(404, 'Not found', 'The development issuer is off.', { type: problemType('not-found') });
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(deps.devIssuer.jwks());
  });
  return router;
}
