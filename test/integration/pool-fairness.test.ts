import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * Fair use of a pool of 3: a request that cannot get a connection in time is told to retry
 * (REST 503 PGRST003 + Retry-After, GraphQL `database-busy`) instead of a 500; a role with a
 * concurrency cap cannot take every connection; a flood of deeply nested queries is refused by
 * the default limits before it reaches PostgreSQL. Meanwhile a light read still answers.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
let db: TestDatabase;
let server: RunningServer;
let admin: pg.Client;
let batchToken: string;

beforeAll(async () => {
  db = await createTestDatabase({ kind: 'postgres' });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    create table item (id int primary key, name text not null);
    insert into item values (1, 'one'), (2, 'two');
    create table node (id int primary key, parent_id int references node(id));
    insert into node values (1, null), (2, 1), (3, 2);
    create view slow_view as select 1 as id, pg_sleep(1.5)::text as slept;
    create function heavy() returns int language sql volatile as $$ select pg_sleep(1.5); select 1 $$;
    create function heavier() returns int language sql volatile as $$ select pg_sleep(3); select 1 $$;
  `);
  server = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: {
      database: { poolSize: 3, connectTimeoutMs: 500, concurrency: { roles: { batch: 2 } } },
      auth: { jwt: { secret: SECRET } },
    },
  });
  batchToken = await new SignJWT({ role: 'batch' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
});

afterAll(async () => {
  await server?.close();
  await admin?.end();
  await db?.drop();
});

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
  /** ms from the request to its answer */
  readonly ms: number;
}

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Answer> {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  const res = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json(), ms: Date.now() - started };
}

const graphql = (query: string, token?: string): Promise<Answer> => call('/graphql', { method: 'POST', body: { query }, ...(token === undefined ? {} : { token }) });
const codes = (answer: Answer): unknown => (answer.body as { errors?: { extensions: { code: string } }[] }).errors?.map((e) => e.extensions.code);

async function activeStatements(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'pgduet' and state = 'active'`,
  );
  return rows[0]?.n ?? 0;
}

describe('a pool of 3 under load', () => {
  it('no connection in time: REST 503 PGRST003 with Retry-After, GraphQL database-busy; the running requests finish', async () => {
    const heavy = Array.from({ length: 3 }, () => call('/rest/rpc/heavier', { method: 'POST', body: {} }));
    await eventually(async () => (await activeStatements()) === 3, 3000, 'the pool to be full');
    const [rest, busy] = await Promise.all([call('/rest/item?select=name'), graphql('{ item { name } }')]);
    expect(rest.status).toBe(503);
    expect(rest.retryAfter).toBe('1');
    expect(rest.body).toEqual({ code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.', details: null, hint: 'the server is busy: retry shortly' });
    expect(busy.status).toBe(200);
    expect(codes(busy)).toEqual(['database-busy']);
    expect((await Promise.all(heavy)).map((a) => [a.status, a.body])).toEqual([[200, 1], [200, 1], [200, 1]]);
  });

  it("a role's cap keeps connections for the others: a flood of slow queries while a light read answers", async () => {
    const flood = [
      ...Array.from({ length: 4 }, () => graphql('{ slow_view { id } }', batchToken)),
      ...Array.from({ length: 4 }, () => call('/rest/rpc/heavy', { method: 'POST', body: {}, token: batchToken })),
    ];
    await eventually(async () => (await activeStatements()) === 2, 3000, 'the role to hold its 2 connections');
    const light = await call('/rest/item?select=name&order=id');
    expect(light).toMatchObject({ status: 200, body: [{ name: 'one' }, { name: 'two' }] });
    // a 200 at all says a connection was free within the 500 ms wait; it did not wait for the flood
    expect(light.ms).toBeLessThan(1000);
    const lightGraphql = await graphql('{ item(order_by: {id: asc}) { name } }');
    expect(lightGraphql.body).toEqual({ data: { item: [{ name: 'one' }, { name: 'two' }] } });
    // never more than the cap at once
    expect(await activeStatements()).toBeLessThanOrEqual(2);
    const answers = await Promise.all(flood);
    // 2 ran at once (which 2 is a race), the others waited 500 ms for a turn and were told to retry
    const answered = answers.filter((a) => a.status === 200 && codes(a) === undefined);
    expect(answered).toHaveLength(2);
    for (const a of answers.slice(0, 4).filter((x) => !answered.includes(x))) expect(codes(a)).toEqual(['database-busy']);
    for (const a of answers.slice(4).filter((x) => !answered.includes(x))) {
      expect([a.status, a.retryAfter, (a.body as { code: string }).code]).toEqual([503, '1', 'PGRST003']);
    }
  });

  it('a flood of deeply nested queries is refused by the default limits; a light read answers', async () => {
    const nestedGraphql = `{ node { ${'parent { '.repeat(14)}id${' }'.repeat(14)} } }`;
    const nestedRest = `/rest/node?select=${'id,parent('.repeat(14)}id${')'.repeat(14)}`;
    const flood = [...Array.from({ length: 12 }, () => graphql(nestedGraphql)), ...Array.from({ length: 12 }, () => call(nestedRest))];
    const light = await call('/rest/item?select=name&order=id');
    expect(light).toMatchObject({ status: 200, body: [{ name: 'one' }, { name: 'two' }] });
    const answers = await Promise.all(flood);
    for (const a of answers.slice(0, 12)) {
      expect(a.body).toMatchObject({ errors: [{ message: 'Query depth limit of 10 exceeded, found 16.', extensions: { code: 'validation-failed' } }] });
    }
    for (const a of answers.slice(12)) {
      expect(a.status).toBe(400);
      expect(a.body).toMatchObject({ code: 'PGD403', message: 'the request nests relationships 14 deep; at most 8 are allowed' });
    }
  });
});
