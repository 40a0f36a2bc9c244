import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount, sdlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import { buildChain, createLogger, startServer, type RunningServer } from '../../src/server/index.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { runCommand } from '../support/processes.js';
import { firstSseEvent } from '../support/sse.js';
import { createTestDatabase, runSql as run, type TestDatabase } from '../support/database.js';
import { PgProxy } from '../support/pg-proxy.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * Several databases behind one server (config `sources`, issue 16 item 5): two sources served
 * side by side, one of them cut. The first database (`database:`) holds `book`; the source
 * `archive` (another database, reached through a cuttable proxy) holds `film`. Each has its
 * own permissions, OpenAPI document and reload; one cut fails only its own requests (503).
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

let first: TestDatabase;
let second: TestDatabase;
let proxy: PgProxy;
let server: RunningServer;


const mounts = [graphqlMount, sdlMount, restMounts];

function sourcesConfig(archiveUrl: string): ConfigInput {
  return {
    auth: { jwt: { secret: SECRET } },
    // live queries refetch on NOTIFY (each source LISTENs on its own database), not by the clock
    subscriptions: { interval: 60_000 },
    // the first source's permissions; a source without its own would take these
    permissions: { anonymous: { tables: { book: { select: {} }, tag: { select: {} } } } },
    sources: [
      {
        name: 'archive',
        url: archiveUrl,
        poolSize: 2,
        permissions: {
          anonymous: { tables: { film: { select: { columns: ['id', 'title'] } }, review: { select: {} }, tag: { select: {} } }, functions: ['film_count'] },
          editor: { tables: { film: { select: {}, insert: { columns: ['title', 'rating'] } } } },
        },
      },
    ],
  };
}

beforeAll(async () => {
  [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await run(first.url, `
    create table book (id serial primary key, title text not null);
    insert into book (title) values ('Dune'), ('Emma');
    create table tag (id serial primary key, name text not null);
    insert into tag (name) values ('from-first');
  `);
  await run(second.url, `
    create table film (id serial primary key, title text not null, rating text);
    insert into film (title, rating) values ('Alien', 'R'), ('Brazil', 'R'), ('Cars', 'G');
    create table staff_note (id serial primary key, body text);
    create table tag (id serial primary key, name text not null);
    insert into tag (name) values ('from-archive');
    create function film_count() returns bigint language sql stable as $$ select count(*) from film $$;
  `);
  proxy = new PgProxy({ host: '127.0.0.1', port: Number(new URL(second.url).port || 5432) });
  await proxy.start();
  server = await startTestServer(first.url, { mounts, config: sourcesConfig(proxy.urlFor(second.url)) });
  // the source loads in the background
  await eventually(() => server.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
});

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await Promise.all([first?.drop(), second?.drop()]);
});

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${server.url}${path}`, { headers });
async function graphql(path: string, query: string, headers: Record<string, string> = {}): Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}
const bearer = async (role: string): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
});

describe('two sources side by side', () => {
  it('serves the first at /rest and the other at /rest/<name>, each from its own database', async () => {
    const books = await get('/rest/book?order=id');
    expect(books.status).toBe(200);
    expect(await books.json()).toEqual([{ id: 1, title: 'Dune' }, { id: 2, title: 'Emma' }]);
    const films = await get('/rest/archive/film?order=id&title=neq.Cars');
    expect(films.status).toBe(200);
    expect(await films.json()).toEqual([{ id: 1, title: 'Alien' }, { id: 2, title: 'Brazil' }]);
    // each source knows only its own tables
    expect((await get('/rest/film')).status).toBe(404);
    expect((await get('/rest/archive/book')).status).toBe(404);
  });

  it('applies each source’s own permissions through the same chain (JWT shared)', async () => {
    // anonymous: film's id and title only, and no staff_note
    const hidden = await get('/rest/archive/film?select=rating');
    expect(hidden.status).toBe(400);
    expect((await get('/rest/archive/staff_note')).status).toBe(404);
    // editor (a JWT verified by the one jwt plugin) reads every column of film and inserts
    const editor = await bearer('editor');
    const all = await get('/rest/archive/film?id=eq.3', editor);
    expect(await all.json()).toEqual([{ id: 3, title: 'Cars', rating: 'G' }]);
    const inserted = await fetch(`${server.url}/rest/archive/film`, {
      method: 'POST',
      headers: { ...editor, 'content-type': 'application/json', prefer: 'return=representation' },
      body: JSON.stringify({ title: 'Dune', rating: 'PG' }),
    });
    expect(inserted.status).toBe(201);
    expect(await inserted.json()).toEqual([{ id: 4, title: 'Dune', rating: 'PG' }]);
    // editor has no rules on the first source: book does not exist for it there
    expect((await get('/rest/book', editor)).status).toBe(404);
    // the write went to the archive's database, not the first's
    const client = new pg.Client({ connectionString: second.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('select count(*) as n from film');
    await client.end();
    expect(rows[0]?.n).toBe('4');
  });

  it('calls the source’s functions at /rest/<name>/rpc/…', async () => {
    const res = await get('/rest/archive/rpc/film_count');
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(4);
  });

  it('has an OpenAPI document and Swagger UI per source', async () => {
    const archive = (await (await get('/rest/archive/')).json()) as { paths: Record<string, unknown>; servers?: { url: string }[]; components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } };
    expect(Object.keys(archive.paths)).toContain('/film');
    expect(Object.keys(archive.paths)).not.toContain('/book');
    // the caller's role's view of that source: anonymous sees film's id and title, and no staff_note
    expect(Object.keys(archive.paths)).not.toContain('/staff_note');
    expect(Object.keys(archive.components?.schemas?.['film']?.properties ?? {}).sort()).toEqual(['id', 'title']);
    expect(archive.servers?.[0]?.url).toBe('/rest/archive');
    const main = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(main.paths)).toContain('/book');
    expect(Object.keys(main.paths)).not.toContain('/film');
    const docs = await get('/docs/archive');
    expect(docs.status).toBe(200);
    const initializer = await (await get('/docs/archive/initializer.js')).text();
    expect(initializer).toContain('/rest/archive/');
  });

  it('streams a subscription over /graphql/<name> from that source’s database', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql/archive`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    const stop = client.subscribe({ query: 'subscription { film(where: {title: {_eq: "Zardoz"}}) { title } }' }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined });
    try {
      await eventually(() => results.length >= 1, 5000, 'the first result');
      expect(results[0]).toEqual({ data: { film: [] } });
      await run(second.url, `insert into film (title) values ('Zardoz'); notify pgduet_changes, 'film'`);
      await eventually(() => results.length >= 2, 5000, 'the refetch after the insert');
      expect(results[1]).toEqual({ data: { film: [{ title: 'Zardoz' }] } });
    } finally {
      stop();
      await client.dispose();
    }
  });

  it('keeps the same subscription on two sources apart (each refetches on its own database)', async () => {
    const subscribe = (path: string): { results: unknown[]; stop: () => Promise<void> } => {
      const client = createClient({ url: `${server.url.replace('http', 'ws')}${path}`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      const results: unknown[] = [];
      const unsubscribe = client.subscribe({ query: 'subscription { tag(order_by: {id: asc}) { name } }' }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined });
      return { results, stop: async () => { unsubscribe(); await client.dispose(); } };
    };
    const main = subscribe('/graphql');
    const archive = subscribe('/graphql/archive');
    try {
      await eventually(() => main.results.length >= 1 && archive.results.length >= 1, 5000, 'both first results');
      expect(main.results[0]).toEqual({ data: { tag: [{ name: 'from-first' }] } });
      expect(archive.results[0]).toEqual({ data: { tag: [{ name: 'from-archive' }] } });
      // two engines, one shape each: the gauge is their sum
      // (eventually: the previous test's subscription ends when its socket's close reaches the server)
      await eventually(async () => /pgduet_live_cohorts\{level="shape"\} 2\n/.test(await (await get('/metrics')).text()), 5000, 'two shapes, one per engine');
      // a NOTIFY on the archive's database refetches its subscription at once
      await run(second.url, `insert into tag (name) values ('new'); notify pgduet_changes, 'tag'`);
      await eventually(() => archive.results.length >= 2, 5000, 'the archive refetch');
      expect(archive.results[1]).toEqual({ data: { tag: [{ name: 'from-archive' }, { name: 'new' }] } });
      expect(main.results.every((r) => JSON.stringify(r) === JSON.stringify({ data: { tag: [{ name: 'from-first' }] } }))).toBe(true);
    } finally {
      await Promise.all([main.stop(), archive.stop()]);
    }
  });

  it('streams a REST read of another source as server-sent events, from its database', async () => {
    const { status, text } = await firstSseEvent(`${server.url}/rest/archive/tag?select=name&order=id`);
    expect(status).toBe(200);
    expect(text).toContain('from-archive');
    expect(text).not.toContain('from-first');
  });

  it('reloads a source on NOTIFY on its own database, leaving the other’s graph as it was', async () => {
    const archive = server.sources.get('archive');
    const before = { first: server.holder.current.generation, archive: archive?.holder.current.generation ?? 0 };
    expect((await get('/rest/archive/review')).status).toBe(404);
    await run(second.url, `create table review (id serial primary key, film_id int references film (id), stars int); insert into review (film_id, stars) values (1, 5); notify pgduet, 'reload schema';`);
    await eventually(async () => (await get('/rest/archive/review')).status === 200, 10_000, 'the archive to reload');
    expect(await (await get('/rest/archive/review?select=stars')).json()).toEqual([{ stars: 5 }]);
    expect(archive?.holder.current.generation).toBe(before.archive + 1);
    expect(server.holder.current.generation).toBe(before.first);
  });

  it('reloads every source on a server reload (SIGUSR1)', async () => {
    await run(second.url, `create table director (id serial primary key, name text)`);
    await run(first.url, `create table author (id serial primary key, name text)`);
    const archive = server.sources.get('archive');
    const before = archive?.holder.current.generation ?? 0;
    const outcome = await server.reload();
    expect(outcome.kind).toBe('swapped');
    expect(archive?.holder.current.generation).toBe(before + 1);
    expect(archive?.holder.current.graph.entities.map((e) => e.name)).toContain('director');
    expect(server.holder.current.graph.entities.map((e) => e.name)).toContain('author');
  });

  it('links the first source’s surfaces from the front page, and each other source’s under its name', async () => {
    const front = (await (await get('/', { accept: 'application/json' })).json()) as { links: Record<string, string>; sources?: Record<string, Record<string, string>> };
    expect(front.links).toMatchObject({ graphql: '/graphql', sdl: '/graphql/sdl', docs: '/docs', rest: '/rest/' });
    // and each other source's, under its name
    expect(front.sources).toEqual({ archive: { graphiql: '/graphql/archive', graphql: '/graphql/archive', sdl: '/graphql/archive/sdl', docs: '/docs/archive', rest: '/rest/archive/' } });
    const html = await (await get('/', { accept: 'text/html' })).text();
    expect(html).toContain('<h2>archive</h2>');
    expect(html).toContain('href="/rest/archive/"');
  });

  it('reports each source in /ready and its pools in /metrics', async () => {
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', sources: { archive: 'ready' } });
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/pgduet_db_pool_healthy\{pool="archive\.primary"\} 1/);
    expect(metrics).toMatch(/pgduet_db_pool_healthy\{pool="primary"\} 1/);
  });

  it('serves each other source’s GraphQL at /graphql/<name> (and /v1/graphql/<name>), with its permissions', async () => {
    const films = await graphql('/graphql/archive', '{ film(order_by: {id: asc}, limit: 2) { title } }');
    expect(films).toEqual({ data: { film: [{ title: 'Alien' }, { title: 'Brazil' }] } });
    expect(await graphql('/v1/graphql/archive', '{ film(where: {id: {_eq: 3}}) { id } }')).toEqual({ data: { film: [{ id: 3 }] } });
    // anonymous may not read rating there; the first source's schema has no film, the archive's no book
    const hidden = await graphql('/graphql/archive', '{ film { rating } }');
    expect(hidden.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect((await graphql('/graphql', '{ film { title } }')).errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect((await graphql('/graphql/archive', '{ book { title } }')).errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(await graphql('/graphql', '{ book(order_by: {id: asc}) { title } }')).toEqual({ data: { book: [{ title: 'Dune' }, { title: 'Emma' }] } });
    // a mutation runs in the archive's database, with the archive's rules for editor
    const inserted = await graphql('/graphql/archive', 'mutation { insert_film_one(object: {title: "Heat", rating: "R"}) { title rating } }', await bearer('editor'));
    expect(inserted).toEqual({ data: { insert_film_one: { title: 'Heat', rating: 'R' } } });
    const sdl = await (await get('/graphql/archive/sdl')).text();
    expect(sdl).toContain('type film ');
    expect(sdl).not.toContain('type book ');
  });
});

describe('one source cut', () => {
  it('answers 503 PGRST001 for the cut source only; the first keeps answering; both recover', async () => {
    await proxy.stop();
    try {
      const cut = await get('/rest/archive/film?select=title&limit=1');
      expect(cut.status).toBe(503);
      expect(cut.headers.get('retry-after')).toBe('1');
      expect(await cut.json()).toMatchObject({ code: 'PGRST001' });
      const books = await get('/rest/book?select=title&order=id&limit=1');
      expect(books.status).toBe(200);
      expect(await books.json()).toEqual([{ title: 'Dune' }]);
      expect(await graphql('/graphql', '{ book(limit: 1, order_by: {id: asc}) { title } }')).toEqual({ data: { book: [{ title: 'Dune' }] } });
      const cutGraphql = await graphql('/graphql/archive', '{ film(limit: 1) { title } }');
      expect(cutGraphql.errors?.[0]?.extensions?.code).toBe('database-unavailable');
      // the instance stays in the load balancer: the first source is up
      const ready = await get('/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', sources: { archive: 'unavailable' } });
    } finally {
      await proxy.start();
    }
    await eventually(async () => (await get('/rest/archive/film?select=title&limit=1')).status === 200, 10_000, 'the archive to answer again');
  });

  it('starts with a source down: the first is served at once, the other answers 503 until it loads', async () => {
    const late = new PgProxy({ host: '127.0.0.1', port: Number(new URL(second.url).port || 5432) });
    await late.start();
    const url = late.urlFor(second.url);
    await late.stop();
    const other = await startTestServer(first.url, { mounts, config: sourcesConfig(url) });
    try {
      expect((await fetch(`${other.url}/rest/book?select=title&limit=1`)).status).toBe(200);
      const pending = await fetch(`${other.url}/rest/archive/film`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toMatchObject({ code: 'PGRST002' });
      const pendingGraphql = await fetch(`${other.url}/graphql/archive`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ film { title } }' }) });
      expect(pendingGraphql.status).toBe(503);
      expect(await pendingGraphql.json()).toMatchObject({ errors: [{ extensions: { code: 'not-ready' } }] });
      // a browser's preflight is answered meanwhile (CORS needs no schema), in both protocols
      // (PostgREST answers any origin with `*`, Hasura echoes it)
      for (const [path, allowed] of [['/rest/archive/film', '*'], ['/graphql/archive', 'https://app.example']] as const) {
        const preflight = await fetch(`${other.url}${path}`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
        expect(preflight.status, path).toBeLessThan(300);
        expect(preflight.headers.get('access-control-allow-origin'), path).toBe(allowed);
      }
      const ready = await fetch(`${other.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ sources: { archive: 'unavailable' } });
      await late.start();
      await eventually(async () => (await fetch(`${other.url}/rest/archive/film?select=title&id=eq.1`)).status === 200, 15_000, 'the archive to load once its database is up');
      expect(await (await fetch(`${other.url}/rest/archive/film?select=title&id=eq.1`)).json()).toEqual([{ title: 'Alien' }]);
    } finally {
      await other.close();
      await late.stop();
    }
  });
});

describe('the same chain for every source', () => {
  it('counts one rate limit across sources', async () => {
    const limited = await startTestServer(first.url, { mounts, config: { ...sourcesConfig(second.url), rateLimit: { rules: [{ by: 'ip', limit: 2, per: 60 }] } } });
    try {
      await eventually(() => limited.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      expect((await fetch(`${limited.url}/rest/book?limit=1`)).status).toBe(200);
      expect((await fetch(`${limited.url}/rest/archive/film?limit=1`)).status).toBe(200);
      // the third request, to either source, is over the one budget
      expect((await fetch(`${limited.url}/rest/archive/film?limit=1`)).status).toBe(429);
      expect((await fetch(`${limited.url}/rest/book?limit=1`)).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('runs PostgreSQL-native requests as the caller’s role in the other source’s database (RLS there)', async () => {
    const role = `pgduet_t_src_${process.pid}_${Date.now() % 100_000}`;
    await run(second.url, `
      create role ${role} nologin;
      create table memo (id serial primary key, owner text not null, body text not null);
      alter table memo enable row level security;
      create policy own_memos on memo using (owner = current_setting('request.jwt.claims', true)::json->>'sub');
      grant select on memo to ${role};
      insert into memo (owner, body) values ('alice', 'm1'), ('bob', 'm2');
    `);
    const native = await startTestServer(first.url, {
      mounts,
      config: { auth: { jwt: { secret: SECRET } }, postgres: { rls: true, roles: { user: role } }, sources: [{ name: 'archive', url: second.url }] },
    });
    try {
      await eventually(() => native.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      const token = await new SignJWT({ role: 'user', sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
      const res = await fetch(`${native.url}/rest/archive/memo?select=body`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ body: 'm1' }]);
    } finally {
      await native.close();
      await run(second.url, `drop table memo; drop role ${role};`);
    }
  });
});

describe('the README’s "Several databases" example', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Several databases\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

  it('runs as written: its YAML (DATABASE_URL, ARCHIVE_URL) and its two commands, with their answers', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'pgduet-sources-readme-'));
    const file = join(dir, 'pgduet.yaml');
    writeFileSync(file, yaml ?? '');
    const { config } = loadConfig({ file, env: { DATABASE_URL: first.url, ARCHIVE_URL: second.url }, overrides: { port: 0, logLevel: 'silent' } });
    const readmeServer = await startServer({ config, logger: createLogger('silent', { pretty: false }), mounts, chain: buildChain });
    try {
      await eventually(() => readmeServer.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      const examples = [...section.matchAll(/```sh\n([\s\S]*?)```\n\n```json\n([\s\S]*?)```/g)];
      expect(examples).toHaveLength(3);
      for (const [, command, answer] of examples) {
        const result = await runCommand('sh', ['-c', (command ?? '').replaceAll('localhost:4000', `localhost:${readmeServer.port}`)], { cwd: dir, timeoutMs: 10_000 });
        expect(JSON.parse(result.stdout)).toEqual(JSON.parse(answer ?? ''));
      }
    } finally {
      await readmeServer.close();
    }
  });
});
