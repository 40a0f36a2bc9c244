/**
 * Swagger UI in a real browser (headless Chromium): the page, its assets and the OpenAPI
 * document of Pagila come from docsMount and openApiMount behind the server's own request
 * listener; "Try it out" → "Execute" on GET /film shows the rows in the response panel.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { introspect } from '../../src/introspection/index.js';
import { buildTypeGraph, type TypeGraph } from '../../src/model/index.js';
import { docsMount, openApiMount } from '../../src/rest/docs.js';
import { renderOpenApi } from '../../src/rest/openapi/index.js';
import { createMetrics, createRequestListener, GraphHolder, InFlight, sendJson, type Mount } from '../../src/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase } from '../support/database.js';

/**
 * A stand-in for the REST handler, which is being written in issue 4: it answers GET /rest/film
 * with fixed rows. TODO(issue 4): mount the real REST handler and drop this.
 */
const STAND_IN_FILMS = [
  { film_id: 1, title: 'ACADEMY DINOSAUR', rating: 'PG' },
  { film_id: 2, title: 'ACE GOLDFINGER', rating: 'G' },
];

let graph: TypeGraph;
let server: Server;
let origin: string;
let browser: Browser;
const standInRequests: { url: string; prefer: string | undefined }[] = [];

beforeAll(async () => {
  // the database is only needed for the graph: dropped before the browser starts
  const db = await createTestDatabase({ pagila: true });
  try {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { catalog, fingerprint } = await introspect(client, ['public']);
      graph = buildTypeGraph(catalog, fingerprint).graph;
    } finally {
      await client.end();
    }
  } finally {
    await db.drop();
  }

  const standIn: Mount = {
    name: 'rest',
    protocol: 'rest',
    path: '/rest',
    prefix: true,
    handler: (req, res) => {
      const url = req.url ?? '';
      if (req.method !== 'GET' || !/^\/rest\/film(\?|$)/.test(url)) {
        sendJson(res, 404, { code: 'PGRST205', message: 'stand-in: only GET /rest/film', details: null, hint: null });
        return;
      }
      const prefer = req.headers['prefer'];
      standInRequests.push({ url, prefer: Array.isArray(prefer) ? prefer.join(',') : prefer });
      res.setHeader('Content-Range', `0-${STAND_IN_FILMS.length - 1}/*`);
      sendJson(res, 200, STAND_IN_FILMS);
    },
  };
  const mounts: Mount[] = [
    docsMount({ path: '/docs', openApiUrl: '/openapi.json', title: 'Pagila API' }),
    openApiMount({
      path: '/openapi.json',
      render: (ctx) => renderOpenApi(ctx.snapshot.graph, { title: 'Pagila over pgduet', version: '1.0.0', serverUrl: `${origin}/rest` }),
    }),
    standIn,
  ];
  const holder = new GraphHolder(graph, () => Promise.resolve({ graph, warnings: [] }));
  server = createServer(createRequestListener({ mounts, logger: pino({ level: 'silent' }), metrics: createMetrics(), holder, inFlight: new InFlight() }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
});

it('serves the page, its assets and the document with the right headers, and nothing outside the allow-list', async () => {
  const page = await fetch(`${origin}/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  const html = await page.text();
  expect(html).not.toMatch(/https?:\/\//);
  expect(html).not.toMatch(/<script>/);
  const bundle = /src="([^"]*swagger-ui-bundle\.js)"/.exec(html)?.[1];
  expect(bundle).toMatch(/^\/docs\/[0-9.]+\/swagger-ui-bundle\.js$/);

  const js = await fetch(`${origin}${bundle ?? ''}`);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.headers.get('cache-control')).toContain('immutable');
  const etag = js.headers.get('etag') ?? '';
  expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  expect((await fetch(`${origin}${bundle ?? ''}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
  const css = await fetch(`${origin}${(bundle ?? '').replace('swagger-ui-bundle.js', 'swagger-ui.css')}`);
  expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');

  const init = await (await fetch(`${origin}/docs/initializer.js`)).text();
  expect(init).toContain('"/openapi.json"');
  expect(init).toContain('tryItOutEnabled: true');

  const doc = await fetch(`${origin}/openapi.json`);
  expect(doc.headers.get('content-type')).toBe('application/openapi+json; charset=utf-8');
  const text = await doc.text();
  expect(JSON.parse(text)).toMatchObject({ openapi: '3.1.0', servers: [{ url: `${origin}/rest` }] });
  // rendered once per graph: the same bytes, the same ETag
  const again = await fetch(`${origin}/openapi.json`);
  expect(again.headers.get('etag')).toBe(doc.headers.get('etag'));
  expect(await again.text()).toBe(text);
  expect((await fetch(`${origin}/openapi.json`, { method: 'HEAD' })).headers.get('content-length')).toBe(String(Buffer.byteLength(text)));

  const version = /^\/docs\/([^/]+)\//.exec(bundle ?? '')?.[1] ?? '';
  for (const probe of [
    `/docs/${version}/package.json`,
    `/docs/${version}/swagger-initializer.js`,
    `/docs/${version}/..%2F..%2Fpackage.json`,
    `/docs/${version}/../../../etc/passwd`,
    `/docs/swagger-ui-bundle.js`,
    `/docs/0.0.0/swagger-ui-bundle.js`,
  ]) {
    expect([probe, (await fetch(`${origin}${probe}`)).status]).toEqual([probe, 404]);
  }
  expect((await fetch(`${origin}/docs`, { method: 'POST' })).status).toBe(405);
});

it('shows the API in Swagger UI, runs GET /film with "Try it out" and shows the rows', async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  const failed: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfailed', (request) => failed.push(request.url()));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  try {
    await page.goto(`${origin}/docs`);
    await expect.poll(() => page.locator('.info .title').innerText(), { timeout: 15_000 }).toContain('Pagila over pgduet');
    const filmOps = page.locator('.opblock-summary-path[data-path="/film"]');
    expect(await filmOps.count()).toBe(5);

    const get = page.locator('.opblock.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/film"]') });
    await get.locator('.opblock-summary').first().click();
    // tryItOutEnabled opens operations in "try it out" mode; click it only if it is not
    const tryIt = get.locator('.try-out__btn');
    if ((await tryIt.innerText()).trim() === 'Try it out') await tryIt.click();
    await get.locator('button.execute').click();

    const body = get.locator('.live-responses-table .response-col_description .highlight-code');
    await expect.poll(() => body.innerText(), { timeout: 15_000 }).toContain('ACADEMY DINOSAUR');
    expect(await body.innerText()).toContain('ACE GOLDFINGER');
    expect(await get.locator('.live-responses-table .response .response-col_status').first().innerText()).toContain('200');
    // no filter or preference was filled in for the user: a plain GET
    expect(standInRequests.at(-1)).toEqual({ url: '/rest/film', prefer: undefined });
  } finally {
    await page.close();
  }
  // everything came from the test's server: no CDN, no validator badge, no font service
  const foreign = requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
  expect(foreign).toEqual([]);
  expect(failed).toEqual([]);
  expect(problems).toEqual([]);
});
