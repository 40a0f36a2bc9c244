/**
 * Swagger UI in a real browser (headless Chromium), on the real server over Pagila: the page,
 * its assets and the OpenAPI document; "Try it out" → "Execute" on GET /language runs the real
 * REST handler and shows the rows in the response panel.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

let db: TestDatabase;
let server: RunningServer;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startTestServer(db.url, { mounts: [restMounts] });
  origin = server.url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
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
  expect(JSON.parse(text)).toMatchObject({ openapi: '3.1.0', servers: [{ url: '/rest' }] });
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

it('shows the API in Swagger UI, runs GET /language with "Try it out" and shows the rows', async () => {
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
    await expect.poll(() => page.locator('.info .title').innerText(), { timeout: 15_000 }).toContain('pgduet REST API');
    const languageOps = page.locator('.opblock-summary-path[data-path="/language"]');
    expect(await languageOps.count()).toBe(5);

    const get = page.locator('.opblock.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/language"]') });
    await get.locator('.opblock-summary').first().click();
    // tryItOutEnabled opens operations in "try it out" mode; click it only if it is not
    const tryIt = get.locator('.try-out__btn');
    if ((await tryIt.innerText()).trim() === 'Try it out') await tryIt.click();
    await get.locator('button.execute').click();

    const body = get.locator('.live-responses-table .response-col_description .highlight-code');
    await expect.poll(() => body.innerText(), { timeout: 15_000 }).toContain('Mandarin');
    expect(await body.innerText()).toContain('Japanese');
    expect(await get.locator('.live-responses-table .response .response-col_status').first().innerText()).toContain('200');
    // no filter or preference was filled in for the user: a plain GET of the real handler
    expect(requested.filter((url) => url.includes('/rest/language'))).toEqual([`${origin}/rest/language`]);
  } finally {
    await page.close();
  }
  // everything came from the test's server: no CDN, no validator badge, no font service
  const foreign = requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
  expect(foreign).toEqual([]);
  expect(failed).toEqual([]);
  expect(problems).toEqual([]);
});
