import { request, type ClientRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * A client that leaves takes its statement with it: the running statement is cancelled in
 * PostgreSQL (a cancel request), a write's transaction rolls back, and the connection goes
 * back to the pool healthy — for REST reads, writes and RPC, and GraphQL queries and mutations.
 */

let db: TestDatabase;
let server: RunningServer;
/** the same, with every request in a transaction of its own (what PostgreSQL-native mode does) */
let inTransaction: RunningServer;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ kind: 'postgres' });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    create view slow_view as select 1 as id, pg_sleep(30)::text as slept;
    create function slow_rpc() returns int language sql volatile as $$ select pg_sleep(30); select 1 $$;
    create table note (id serial primary key, body text not null);
    create function slow_insert() returns trigger language plpgsql as $$ begin perform pg_sleep(30); return new; end $$;
    create trigger slow_insert before insert on note for each row execute function slow_insert();
  `);
  server = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: { database: { poolSize: 3 } } });
  inTransaction = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: { database: { poolSize: 3 }, postgres: { statementTimeoutMs: { default: 60_000 } } },
  });
});

afterAll(async () => {
  await server?.close();
  await inTransaction?.close();
  await admin?.end();
  await db?.drop();
});

/** The server's statements running now (pid, for telling the connection apart afterwards). */
async function running(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = current_database() and application_name = 'pgduet' and state = 'active' and pid <> pg_backend_pid()`,
  );
  return rows.map((r) => r.pid);
}

/** Sends a request and returns it unanswered; the test destroys it (the client leaves). */
function send(target: RunningServer, method: string, path: string, body?: unknown): ClientRequest {
  const url = new URL(path, target.url);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const req = request(url, { method, headers: text === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } });
  req.on('error', () => undefined);
  req.end(text);
  return req;
}

/**
 * The client leaves while its statement runs; its statement must be gone from
 * pg_stat_activity within 2 s, and its connection back in the pool (the same backend, idle).
 */
async function leaveWhileRunning(method: string, path: string, body?: unknown, target: RunningServer = server): Promise<number> {
  const req = send(target, method, path, body);
  let pid: number | undefined;
  await eventually(async () => ((pid = (await running())[0]) !== undefined), 5000, 'the statement to start');
  const left = Date.now();
  req.destroy();
  await eventually(async () => (await running()).length === 0, 2000, 'the statement to be cancelled');
  const took = Date.now() - left;
  // the same backend, idle in the pool: the connection was not thrown away
  await eventually(() => target.pool.idleCount === target.pool.totalCount, 2000, 'the connection back in the pool');
  const { rows } = await admin.query<{ state: string }>('select state from pg_stat_activity where pid = $1', [pid]);
  expect(rows).toEqual([{ state: 'idle' }]);
  return took;
}

async function graphql(query: string): Promise<unknown> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return res.json();
}

describe('a client that disconnects cancels its statement', () => {
  it('REST read', async () => {
    expect(await leaveWhileRunning('GET', '/rest/slow_view')).toBeLessThan(2000);
  });

  it('REST RPC', async () => {
    expect(await leaveWhileRunning('POST', '/rest/rpc/slow_rpc', {})).toBeLessThan(2000);
  });

  it('GraphQL query', async () => {
    expect(await leaveWhileRunning('POST', '/graphql', { query: '{ slow_view { id } }' })).toBeLessThan(2000);
  });

  it('REST write: the transaction rolls back', async () => {
    expect(await leaveWhileRunning('POST', '/rest/note', { body: 'never' })).toBeLessThan(2000);
    expect((await admin.query('select count(*)::int as n from note')).rows).toEqual([{ n: 0 }]);
  });

  it('GraphQL mutation: the transaction rolls back', async () => {
    expect(await leaveWhileRunning('POST', '/graphql', { query: 'mutation { insert_note_one(object: {body: "never"}) { id } }' })).toBeLessThan(2000);
    expect((await admin.query('select count(*)::int as n from note')).rows).toEqual([{ n: 0 }]);
  });

  it('in a request transaction (PostgreSQL-native mode): a read, and a write that rolls back', async () => {
    expect(await leaveWhileRunning('GET', '/rest/slow_view', undefined, inTransaction)).toBeLessThan(2000);
    expect(await leaveWhileRunning('POST', '/graphql', { query: 'mutation { insert_note_one(object: {body: "never"}) { id } }' }, inTransaction)).toBeLessThan(2000);
    expect(await leaveWhileRunning('POST', '/rest/note', { body: 'never' }, inTransaction)).toBeLessThan(2000);
    expect((await admin.query('select count(*)::int as n from note')).rows).toEqual([{ n: 0 }]);
  });

  it('in a request transaction: clients that leave while waiting for a connection leave no transaction open', async () => {
    // every pooled connection busy with a slow read, so the next requests wait for one
    const slow = Array.from({ length: 3 }, () => send(inTransaction, 'GET', '/rest/slow_view'));
    await eventually(async () => (await running()).length === 3, 5000, 'the slow reads to start');
    // requests whose whole body has arrived, then the client leaves, before a connection is free
    const waiting = [
      ...Array.from({ length: 4 }, () => send(inTransaction, 'POST', '/graphql', { query: '{ note { id } }' })),
      ...Array.from({ length: 4 }, () => send(inTransaction, 'POST', '/rest/note', { body: 'never' })),
    ];
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const req of waiting) req.destroy();
    for (const req of slow) req.destroy();
    // each waiting request gets its connection, finds its client gone, rolls back and releases it
    await eventually(() => inTransaction.pool.idleCount === inTransaction.pool.totalCount && inTransaction.pool.waitingCount === 0, 5000, 'every connection back in the pool');
    const { rows } = await admin.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'pgduet' and state like 'idle in transaction%'`,
    );
    expect(rows).toEqual([{ n: 0 }]);
    expect((await admin.query('select count(*)::int as n from note')).rows).toEqual([{ n: 0 }]);
    const res = await fetch(`${inTransaction.url}/rest/note?select=body`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('the pool serves the next requests normally', async () => {
    await admin.query('alter table note disable trigger slow_insert');
    expect(await graphql('mutation { insert_note_one(object: {body: "kept"}) { body } }')).toEqual({ data: { insert_note_one: { body: 'kept' } } });
    const res = await fetch(`${server.url}/rest/note?select=body`);
    expect(await res.json()).toEqual([{ body: 'kept' }]);
  });

  it('a client that stays gets its answer (nothing is cancelled by mistake)', async () => {
    await admin.query(`create or replace function quick_rpc() returns int language sql volatile as $$ select pg_sleep(0.3); select 7 $$`);
    await server.reload();
    const answers = await Promise.all(Array.from({ length: 6 }, () => fetch(`${server.url}/rest/rpc/quick_rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.json())));
    expect(answers).toEqual([7, 7, 7, 7, 7, 7]);
  });
});
