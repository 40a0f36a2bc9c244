/**
 * CORS in a real browser (headless Chromium): a page served from one origin calls `/rest` on
 * another, with the headers postgrest-js and supabase-js send (which make the browser ask a
 * preflight first), and reads the headers PostgREST exposes. A server restricted to a list of
 * origins answers a listed page and leaves an unlisted one without the headers, so the browser
 * refuses it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startRestServer } from '../support/rest.js';

let db: TestDatabase;
let open: RunningServer;
let restricted: RunningServer;
let pages: Server;
let pagePort: number;
let browser: Browser;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  pages = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>app</title><p>an app on another origin</p>');
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagePort = (pages.address() as AddressInfo).port;
  open = await startRestServer(db.url, { mounts: [graphqlMount] });
  restricted = await startRestServer(db.url, { config: { cors: { origins: [`http://127.0.0.1:${pagePort}`] } } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await open?.close();
  await restricted?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await db?.drop();
});

interface PageAnswer {
  readonly ok: boolean;
  readonly status?: number;
  readonly contentRange?: string | null;
  readonly location?: string | null;
  readonly preferenceApplied?: string | null;
  readonly body?: unknown;
  readonly error?: string;
}

/** Runs `fetch` inside a page loaded from `pageOrigin`, against `url`, as postgrest-js would. */
async function fetchFromPage(pageOrigin: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<PageAnswer> {
  const page = await browser.newPage();
  try {
    await page.goto(`${pageOrigin}/`);
    return await page.evaluate(
      async ({ url, init }) => {
        try {
          const answer = await fetch(url, init);
          const text = await answer.text();
          return {
            ok: true,
            status: answer.status,
            contentRange: answer.headers.get('content-range'),
            location: answer.headers.get('location'),
            preferenceApplied: answer.headers.get('preference-applied'),
            body: text === '' ? null : (JSON.parse(text) as unknown),
          };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { url, init },
    );
  } finally {
    await page.close();
  }
}

const clientHeaders = {
  apikey: 'anon-key',
  'x-client-info': 'postgrest-js/1.0.0',
  'Accept-Profile': 'public',
  Prefer: 'count=exact',
  Range: '0-1',
};

describe('a page on one origin, /rest on another', () => {
  it('reads with a preflight and sees Content-Range', async () => {
    const answer = await fetchFromPage(`http://127.0.0.1:${pagePort}`, `${open.url}/rest/language?select=name&order=language_id`, { method: 'GET', headers: clientHeaders });
    expect(answer).toMatchObject({ ok: true, status: 206, contentRange: '0-1/6' });
    expect((answer.body as { name: string }[]).map((l) => l.name.trim())).toEqual(['English', 'Italian']);
  });

  it('writes with Prefer: return=headers-only and sees Location and Preference-Applied', async () => {
    const answer = await fetchFromPage(`http://127.0.0.1:${pagePort}`, `${open.url}/rest/language`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'return=headers-only, missing=default', 'Content-Profile': 'public' },
      body: JSON.stringify({ name: 'Klingon' }),
    });
    expect(answer).toMatchObject({ ok: true, status: 201, preferenceApplied: 'return=headers-only, missing=default' });
    expect(answer.location).toMatch(/^\/rest\/language\?language_id=eq\.\d+$/);
  });

  it('a listed origin is answered; an unlisted one is refused by the browser', async () => {
    const url = `${restricted.url}/rest/language?select=name&limit=1`;
    const listed = await fetchFromPage(`http://127.0.0.1:${pagePort}`, url, { method: 'GET', headers: clientHeaders });
    expect(listed).toMatchObject({ ok: true, status: 206 });
    const unlisted = await fetchFromPage(`http://localhost:${pagePort}`, url, { method: 'GET', headers: clientHeaders });
    expect(unlisted.ok).toBe(false);
    expect(unlisted.error).toContain('Failed to fetch');
  });
});

describe('the headers themselves', () => {
  it('a preflight lists the methods and allows the headers clients send', async () => {
    const answer = await fetch(`${open.url}/rest/film`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization, x-custom, prefer' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD');
    const allowed = (answer.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(', ');
    for (const header of ['authorization', 'apikey', 'prefer', 'range', 'accept-profile', 'content-profile', 'x-client-info', 'content-type', 'x-custom']) expect(allowed).toContain(header);
    expect(answer.headers.get('access-control-max-age')).toBe('86400');
  });

  it('an actual request exposes Content-Range, Content-Location, Location and Preference-Applied', async () => {
    const answer = await fetch(`${open.url}/rest/language?limit=1`, { headers: { Origin: 'http://app.example' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = (answer.headers.get('access-control-expose-headers') ?? '').split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['Content-Range', 'Content-Location', 'Location', 'Preference-Applied']));
  });

  it('no Origin, no CORS headers; a plain OPTIONS is still the Allow answer', async () => {
    const plain = await fetch(`${open.url}/rest/language?limit=1`);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const options = await fetch(`${open.url}/rest/language`, { method: 'OPTIONS' });
    expect(options.headers.get('allow')).toContain('GET');
  });

  it('an unlisted origin gets no Access-Control headers, a listed one its own origin', async () => {
    const unlisted = await fetch(`${restricted.url}/rest/language?limit=1`, { headers: { Origin: 'http://evil.example' } });
    expect(unlisted.status).toBe(200);
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await fetch(`${restricted.url}/rest/language?limit=1`, { headers: { Origin: `http://127.0.0.1:${pagePort}` } });
    expect(listed.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${pagePort}`);
  });

  it('GraphQL uses the same implementation with Hasura\'s answer: the origin echoed, with credentials', async () => {
    const preflight = await fetch(`${open.url}/graphql`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-hasura-role' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-hasura-role');
  });
});
