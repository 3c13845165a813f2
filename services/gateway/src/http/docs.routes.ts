import { dirname } from 'node:path';
import express, { Router } from 'express';
import type { OpenApiDocument } from './openapi-document';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Matchday API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

// A file rather than an inline script, so the page works under the default Content-Security-Policy.
const INIT = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`;

/**
 * The public API's document (`/v1/openapi.json`) and a page to read and try it (`/docs`), served
 * from the swagger-ui-dist package: nothing is loaded from a CDN.
 */
export function docsRoutes(doc: OpenApiDocument): Router {
  // Case-sensitive like the operation lookup: /V1/... is not /v1/....
  const router = Router({ caseSensitive: true, strict: false });
  const json = JSON.stringify(doc);
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));

  router.get('/v1/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.type('application/json').send(json);
  });
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use('/docs/assets', express.static(assets, { index: false, maxAge: '1d', fallthrough: true }));
  return router;
}
