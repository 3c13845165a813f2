import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createHttpApp, parsed, validate } from '../src';
import { capturingLogger } from './helpers';

const listHolds = {
  params: z.object({ matchId: z.uuid() }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), status: z.enum(['active', 'expired']).optional() }),
  headers: z.object({ 'x-client': z.string().min(1) }),
};
const placeHold = {
  body: z.object({ quantity: z.number().int().min(1).max(8), note: z.string().trim().default('') }),
};
const matchId = '3f2b6c1e-9d4a-4b7e-8c21-7a6f0e9d1b2c';

function build() {
  return createHttpApp({
    serviceName: 'validate-test',
    logger: capturingLogger().logger,
    routes: (app) => {
      const router = express.Router();
      router.get('/matches/:matchId/holds', validate(listHolds), (req, res) => {
        const { params, query } = parsed<typeof listHolds>(res);
        res.json({ params, query, rawQuery: req.query });
      });
      router.post('/matches/:matchId/holds', validate(placeHold), (req, res) => {
        const { body } = parsed<typeof placeHold>(res);
        res.status(201).json({ body, reqBody: req.body });
      });
      router.get('/unvalidated', (_req, res) => {
        res.json(parsed(res));
      });
      app.use('/v1', router);
    },
  });
}

describe('validate', () => {
  it('when every part is valid, then handlers read parsed values with defaults and coercions applied', async () => {
    const res = await request(build()).get(`/v1/matches/${matchId}/holds?limit=5`).set('X-Client', 'web');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ params: { matchId }, query: { limit: 5 }, rawQuery: { limit: '5' } });
  });

  it('when a route sits in a mounted router, then its duration is recorded under the full route template', async () => {
    const app = build();
    await request(app).get(`/v1/matches/${matchId}/holds`).set('X-Client', 'web');
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/v1\/matches\/:matchId\/holds",http_response_status_code="200"\} [1-9]/,
    );
  });

  it('when the query is omitted, then its defaults apply', async () => {
    const res = await request(build()).get(`/v1/matches/${matchId}/holds`).set('X-Client', 'web');
    expect(res.body.query).toEqual({ limit: 20 });
  });

  it('when several parts are invalid, then one 400 problem lists every field with its part', async () => {
    const res = await request(build()).get('/v1/matches/not-a-uuid/holds?limit=500&status=gone');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('https://matchday.dev/problems/validation-failed');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['headers.x-client', 'params.matchId', 'query.limit', 'query.status'].sort(),
    );
    expect(res.body.errors.every((e: { message: string }) => e.message.length > 0)).toBe(true);
  });

  it('when the body is valid, then req.body is replaced by the parsed body', async () => {
    const res = await request(build()).post(`/v1/matches/${matchId}/holds`).send({ quantity: 2, note: '  hi  ', extra: 'dropped' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ body: { quantity: 2, note: 'hi' }, reqBody: { quantity: 2, note: 'hi' } });
  });

  it('when the body is invalid, then the problem points at the body field', async () => {
    const res = await request(build()).post(`/v1/matches/${matchId}/holds`).send({ quantity: 0 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body.quantity', message: expect.stringContaining('>=1') }]);
  });

  it('when the body is missing, then the problem says the body is required', async () => {
    const res = await request(build()).post(`/v1/matches/${matchId}/holds`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body', message: expect.any(String) }]);
  });

  it('when a route reads parsed values without validate, then it fails as a wiring bug (500)', async () => {
    const res = await request(build()).get('/v1/unvalidated');
    expect(res.status).toBe(500);
  });
});
