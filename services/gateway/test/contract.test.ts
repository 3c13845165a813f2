import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadOpenApiDocument, operationsOf, type OpenApiDocument } from '../src/http/openapi-document';
import { upstreamFor, type UpstreamName } from '../src/domain/route-map';

/**
 * The gateway's document is the public API; each service documents what it serves in
 * services/<name>/openapi.yaml. These tests keep the two in step for every service that has a
 * document: what a service serves publicly is documented (and validated) at the gateway, and what
 * the gateway forwards to a service is something it serves.
 */
const SERVICES_DIR = join(__dirname, '..', '..');
const gateway = operationsOf(loadOpenApiDocument());

/** Served by each service but reached through the gateway's operations endpoints (`/v1/admin/{dlq,breakers,events/…}/{service}`). */
const OPERATIONS = [
  '/v1/admin/dlq',
  '/v1/admin/dlq/replay',
  '/v1/admin/breakers',
  '/v1/admin/events/outbox',
  '/v1/admin/events/inbox',
  '/v1/admin/events/summary',
];
/** Service-to-service routes, never public. */
const INTERNAL = ['/v1/fraud/payment-methods/validate'];

const shape = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;

const documented = readdirSync(SERVICES_DIR).filter((name) => name !== 'gateway' && existsSync(join(SERVICES_DIR, name, 'openapi.yaml')));

/**
 * A service's document, read as far as it can be: a YAML error in it is that service's to fix (and
 * is printed here), while its routes are still compared.
 */
function documentOf(name: string): OpenApiDocument {
  const parsed = parseDocument(readFileSync(join(SERVICES_DIR, name, 'openapi.yaml'), 'utf8'));
  if (parsed.errors.length > 0) console.warn(`services/${name}/openapi.yaml has YAML errors: ${parsed.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
  return parsed.toJS() as OpenApiDocument;
}

describe('the gateway document and the services’ documents', () => {
  test('at least one service documents its API', () => {
    expect(documented.length).toBeGreaterThan(0);
  });

  test.each(documented)('every public route %s serves is in the gateway document', (name) => {
    const doc = documentOf(name);
    const ours = new Set(gateway.map((op) => shape(op.method, op.path)));
    const missing = operationsOf(doc)
      .filter((op) => op.path.startsWith('/v1/') && !OPERATIONS.includes(op.path) && !INTERNAL.includes(op.path))
      .map((op) => shape(op.method, op.path))
      .filter((s) => !ours.has(s));
    expect(missing).toEqual([]);
  });

  test.each(documented)('every route the gateway forwards to %s is one it serves', (name) => {
    const doc = documentOf(name);
    const theirs = new Set(operationsOf(doc).map((op) => shape(op.method, op.path)));
    const unknown = gateway
      .filter((op) => upstreamFor(op.path.replace(/\{[^}]+\}/g, 'x')) === (name as UpstreamName))
      .map((op) => shape(op.method, op.path))
      .filter((s) => !theirs.has(s));
    expect(unknown).toEqual([]);
  });
});
