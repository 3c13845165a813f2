import { Router, type Request, type Response } from 'express';
import { HttpProblem, problemType } from '@matchday/http';
import type { Upstreams } from '../adapters/upstreams';
import type { makeAdmitHold } from '../app/admit-hold.use-case';
import type { makeHandleConcurrentSessions } from '../app/handle-concurrent-sessions.use-case';
import { upstreamFor } from '../domain/route-map';
import { UNKNOWN_DEVICE } from '../domain/sessions';
import { gatewayContext } from './context';
import { forward } from './forward';

export interface ProxyDeps {
  upstreams: Upstreams;
  admitHold: ReturnType<typeof makeAdmitHold>;
  sessions: ReturnType<typeof makeHandleConcurrentSessions>;
}

const joinUrl = (matchId: string) => `/v1/waiting-room/${encodeURIComponent(matchId)}/join`;

/**
 * Everything the services answer, forwarded path for path (domain/route-map.ts). A hold on a hot
 * match needs a waiting-room admission first; changes to a user's holds and bookings run one at a
 * time across the user's devices.
 */
export function proxyRoutes(deps: ProxyDeps): Router {
  // Case-sensitive like the operation lookup: /V1/... is not /v1/....
  const router = Router({ caseSensitive: true, strict: false });
  router.use(async (req: Request, res: Response, next) => {
    const upstream = upstreamFor(req.path);
    const ctx = gatewayContext(res);
    if (!upstream || !ctx.operation) return next();

    let admission: Awaited<ReturnType<typeof deps.admitHold>> | undefined;
    const matchId = typeof (req.body as { matchId?: unknown } | undefined)?.matchId === 'string' ? (req.body as { matchId: string }).matchId : undefined;
    if (ctx.operation.operationId === 'placeHold' && ctx.identity && matchId) {
      admission = await deps.admitHold({ matchId, userId: ctx.identity.userId, admissionToken: req.get('x-admission-token') });
      if (admission.kind === 'missing' || admission.kind === 'invalid') {
        const missing = admission.kind === 'missing';
        throw new HttpProblem(
          missing ? 428 : 403,
          missing ? 'Admission required' : 'Admission not valid',
          missing
            ? 'This match is in high demand: join its waiting room, wait for your turn, then send the admission as X-Admission-Token.'
            : 'The admission is unknown, expired, already used, or for another user or match: join the waiting room again.',
          {
            type: problemType(missing ? 'admission-required' : 'admission-invalid'),
            matchId,
            joinUrl: joinUrl(matchId),
            headers: { Link: `<${joinUrl(matchId)}>; rel="waiting-room"` },
          },
        );
      }
    }

    const send = () => forward(deps.upstreams, upstream, req, res);
    const outcome =
      ctx.operation.sessionMutation && ctx.identity && ctx.session
        ? await deps.sessions.exclusive(
            { userId: ctx.identity.userId, deviceId: ctx.deviceId ?? UNKNOWN_DEVICE, session: ctx.session, ...(matchId ? { matchId } : {}) },
            send,
          )
        : await send();

    if (admission?.kind === 'admitted' && outcome.kind === 'response' && outcome.response.status < 300) {
      await admission.consume().catch((err: unknown) => req.log.warn('admission not marked as used', { err }));
    }
  });
  return router;
}
