import express from 'express';
import { upstreamFor } from '../domain/route-map';
import { loadOpenApiDocument, operationIndex, operationsOf } from './openapi-document';
import { loadValidators, validateRequests } from './validation';

const doc = loadOpenApiDocument();
const ops = operationsOf(doc);

/** Paths the gateway answers itself. */
const GATEWAY_PATHS = [
  '/v1/auth/token',
  '/.well-known/jwks.json',
  '/v1/openapi.json',
  '/v1/waiting-room/{matchId}',
  '/v1/waiting-room/{matchId}/join',
  '/v1/waiting-room/{matchId}/tickets/{ticketId}',
  '/v1/admin/dlq/{service}',
  '/v1/admin/dlq/{service}/replay',
  '/v1/admin/breakers/{service}',
  '/v1/admin/events/outbox/{service}',
  '/v1/admin/events/inbox/{service}',
  '/v1/admin/events/summary/{service}',
  '/v1/admin/rate-limits/{userId}',
];

describe('the public API document', () => {
  test('every operation is answered by the gateway itself or by exactly the service the route map names', () => {
    const orphans = ops.filter((op) => !GATEWAY_PATHS.includes(op.path) && upstreamFor(op.path.replace(/\{[^}]+\}/g, 'x')) === undefined);
    expect(orphans).toEqual([]);
    const shadowed = GATEWAY_PATHS.filter((p) => upstreamFor(p.replace(/\{[^}]+\}/g, 'x')) !== undefined);
    expect(shadowed).toEqual([]);
  });

  test('only the listed operations can be called without a token', () => {
    expect(ops.filter((op) => op.anonymous).map((op) => `${op.method} ${op.path}`).sort()).toEqual([
      'GET /.well-known/jwks.json',
      'GET /v1/matches',
      'GET /v1/matches/{matchId}',
      'GET /v1/matches/{matchId}/availability',
      'GET /v1/openapi.json',
      'POST /v1/auth/token',
    ]);
  });

  test('admin operations never accept fans, and every operation has an id', () => {
    for (const op of ops.filter((o) => o.path.startsWith('/v1/admin/'))) {
      expect(op.roles.length).toBeGreaterThan(0);
      expect(op.roles).not.toContain('fan');
    }
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
  });

  test('a request finds its operation; literal segments win over templated ones', () => {
    const { find, methodsAt } = operationIndex(ops);
    expect(find('GET', '/V1/ADMIN/BREAKERS/gateway')).toBeUndefined();
    expect(methodsAt('/v1/holds/h1')).toEqual(['GET', 'DELETE']);
    expect(find('POST', '/v1/admin/dlq/booking/replay')?.operationId).toBe('adminReplayDeadLetters');
    expect(find('GET', '/v1/waiting-room/m1/tickets/t1')?.operationId).toBe('getTicket');
    expect(find('HEAD', '/v1/matches')?.operationId).toBe('listMatches');
    expect(find('PATCH', '/v1/holds/h1')).toBeUndefined();
    expect(find('GET', '/v1/holds/h1/extra')).toBeUndefined();
  });
});

describe('the document as the validator sees it', () => {
  test('is a valid OpenAPI document the request validator loads', async () => {
    const app = express();
    await expect(loadValidators(app, validateRequests(doc))).resolves.toBeUndefined();
  });

  test('a broken document stops the start', async () => {
    const broken = structuredClone(doc);
    (broken.paths['/v1/holds'] as Record<string, unknown>).post = { responses: 'nope' };
    await expect(loadValidators(express(), validateRequests(broken))).rejects.toThrow(/apiDoc was invalid/);
  });
});
