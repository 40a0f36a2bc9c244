import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain } from '../../src/chain/index.js';
import { graphqlMount, sdlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import { createLogger, startServer, type Mount, type RunningServer } from '../../src/server/index.js';
import { packageVersion } from '../../src/version.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, testConfig } from '../support/server.js';

/**
 * The front door: the page at "/", the SDL, the start-up order (port first, 503 until the
 * schema is loaded), a taken port, and what the logs and /metrics say about requests.
 */
const SAMPLE = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}
const DEBUG = 20;
const INFO = 30;
const ERROR = 50;

/** A logger whose JSON lines land in `lines`. */
function capture(level: string, faultWindowMs?: number): { lines: LogLine[]; logger: ReturnType<typeof createLogger> } {
  const lines: LogLine[] = [];
  const logger = createLogger(level, { destination: { write: (text: string) => void lines.push(JSON.parse(text) as LogLine) }, ...(faultWindowMs === undefined ? {} : { faultWindowMs }) });
  return { lines, logger };
}

/** A route that fails as a bug does: not a PgduetError, so a 500 and a logged fault. */
const brokenRoute = (): Mount => ({
  name: 'broken',
  protocol: 'system',
  path: '/test/broken',
  handler: () => {
    throw new Error('the same bug every time');
  },
});

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
});
afterAll(async () => {
  await db?.drop();
});

describe('the front page', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer(db.url, {
      mounts: [graphqlMount, sdlMount, restMounts],
      config: { server: { graphqlPath: '/api/graphql', restPath: '/api/rest' } },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers JSON with the version, the fingerprint and links at the configured paths', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('vary')).toBe('Accept');
    expect(await res.json()).toEqual({
      name: 'pgduet',
      version: packageVersion(),
      fingerprint: server.holder.current.graph.fingerprint,
      generation: 1,
      entities: server.holder.current.graph.entities.length,
      functions: server.holder.current.graph.functions.length,
      links: {
        graphiql: '/api/graphql',
        graphql: '/api/graphql',
        sdl: '/api/graphql/sdl',
        docs: '/docs',
        openapi: '/openapi.json',
        rest: '/api/rest/',
        health: '/health',
        ready: '/ready',
        metrics: '/metrics',
      },
    });
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers HTML to a browser, under a CSP without scripts, and every link answers 200', async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    const html = await res.text();
    expect(html).toContain(`<code id="fingerprint">${server.holder.current.graph.fingerprint}</code>`);
    expect(html).not.toMatch(/<script|https?:\/\//);
    const hrefs = [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1] as string);
    expect(hrefs).toEqual(['/api/graphql', '/api/graphql', '/api/graphql/sdl', '/docs', '/openapi.json', '/api/rest/', '/health', '/ready', '/metrics']);
    for (const href of new Set(hrefs)) {
      expect((await fetch(`${server.url}${href}`, { headers: { accept: 'text/html' } })).status, href).toBe(200);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const get = await fetch(`${server.url}/`, { headers: { accept: 'application/json' } });
    const head = await fetch(`${server.url}/`, { method: 'HEAD', headers: { accept: 'application/json' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(await head.text()).toBe('');
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('leaves other unknown paths a 404', async () => {
    const res = await fetch(`${server.url}/index.html`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('PGD101');
  });

  it('serves the SDL of the schema next to the GraphQL endpoint', async () => {
    const res = await fetch(`${server.url}/api/graphql/sdl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const sdl = await res.text();
    expect(sdl).toContain('type authors {');
    expect(sdl).toContain('type query_root {');
  });
});

describe('start-up', () => {
  it('binds the port first: /health 200, /ready 503, the APIs 503 in their shapes, until the schema is loaded', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let listening: (url: string) => void = () => undefined;
    const bound = new Promise<string>((resolve) => (listening = resolve));
    const steps: string[] = [];
    const starting = startServer({
      config: testConfig(db.url),
      logger: createLogger('silent', { pretty: false }),
      mounts: [graphqlMount, restMounts],
      // the chain is built after introspection: holding it holds the start
      chain: async () => {
        await gate;
        return new Chain();
      },
      progress: (line) => {
        steps.push(line);
        const url = /^listening on (\S+);/.exec(line)?.[1];
        if (url !== undefined) listening(url);
      },
    });
    const url = await bound;

    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'starting' });

    const rest = await fetch(`${url}/rest/authors`);
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('1');
    expect(await rest.json()).toMatchObject({ code: 'PGRST002', details: null, hint: null, message: expect.stringContaining('starting') });

    const graphql = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(graphql.status).toBe(503);
    const body = (await graphql.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('not-ready');

    expect((await fetch(`${url}/`)).status).toBe(503);

    release();
    const server = await starting;
    try {
      expect(server.url).toBe(url);
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      expect((await fetch(`${url}/rest/authors`)).status).toBe(200);
      expect(steps[1]).toMatch(/^introspected \d+ tables and views, \d+ functions in \d+ ms$/);
    } finally {
      await server.close();
    }
  });

  it('fails at once, with what to do, when the port is taken — before starting any database', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const began = performance.now();
      // no database.url: a start that did not bind first would boot the embedded database here
      const config = { ...testConfig(db.url, { server: { port } }), database: { ...testConfig(db.url).database, url: undefined }, embedded: { dataDir: '', memory: true, sample: false } };
      await expect(startServer({ config, logger: createLogger('silent', { pretty: false }) })).rejects.toThrow(`port ${port} is in use; pass --port or set PORT`);
      expect(performance.now() - began).toBeLessThan(1000);
    } finally {
      blocker.close();
    }
  });
});

describe('logs and metrics', () => {
  let server: RunningServer;
  let lines: LogLine[];
  beforeAll(async () => {
    const captured = capture('info', 400);
    lines = captured.lines;
    server = await startTestServer(db.url, { mounts: [graphqlMount, restMounts, brokenRoute], logger: captured.logger });
  });
  afterAll(async () => {
    await server?.close();
  });

  const requestLines = (): LogLine[] => lines.filter((line) => line.msg === 'request');

  it('writes one info line per request with method, path, status, duration, role and request id', async () => {
    lines.length = 0;
    const res = await fetch(`${server.url}/rest/authors?select=name`, { headers: { 'x-request-id': 'front-door-1' } });
    expect(res.status).toBe(200);
    await res.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: INFO, msg: 'request', method: 'GET', path: '/rest/authors', status: 200, role: 'anonymous', reqId: 'front-door-1' });
    expect(typeof lines[0]?.['ms']).toBe('number');
  });

  it('keeps probes out of the info log', async () => {
    lines.length = 0;
    for (const path of ['/health', '/ready', '/metrics']) await (await fetch(`${server.url}${path}`)).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toEqual([]);
  });

  it('logs probes at debug', async () => {
    const captured = capture('debug');
    const debugServer = await startTestServer(db.url, { logger: captured.logger });
    try {
      await (await fetch(`${debugServer.url}/ready`)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const probe = captured.lines.filter((line) => line.msg === 'request');
      expect(probe).toHaveLength(1);
      expect(probe[0]).toMatchObject({ level: DEBUG, path: '/ready', status: 200 });
    } finally {
      await debugServer.close();
    }
  });

  it('puts the GraphQL error codes of a 200 answer in the line', async () => {
    lines.length = 0;
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ no_such_field }' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    const ok = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ authors(limit: 1) { name } }' }) });
    await ok.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [failed, answered] = requestLines();
    expect(lines).toHaveLength(2);
    expect(failed).toMatchObject({ level: INFO, path: '/graphql', status: 200, role: 'anonymous', errorCodes: ['validation-failed'] });
    expect(answered).toMatchObject({ level: INFO, path: '/graphql', status: 200 });
    expect(answered).not.toHaveProperty('errorCodes');
  });

  it('logs a client error at info without a stack', async () => {
    lines.length = 0;
    const res = await fetch(`${server.url}/rest/no_such_table`);
    expect(res.status).toBe(404);
    await res.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: INFO, msg: 'request', status: 404 });
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  it('logs a fault once with its stack, and the same fault at most once per window with a count', async () => {
    lines.length = 0;
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/test/broken`)).status).toBe(500);
    const faults = (): LogLine[] => lines.filter((line) => line.level >= ERROR);
    expect(faults()).toHaveLength(1);
    expect((faults()[0]?.['err'] as { stack: string }).stack).toContain('the same bug every time');
    expect(requestLines().map((line) => line.status)).toEqual([500, 500, 500, 500, 500]);

    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await fetch(`${server.url}/test/broken`)).status).toBe(500);
    expect(faults()).toHaveLength(2);
    expect(faults()[1]).toMatchObject({ suppressed: 4 });
  });

  it('exports the default process and Node.js metrics under their standard names', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d/m);
    expect(text).not.toContain('pgduet_process_');
  });
});
