import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';

const SAMPLE = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));

let db: TestDatabase;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
  server = await startGraphqlServer(db.url);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

it('opens GraphiQL in a browser, runs a query and shows its result', async () => {
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (request) => failed.push(request.url()));
  const query = '{ authors(order_by: {id: asc}, limit: 1) { name books(limit: 1) { title } } }';
  await page.goto(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
  const result = page.locator('.graphiql-response');
  await expect.poll(async () => result.innerText(), { timeout: 20_000 }).toContain('"authors"');
  const text = await result.innerText();
  expect(text).toContain('"books"');
  expect(text).toContain('"title"');
  // everything came from the server itself: no CDN
  expect(failed).toEqual([]);
});
