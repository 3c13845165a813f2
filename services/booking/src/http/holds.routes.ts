import { Router, type RequestHandler } from 'express';
import { isDomainError } from '@matchday/contracts';
import { HttpProblem, parsed, problem, problemType, validate } from '@matchday/http';
import type { UseCases } from '../app/use-cases';
import { holdView } from '../app/views';
import type { Clock } from '../app/ports';
import { errorStatus } from './errors';
import { callerOf, requireUser } from './identity';
import { schemas } from './schemas';

const TITLES = { SOLD_OUT: 'Sold out', MATCH_NOT_ON_SALE: 'Match not on sale', MATCH_NOT_FOUND: 'Match not found' } as const;

export function holdsRoutes(uc: UseCases, deps: { idempotency: RequestHandler; clock: Clock }): Router {
  const r = Router();

  /** 201 with a new hold; 200 with the caller's existing active hold on the match (another device, a retry). */
  r.post('/v1/holds', requireUser, deps.idempotency, validate(schemas.placeHold), async (_req, res) => {
    const caller = callerOf(res);
    const { body } = parsed<typeof schemas.placeHold>(res);
    let result;
    try {
      result = await uc.placeHold({
        userId: caller.userId,
        matchId: body.matchId,
        quantity: body.quantity,
        sessionId: caller.sessionId,
        deviceId: caller.deviceId,
      });
    } catch (err) {
      if (isDomainError(err) && err.code === 'HOLD_IN_PROGRESS') {
        throw new HttpProblem(409, 'Hold in progress', err.message, { code: err.code, type: problemType(err.code), headers: { 'Retry-After': '1' } });
      }
      throw err;
    }
    if (result.refused) {
      const { code, message, details } = result.refused;
      return problem(res, errorStatus[code], TITLES[code], message, { code, ...(Object.keys(details).length > 0 ? { details } : {}) });
    }
    if (result.created) res.status(201).location(`/v1/holds/${result.hold.id}`);
    return res.json(holdView(result.hold, deps.clock.now()));
  });

  r.get('/v1/holds/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(holdView(await uc.getHold(callerOf(res).userId, params.id), deps.clock.now()));
  });

  r.delete('/v1/holds/:id', requireUser, validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(holdView(await uc.releaseHold(callerOf(res).userId, params.id), deps.clock.now()));
  });

  return r;
}

