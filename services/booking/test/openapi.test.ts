import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parse } from 'yaml';
import { loadBookingConfig } from '../src/config';
import { buildService, type BookingService } from '../src/service';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (METHOD, /path/{param}) the express app serves. */
function servedRoutes(service: BookingService): Set<string> {
  const out = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          out.add(`${method.toUpperCase()} ${layer.route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((service.app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describe('the OpenAPI document', () => {
  const file = join(__dirname, '..', 'openapi.yaml');
  let service: BookingService;

  beforeAll(() => {
    service = buildService(loadBookingConfig({ LOG_LEVEL: 'error', SWEEPER_ENABLED: 'false' }));
  });

  afterAll(async () => {
    await service.stop();
  });

  it('when validated, then it is a valid OpenAPI 3.1 document with every reference resolving', async () => {
    const api = await SwaggerParser.validate(file);
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('when compared with the routes the service serves, then each one is documented and nothing else is', () => {
    const doc = parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect([...servedRoutes(service)].sort()).toEqual([...documented].sort());
  });

  it('when a POST is documented, then it requires an Idempotency-Key', () => {
    const doc = parse(readFileSync(file, 'utf8')) as { paths: Record<string, { post?: { parameters?: Array<{ $ref?: string }> } }> };
    const missing = Object.entries(doc.paths)
      .filter(([, ops]) => ops.post && !(ops.post.parameters ?? []).some((p) => p.$ref === '#/components/parameters/IdempotencyKey'))
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });
});
