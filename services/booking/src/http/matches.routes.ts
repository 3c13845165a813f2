import { Router } from 'express';
import { parsed, validate } from '@matchday/http';
import type { UseCases } from '../app/use-cases';
import { matchView } from '../app/views';
import { schemas } from './schemas';

/** Public reads (no identity needed): upcoming matches, one match, its availability (cached). */
export function matchesRoutes(uc: UseCases): Router {
  const r = Router();

  r.get('/v1/matches', validate(schemas.listMatches), async (_req, res) => {
    const { query } = parsed<typeof schemas.listMatches>(res);
    let after: { kickoffAt: Date; id: string } | undefined;
    if (query.after) {
      const [at, id] = Buffer.from(query.after, 'base64url').toString().split('|');
      if (at && id) after = { kickoffAt: new Date(at), id };
    }
    const matches = await uc.matches.list({ limit: query.limit, ...(after ? { after } : {}) });
    const last = matches[matches.length - 1];
    res.json({
      items: matches.map(matchView),
      next: matches.length === query.limit && last ? Buffer.from(`${last.kickoffAt.toISOString()}|${last.id}`).toString('base64url') : null,
    });
  });

  r.get('/v1/matches/:id', validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.json(matchView(await uc.matches.get(params.id)));
  });

  r.get('/v1/matches/:id/availability', validate(schemas.byId), async (_req, res) => {
    const { params } = parsed<typeof schemas.byId>(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.json(await uc.matches.availability(params.id));
  });

  return r;
}
