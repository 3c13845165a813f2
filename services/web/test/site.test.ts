import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createLogger, metricsText } from '@matchday/observability';
import { loadWebConfig } from '../src/config';
import { buildService } from '../src/service';

const logger = createLogger({ service: 'web', level: 'error' });

function builtClient(): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Matchday</title><div id="app"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  return dir;
}

describe('web server', () => {
  const dir = builtClient();
  const config = loadWebConfig({
    STATIC_DIR: dir,
    GATEWAY_URL: 'http://api.matchday.test:8080/',
    JAEGER_URL: 'http://jaeger.test:16686',
  });
  const { app } = buildService(config, { logger });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when the client starts, then /config.json tells it the gateway and dashboard origins, never cached', async () => {
    const res = await request(app).get('/config.json').expect(200);
    expect(res.body).toEqual({
      gatewayUrl: 'http://api.matchday.test:8080',
      grafanaUrl: 'http://127.0.0.1:3000',
      jaegerUrl: 'http://jaeger.test:16686',
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when a page is opened, then index.html comes with a policy that lets scripts load only from here and calls go only to the gateway', async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.text).toContain('<div id="app">');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://api.matchday.test:8080");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('when a deep page path is opened, then the same client page answers', async () => {
    const res = await request(app).get('/ops/fraud').expect(200);
    expect(res.text).toContain('<div id="app">');
  });

  it('when a hashed asset is fetched, then it is cached for a year', async () => {
    const res = await request(app).get('/assets/index-abc123.js').expect(200);
    expect(res.headers['cache-control']).toContain('max-age=31536000');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('when a file that does not exist is asked for, then the answer is a 404 problem, not the page', async () => {
    const res = await request(app).get('/assets/missing.js').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('when a browser reports an uncaught error, then it is counted', async () => {
    await request(app)
      .post('/client-errors')
      .send({ kind: 'error', message: 'x is undefined', route: '#/holds/h1' })
      .expect(204);
    expect(await metricsText()).toMatch(/web_client_errors_total\{kind="error"\} [1-9]/);
  });

  it('when a report is malformed, then it is refused with a problem', async () => {
    const res = await request(app).post('/client-errors').send({ kind: 'nonsense' }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('when the client was built, then the server is ready', async () => {
    await request(app).get('/health/ready').expect(200);
    await request(app).get('/health/live').expect(200);
  });
});

describe('web server without a built client', () => {
  const dirs: string[] = [];
  const emptyDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-empty-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('when a production server starts without the build output, then it stays not ready and pages answer 503 (counted)', async () => {
    const service = buildService(loadWebConfig({ STATIC_DIR: emptyDir(), NODE_ENV: 'production' }), {
      logger,
    });
    await service.start();
    await request(service.app).get('/health/ready').expect(503);
    const res = await request(service.app).get('/').expect(503);
    expect(res.text).toMatch(/not been built/);
    expect(await metricsText()).toMatch(/web_client_build_missing_total [1-9]/);
  });

  it('when a development server starts without the build output, then it builds the client and becomes ready', async () => {
    const dir = join(emptyDir(), 'client');
    const service = buildService(loadWebConfig({ STATIC_DIR: dir, NODE_ENV: 'development' }), { logger });
    await request(service.app).get('/health/ready').expect(503);
    await service.start();
    await request(service.app).get('/health/ready').expect(200);
    const page = await request(service.app).get('/').expect(200);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    await request(service.app).get(script!).expect(200);
    expect(await metricsText()).toMatch(/web_client_builds_total\{outcome="built"\} 1/);
  }, 60_000);
});
