import { firstSseEvent } from '../support/sse.js';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { PgProxy } from '../support/pg-proxy.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * Read replicas and transaction-mode poolers (issue 16), against counting proxies: each proxy
 * forwards to the same database and records the statements it carried, standing in for the
 * primary and its replicas (the issue allows "two counting proxies in front of one
 * database"; bench/replicas.mjs runs a real streaming replica). Reads of both protocols must
 * reach a replica, writes and volatile functions the primary; a replica that goes away is
 * bypassed; `preparedStatements: false` sends no named statement.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

let db: TestDatabase;
let primary: PgProxy;
let replica0: PgProxy;
let replica1: PgProxy;
/** primary + replica0, no read-your-writes window */
let server: RunningServer;

const NOTE = /"note"/;

beforeAll(async () => {
  db = await createTestDatabase();
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create table note (id serial primary key, body text not null);
    insert into note (body) values ('first'), ('second');
    create function note_count() returns bigint language sql stable as $$ select count(*) from note $$;
    create function add_note(body text) returns bigint language sql volatile as $$ insert into note (body) values (body) returning id $$;
  `);
  await sql.end();
  const target = { host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) };
  primary = new PgProxy(target);
  replica0 = new PgProxy(target);
  replica1 = new PgProxy(target);
  await Promise.all([primary.start(), replica0.start(), replica1.start()]);
  server = await startTestServer(primary.urlFor(db.url), {
    mounts: [graphqlMount, restMounts],
    config: { database: { replicas: [replica0.urlFor(db.url)] } },
  });
});

afterAll(async () => {
  await server?.close();
  await Promise.all([primary?.stop(), replica0?.stop(), replica1?.stop()]);
  await db?.drop();
});

beforeEach(() => {
  for (const proxy of [primary, replica0, replica1]) proxy.clear();
});

const rest = (on: RunningServer, path: string, init: RequestInit = {}): Promise<Response> => fetch(`${on.url}/rest${path}`, init);

async function graphql(on: RunningServer, query: string, headers: Record<string, string> = {}): Promise<{ data?: Record<string, unknown> | null; errors?: unknown[] }> {
  const res = await fetch(`${on.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
}

const bearer = async (sub: string): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await new SignJWT({ role: 'user', sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
});

/** `pgduet_db_pool_statements_total{pool="…"}` and `pgduet_db_pool_healthy{pool="…"}` of a server */
async function poolMetric(on: RunningServer, name: string, pool: string): Promise<number> {
  const text = await (await fetch(`${on.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{pool="${pool}"}`));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

describe('reads go to the replica, writes to the primary', () => {
  it('REST GET and HEAD read on the replica', async () => {
    const res = await rest(server, '/note?select=body&order=id');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ body: 'first' }, { body: 'second' }]);
    expect((await rest(server, '/note', { method: 'HEAD' })).status).toBe(200);
    expect(replica0.matching(NOTE).length).toBeGreaterThanOrEqual(2);
    expect(primary.matching(NOTE)).toEqual([]);
  });

  it('a REST write runs on the primary, and only there', async () => {
    const res = await rest(server, '/note', { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: JSON.stringify({ body: 'written' }) });
    expect(res.status).toBe(201);
    expect(primary.matching(/insert into/i).length).toBe(1);
    expect(replica0.matching(NOTE)).toEqual([]);
    const patch = await rest(server, '/note?body=eq.written', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'rewritten' }) });
    expect(patch.status).toBe(204);
    expect(primary.matching(/update/i).length).toBe(1);
    expect(replica0.matching(NOTE)).toEqual([]);
  });

  it('a stable function is a read (replica), a volatile one a write (primary)', async () => {
    const stable = await rest(server, '/rpc/note_count');
    expect(stable.status).toBe(200);
    expect(replica0.matching(/note_count/).length).toBe(1);
    expect(primary.matching(/note_count/)).toEqual([]);
    const volatile = await rest(server, '/rpc/add_note', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'by rpc' }) });
    expect(volatile.status).toBe(200);
    expect(primary.matching(/add_note/).length).toBe(1);
    expect(replica0.matching(/add_note/)).toEqual([]);
  });

  it('a GraphQL query reads on the replica; a mutation writes on the primary', async () => {
    const query = await graphql(server, '{ note(order_by: {id: asc}, limit: 1) { body } }');
    expect(query.data).toEqual({ note: [{ body: 'first' }] });
    expect(replica0.matching(NOTE).length).toBe(1);
    expect(primary.matching(NOTE)).toEqual([]);
    replica0.clear();
    const mutation = await graphql(server, 'mutation { insert_note_one(object: {body: "by graphql"}) { id } }');
    expect(mutation.errors).toBeUndefined();
    expect(primary.matching(/insert into/i).length).toBe(1);
    expect(replica0.matching(NOTE)).toEqual([]);
  });

  it('a GraphQL function field: stable on the replica, volatile (a mutation field) on the primary', async () => {
    const stable = await graphql(server, '{ note_count }');
    expect(stable.errors).toBeUndefined();
    expect(replica0.matching(/note_count/).length).toBe(1);
    const volatile = await graphql(server, 'mutation { add_note(args: {body: "by a graphql function"}) }');
    expect(volatile.errors).toBeUndefined();
    expect(primary.matching(/add_note/).length).toBe(1);
    expect(replica0.matching(/add_note/)).toEqual([]);
  });

  it('x-pgduet-read-primary: true sends a read to the primary, in both protocols', async () => {
    const res = await rest(server, '/note?select=id', { headers: { 'x-pgduet-read-primary': 'true' } });
    expect(res.status).toBe(200);
    const answer = await graphql(server, '{ note { id } }', { 'x-pgduet-read-primary': 'true' });
    expect(answer.errors).toBeUndefined();
    expect(primary.matching(NOTE).length).toBe(2);
    expect(replica0.matching(NOTE)).toEqual([]);
  });

  it('a REST server-sent-event stream (a live query) is refetched on the replica', async () => {
    const { status, text } = await firstSseEvent(`${server.url}/rest/note?select=id`);
    expect(status).toBe(200);
    expect(text).toContain('event: snapshot');
    expect(replica0.matching(NOTE).length).toBeGreaterThanOrEqual(1);
    expect(primary.matching(NOTE)).toEqual([]);
  });

  it('introspection stays on the primary; the metrics count statements per pool', async () => {
    const outcome = await server.reload();
    expect(outcome.kind).not.toBe('failed');
    expect(primary.matching(/pg_catalog|pg_class/).length).toBeGreaterThan(0);
    expect(replica0.matching(/pg_catalog|pg_class/)).toEqual([]);
    expect(await poolMetric(server, 'pgduet_db_pool_statements_total', 'replica0')).toBeGreaterThan(0);
    expect(await poolMetric(server, 'pgduet_db_pool_statements_total', 'primary')).toBeGreaterThan(0);
    expect(await poolMetric(server, 'pgduet_db_pool_healthy', 'replica0')).toBe(1);
  });
});

describe('read-your-writes window', () => {
  let windowed: RunningServer;
  beforeAll(async () => {
    windowed = await startTestServer(primary.urlFor(db.url), {
      mounts: [graphqlMount, restMounts],
      config: { database: { replicas: [replica0.urlFor(db.url)], readYourWritesMs: 60_000 }, auth: { jwt: { secret: SECRET } } },
    });
  });
  afterAll(async () => {
    await windowed?.close();
  });

  it('after a write, the same subject reads on the primary; another subject still reads on the replica', async () => {
    const alice = await bearer('alice');
    const bob = await bearer('bob');
    expect((await rest(windowed, '/note?select=id', { headers: alice })).status).toBe(200);
    expect(replica0.matching(NOTE).length).toBe(1);
    const write = await rest(windowed, '/note', { method: 'POST', headers: { ...alice, 'content-type': 'application/json' }, body: JSON.stringify({ body: 'alice wrote' }) });
    expect(write.status).toBe(201);
    for (const proxy of [primary, replica0]) proxy.clear();
    // alice, by either protocol: the primary
    const rows = (await (await rest(windowed, '/note?select=body&body=eq.alice wrote', { headers: alice })).json()) as unknown[];
    expect(rows).toEqual([{ body: 'alice wrote' }]);
    expect((await graphql(windowed, '{ note { id } }', alice)).errors).toBeUndefined();
    expect(primary.matching(NOTE).length).toBe(2);
    expect(replica0.matching(NOTE)).toEqual([]);
    // bob did not write: the replica
    expect((await rest(windowed, '/note?select=id', { headers: bob })).status).toBe(200);
    expect(replica0.matching(NOTE).length).toBe(1);
    expect(primary.matching(NOTE).length).toBe(2);
  });

  it('a GraphQL mutation opens the window too', async () => {
    const carol = await bearer('carol');
    const mutation = await graphql(windowed, 'mutation { insert_note_one(object: {body: "carol wrote"}) { id } }', carol);
    expect(mutation.errors).toBeUndefined();
    for (const proxy of [primary, replica0]) proxy.clear();
    expect((await rest(windowed, '/note?select=id', { headers: carol })).status).toBe(200);
    expect(primary.matching(NOTE).length).toBe(1);
    expect(replica0.matching(NOTE)).toEqual([]);
  });
});

describe('in a request transaction (the chain has onExecute hooks: PostgreSQL-native mode)', () => {
  let native: RunningServer;
  beforeAll(async () => {
    // a statement timeout per request is an onExecute hook (SET LOCAL in the request's
    // transaction), the same machinery as `postgres.rls`, without roles to create
    native = await startTestServer(primary.urlFor(db.url), {
      mounts: [graphqlMount, restMounts],
      config: { database: { replicas: [replica0.urlFor(db.url)] }, postgres: { statementTimeoutMs: { default: 5000 } } },
    });
  });
  afterAll(async () => {
    await native?.close();
  });

  it('a REST GET and a GraphQL query run their transaction, settings included, on the replica', async () => {
    expect((await rest(native, '/note?select=id')).status).toBe(200);
    expect((await graphql(native, '{ note { id } }')).errors).toBeUndefined();
    // a query sent as a GET, and a batch of queries
    expect((await fetch(`${native.url}/graphql?query=${encodeURIComponent('{ note { id } }')}`, { headers: { accept: 'application/json' } })).status).toBe(200);
    const batch = await fetch(`${native.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify([{ query: '{ note { id } }' }, { query: 'query two { note_count }' }]) });
    expect(batch.status).toBe(200);
    expect(replica0.matching(NOTE).length).toBe(4);
    expect(replica0.matching(/set_config/).length).toBe(4); // one transaction per request, the batch too
    expect(primary.matching(NOTE)).toEqual([]);
    expect(primary.matching(/set_config/)).toEqual([]);
  });

  it('writes run on the primary: a REST POST, a mutation, a batch with a mutation, a document that does not parse', async () => {
    const post = await rest(native, '/note', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'native' }) });
    expect(post.status).toBe(201);
    expect((await graphql(native, 'mutation { insert_note_one(object: {body: "native gql"}) { id } }')).errors).toBeUndefined();
    const mixed = await fetch(`${native.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify([{ query: '{ note { id } }' }, { query: 'mutation { delete_note(where: {body: {_eq: "native gql"}}) { affected_rows } }' }]) });
    expect(mixed.status).toBe(200);
    expect((await graphql(native, '{ note { id ')).errors).toHaveLength(1);
    expect(primary.matching(/insert into/i).length).toBe(2);
    expect(primary.matching(/delete from/i).length).toBe(1);
    expect(replica0.matching(/set_config/)).toEqual([]);
    expect(replica0.matching(NOTE)).toEqual([]);
  });

  it('x-pgduet-read-primary sends a read transaction to the primary; a live refetch runs on the replica', async () => {
    expect((await rest(native, '/note?select=id', { headers: { 'x-pgduet-read-primary': 'true' } })).status).toBe(200);
    expect((await graphql(native, '{ note { id } }', { 'x-pgduet-read-primary': 'true' })).errors).toBeUndefined();
    expect(primary.matching(NOTE).length).toBe(2);
    expect(replica0.matching(NOTE)).toEqual([]);
    primary.clear();
    const { text } = await firstSseEvent(`${native.url}/rest/note?select=id`);
    expect(text).toContain('event: snapshot');
    expect(replica0.matching(NOTE).length).toBeGreaterThanOrEqual(1);
    expect(primary.matching(NOTE)).toEqual([]);
  });
});

describe('a replica that goes away', () => {
  let two: RunningServer;
  beforeAll(async () => {
    two = await startTestServer(primary.urlFor(db.url), {
      mounts: [graphqlMount, restMounts],
      config: { database: { replicas: [replica0.urlFor(db.url), replica1.urlFor(db.url)] } },
    });
  });
  afterAll(async () => {
    await two?.close();
    // the other tests' replica0 listens again (on its port) when this one stopped it
    await replica0.start().catch(() => undefined);
  });

  it('reads take turns; a dead replica is bypassed, then the primary answers; a replica back takes reads again', async () => {
    for (let i = 0; i < 4; i++) expect((await rest(two, '/note?select=id')).status).toBe(200);
    expect(replica0.matching(NOTE).length).toBe(2);
    expect(replica1.matching(NOTE).length).toBe(2);
    expect(primary.matching(NOTE)).toEqual([]);

    await replica0.stop();
    replica1.clear();
    for (let i = 0; i < 4; i++) expect((await rest(two, '/note?select=id')).status).toBe(200);
    expect((await graphql(two, '{ note { id } }')).data?.['note']).toBeDefined();
    expect(replica1.matching(NOTE).length).toBe(5);
    expect(primary.matching(NOTE)).toEqual([]);
    expect(await poolMetric(two, 'pgduet_db_pool_healthy', 'replica0')).toBe(0);

    await replica1.stop();
    for (let i = 0; i < 3; i++) expect((await rest(two, '/note?select=id')).status).toBe(200);
    expect((await graphql(two, '{ note { id } }')).errors).toBeUndefined();
    expect(primary.matching(NOTE).length).toBe(4);

    // back on its port: the probe finds it, and it takes reads again
    await replica0.start();
    await eventually(async () => (await poolMetric(two, 'pgduet_db_pool_healthy', 'replica0')) === 1, 10_000, 'replica0 probed healthy');
    replica0.clear();
    expect((await rest(two, '/note?select=id')).status).toBe(200);
    expect(replica0.matching(NOTE).length).toBe(1);
  });
});

describe('database.preparedStatements: false (a transaction-mode pooler)', () => {
  let unnamed: RunningServer;
  beforeAll(async () => {
    unnamed = await startTestServer(primary.urlFor(db.url), { mounts: [graphqlMount, restMounts], config: { database: { preparedStatements: false } } });
  });
  afterAll(async () => {
    await unnamed?.close();
  });

  it('by default the same read runs as a named prepared statement', async () => {
    await rest(server, '/note?select=id,body');
    await rest(server, '/note?select=id,body');
    const named = replica0.matching(NOTE).filter((s) => s.name !== '');
    expect(named.length).toBe(2);
    expect(named.some((s) => s.kind === 'bind')).toBe(true);
  });

  it('no named statement is ever sent, and reads, writes, functions and GraphQL all work', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await rest(unnamed, '/note?select=id,body')).status).toBe(200);
      expect((await graphql(unnamed, '{ note(limit: 1) { id } }')).errors).toBeUndefined();
    }
    expect((await rest(unnamed, '/note', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'through a pooler' }) })).status).toBe(201);
    expect((await rest(unnamed, '/rpc/note_count')).status).toBe(200);
    expect((await graphql(unnamed, 'mutation { delete_note(where: {body: {_eq: "through a pooler"}}) { affected_rows } }')).data).toEqual({ delete_note: { affected_rows: 1 } });
    expect(primary.matching(NOTE).length).toBeGreaterThanOrEqual(6);
    expect(primary.statements.filter((s) => s.name !== '')).toEqual([]);
  });
});
