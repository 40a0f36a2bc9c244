import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, watchAvailability } from '../../src/db/index.js';
import { readyRoute } from '../../src/server/system-routes.js';
import type { Mount, RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestServer } from '../support/server.js';

const SAMPLE = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));

let db: TestDatabase;
let server: RunningServer;
let admin: pg.Client;

/** A handler that holds its response until the test lets it go: a request "in flight". */
let releaseSlow: (() => void) | undefined;
const slowRoute = (): Mount => ({
  name: 'slow',
  protocol: 'system',
  path: '/test/slow',
  handler: async (_req, res, ctx) => {
    await new Promise<void>((resolve) => (releaseSlow = resolve));
    res.end(String(ctx.snapshot.generation));
  },
});

const columnsOf = (table: string): string[] =>
  server.holder.current.graph.entities.find((e) => e.dbName === table)?.columns.map((c) => c.name) ?? [];

beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  server = await startTestServer(db.url, { mounts: [slowRoute], handleSignals: true });
});

afterAll(async () => {
  await server?.close();
  await admin?.end();
  await db?.drop();
});

describe('system routes', () => {
  it('answers /health and /ready with the loaded graph', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ready', fingerprint: server.holder.current.graph.fingerprint, generation: 1 });
    expect(body).not.toHaveProperty('schemas');
    expect(body['entities']).toBe(server.holder.current.graph.entities.length);
    expect(server.holder.current.graph.entities.map((e) => e.name)).toEqual(
      expect.arrayContaining(['authors', 'books', 'book_tags', 'author_stats', 'book_summaries']),
    );
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const given = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const bad = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'no spaces <allowed>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await fetch(`${server.url}/health`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with 404 and wrong methods with 405, as JSON', async () => {
    const missing = await fetch(`${server.url}/nope?x=1`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'PGD101', message: 'no route for /nope', details: null, hint: null });
    const wrong = await fetch(`${server.url}/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(((await wrong.json()) as { code: string }).code).toBe('PGD102');
  });

  it('exports Prometheus metrics: requests, latency, pool, reloads', async () => {
    await fetch(`${server.url}/health`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/pgduet_http_requests_total\{protocol="system",route="health",status="200"\} [1-9]/);
    expect(text).toMatch(/pgduet_http_requests_total\{protocol="system",route="not_found",status="404"\} [1-9]/);
    expect(text).toMatch(/pgduet_http_request_duration_seconds_bucket\{le="0.005",protocol="system",route="health"\}/);
    expect(text).toMatch(/pgduet_db_pool_connections\{pool="primary",state="total"\} \d/);
    expect(text).toMatch(/pgduet_db_pool_connections\{pool="primary",state="waiting"\} 0/);
    expect(text).toContain('# TYPE pgduet_schema_reloads_total counter');
    expect(text).toContain('process_resident_memory_bytes');
  });
});

describe('reload without restart', () => {
  it('reloads on NOTIFY pgduet, and the new column is in the graph', async () => {
    const before = server.holder.current.generation;
    await admin.query('alter table authors add column nickname text');
    expect(columnsOf('authors')).not.toContain('nickname');
    await admin.query("notify pgduet, 'reload schema'");
    await eventually(() => columnsOf('authors').includes('nickname'), 10_000, 'the reload after NOTIFY');
    expect(server.holder.current.generation).toBe(before + 1);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/pgduet_schema_reloads_total\{result="swapped"\} [1-9]/);
  });

  it('ignores notifications with another payload', async () => {
    const before = server.holder.current.generation;
    await admin.query('alter table authors add column ignored_col text');
    await admin.query("notify pgduet, 'something else'");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.holder.current.generation).toBe(before);
    expect(columnsOf('authors')).not.toContain('ignored_col');
  });

  it('reloads on SIGUSR1', async () => {
    await admin.query('alter table authors add column signalled text');
    process.kill(process.pid, 'SIGUSR1');
    await eventually(() => columnsOf('authors').includes('signalled'), 10_000, 'the reload after SIGUSR1');
  });

  it('reloads by itself after DDL once the watch is installed', async () => {
    const { installWatch } = await import('../../src/db/index.js');
    await installWatch(admin, 'pgduet');
    await admin.query('create table watched (id int primary key, author_id int references authors(id))');
    await eventually(
      () => server.holder.current.graph.entities.some((e) => e.dbName === 'watched'),
      10_000,
      'the automatic reload after CREATE TABLE',
    );
    // the new foreign key is a relationship on the old table too
    expect(server.holder.current.graph.entities.find((e) => e.dbName === 'authors')?.relations.map((r) => r.name)).toContain('watcheds');
    await admin.query('drop table watched');
    await eventually(() => !server.holder.current.graph.entities.some((e) => e.dbName === 'watched'), 10_000, 'the reload after DROP');
    // temporary tables and materialized-view refreshes do not change the API: no reload
    await new Promise((resolve) => setTimeout(resolve, 200));
    const generation = server.holder.current.generation;
    // every reload counts, also one that finds the graph unchanged
    const reloads = async (): Promise<string> =>
      ((await (await fetch(`${server.url}/metrics`)).text()).match(/pgduet_schema_reloads_total\{[^}]*\} \d+/g) ?? []).join('\n');
    const reloadsBefore = await reloads();
    await admin.query('create temp table scratch (id int)');
    await admin.query('drop table scratch');
    await admin.query('refresh materialized view author_stats');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(server.holder.current.generation).toBe(generation);
    expect(await reloads()).toBe(reloadsBefore);
    // the internal schema of the watch is not exposed
    expect(server.holder.current.graph.schemas).toEqual(['public']);
    // uninstall takes everything away again, its schema included
    const { uninstallWatch } = await import('../../src/db/index.js');
    await uninstallWatch(admin);
    const left = await admin.query("select count(*)::int as n from pg_event_trigger where evtname like 'pgduet%' union all select count(*)::int from pg_namespace where nspname = 'pgduet'");
    expect(left.rows.map((r: { n: number }) => r.n)).toEqual([0, 0]);
  });

  it('keeps serving the old graph when a reload fails', async () => {
    const broken = await startTestServer(db.url, { config: { database: { schemas: ['public'] } } });
    try {
      const before = broken.holder.current;
      // a pool that cannot connect any more: the next reload fails
      await broken.pool.end();
      const outcome = await broken.reload();
      expect(outcome.kind).toBe('failed');
      expect(broken.holder.current).toBe(before);
    } finally {
      await broken.close();
    }
  });
});

describe('readiness', () => {
  it('reports 503 when the database does not answer', async () => {
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', size: 1, connectTimeoutMs: 500 });
    const route = readyRoute(pool, () => false, 1000);
    let status = 0;
    let body = '';
    const res = {
      writeHead: (s: number) => {
        status = s;
        return res;
      },
      end: (text: string) => {
        body = text;
      },
    };
    // the route's handler only uses writeHead/end and the snapshot
    const logged: unknown[] = [];
    const log = { warn: (detail: unknown) => logged.push(detail) };
    // an unreachable database is logged by the pool's watch, once per outage, not per probe
    watchAvailability(pool, log);
    await route.handler({} as never, res as never, { snapshot: server.holder.current, log } as never);
    await route.handler({} as never, res as never, { snapshot: server.holder.current, log } as never);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).toMatch(/ECONNREFUSED/);
    await pool.end();
    expect(status).toBe(503);
    // the reason is generic: the driver's message (host names…) goes to the log only
    expect(JSON.parse(body)).toEqual({ status: 'unavailable', reason: 'database unavailable' });
  });
});

describe('graceful shutdown', () => {
  it('lets in-flight requests finish, refuses new ones, and closes the pool', async () => {
    const local = await startTestServer(db.url, { mounts: [slowRoute] });
    const inFlight = fetch(`${local.url}/test/slow`);
    await eventually(() => releaseSlow !== undefined, 5000, 'the slow request to arrive');
    let closed = false;
    const closing = local.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(false);
    const ready = await fetch(`${local.url}/ready`).then((r) => r.status, () => 'refused');
    expect(ready === 503 || ready === 'refused').toBe(true);
    releaseSlow?.();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1');
    await closing;
    expect(closed).toBe(true);
    expect(local.pool.totalCount).toBe(0);
    await expect(fetch(`${local.url}/health`)).rejects.toThrow();
  });
});
