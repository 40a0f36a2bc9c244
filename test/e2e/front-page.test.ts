import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphqlMount, sdlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

const SAMPLE = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));

let db: TestDatabase;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
  server = await startTestServer(db.url, { mounts: [graphqlMount, sdlMount, restMounts] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

it('renders the front page in a browser, with no CSP violation, and its links lead to GraphiQL, Swagger UI and the SDL', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  await page.goto(`${server.url}/`);
  await expect.poll(() => page.title()).toMatch(/^pgduet \d+\.\d+\.\d+/);
  expect(await page.locator('#fingerprint').innerText()).toBe(server.holder.current.graph.fingerprint);
  // the inline style is allowed by its hash: the page is styled, not blocked
  expect(await page.locator('body').evaluate((body) => getComputedStyle(body).maxWidth)).not.toBe('none');
  // nothing failed on the page itself: no 404 (a favicon), no CSP report
  await page.waitForLoadState('networkidle');
  expect(problems).toEqual([]);

  await page.getByRole('link', { name: 'GraphiQL' }).click();
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  expect(new URL(page.url()).pathname).toBe('/graphql');

  await page.goBack();
  await page.getByRole('link', { name: 'Swagger UI' }).click();
  await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
  expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('pgduet REST API');

  await page.goBack();
  await page.getByRole('link', { name: 'GraphQL schema (SDL)' }).click();
  expect(await page.locator('body').innerText()).toContain('type authors {');
}, 120_000);
