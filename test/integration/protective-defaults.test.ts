import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * The protective defaults (README "Protective defaults") change nothing an ordinary client
 * gets on Pagila, and each one, set low, bounds what it says it bounds: a statement runs at
 * most `database.statementTimeoutMs` (REST 504 57014, GraphQL `timeout`), a REST answer has at
 * most `rest.maxRows` rows and says so in Content-Range.
 */

let db: TestDatabase;
let defaults: RunningServer;
let tight: RunningServer;
let perRole: RunningServer;
/** graphql.maxRows set low, with the resolvers instead of one statement */
let resolvers: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true, kind: 'postgres' });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    create function current_timeout() returns text language sql stable as $$ select current_setting('statement_timeout') $$;
    create function slow() returns int language sql volatile as $$ select pg_sleep(2); select 1 $$;
    create view slow_film as select film_id, pg_sleep(2)::text as slept from film where film_id = 1;
    create function films_rated(r mpaa_rating) returns setof film language sql stable as $$ select * from film where rating = r $$;
  `);
  await admin.end();
  defaults = await startTestServer(db.url, { mounts: [graphqlMount, restMounts] });
  tight = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: { database: { statementTimeoutMs: 300 }, rest: { maxRows: 100 }, graphql: { maxRows: 100 } } });
  resolvers = await startTestServer(db.url, { mounts: [graphqlMount], config: { graphql: { maxRows: 100, oneStatement: false } } });
  // a role's own timeout, without PostgreSQL-native mode: SET LOCAL in the request's transaction
  perRole = await startTestServer(db.url, { mounts: [restMounts], config: { postgres: { statementTimeoutMs: { roles: { anonymous: 1500 } } } } });
});

afterAll(async () => {
  await defaults?.close();
  await tight?.close();
  await perRole?.close();
  await resolvers?.close();
  await db?.drop();
});

async function get(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; range: string | null; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, range: res.headers.get('content-range'), body: await res.json() };
}

async function graphql(server: RunningServer, query: string): Promise<{ data?: Record<string, unknown[]> | null; errors?: { message: string; extensions: { code: string } }[] }> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await res.json()) as Awaited<ReturnType<typeof graphql>>;
}

describe('with the defaults, an ordinary client gets everything', () => {
  it('every film, in both protocols', async () => {
    const rest = await get(defaults, '/rest/film?select=film_id');
    expect([rest.status, rest.range, (rest.body as unknown[]).length]).toEqual([200, '0-999/*', 1000]);
    const answer = await graphql(defaults, '{ film { film_id title actors: film_actors { actor { first_name } } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['film']).toHaveLength(1000);
  });

  it('every rental (16044 rows) and every payment', async () => {
    const rentals = await get(defaults, '/rest/rental?select=rental_id');
    expect([rentals.status, rentals.range, (rentals.body as unknown[]).length]).toEqual([200, '0-16043/*', 16044]);
    const payments = await graphql(defaults, '{ payment { payment_id amount } }');
    expect(payments.data?.['payment']).toHaveLength(16049);
  });

  it('a statement_timeout on every connection, outside PostgreSQL-native mode too', async () => {
    expect((await get(defaults, '/rest/rpc/current_timeout')).body).toBe('30s');
    expect((await get(tight, '/rest/rpc/current_timeout')).body).toBe('300ms');
    expect((await get(perRole, '/rest/rpc/current_timeout')).body).toBe('1500ms');
  });
});

describe('each bound, set low, holds and says so', () => {
  it('a statement over the timeout: REST 504 57014, GraphQL timeout (not unexpected)', async () => {
    const res = await fetch(`${tight.url}/rest/rpc/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    const answer = await graphql(tight, '{ slow_film { film_id } }');
    expect(answer.errors?.map((e) => [e.extensions.code, e.message])).toEqual([['timeout', 'the query was cancelled: canceling statement due to statement timeout']]);
  });

  it('a REST answer of more than rest.maxRows rows is cut to it, and Content-Range shows it (PostgREST db-max-rows)', async () => {
    const all = await get(tight, '/rest/film?select=film_id');
    expect([all.status, all.range, (all.body as unknown[]).length]).toEqual([200, '0-99/*', 100]);
    const counted = await get(tight, '/rest/film?select=film_id', { prefer: 'count=exact' });
    expect([counted.status, counted.range]).toEqual([206, '0-99/1000']);
    const asked = await get(tight, '/rest/film?select=film_id&limit=500&offset=950');
    expect([asked.range, (asked.body as unknown[]).length]).toEqual(['950-999/*', 50]);
    const ranged = await get(tight, '/rest/film?select=film_id', { range: '200-499' });
    expect([ranged.range, (ranged.body as unknown[]).length]).toEqual(['200-299/*', 100]);
    // functions returning rows too
    const fn = await get(tight, '/rest/rpc/films_rated?r=PG-13&select=film_id', { prefer: 'count=exact' });
    expect([fn.status, fn.range]).toEqual([206, '0-99/223']);
    // a smaller page is not touched
    expect((await get(tight, '/rest/film?select=film_id&limit=10')).range).toBe('0-9/*');
  });

  it.each([
    ['one statement', () => tight],
    ['resolvers', () => resolvers],
  ])('a GraphQL list of more than graphql.maxRows rows is an error naming it, never a silent cut (%s)', async (_path, server) => {
    const over = await graphql(server(), '{ film { film_id } }');
    expect(over.data ?? null).toBeNull();
    expect(over.errors?.map((e) => [e.extensions.code, e.message])).toEqual([['validation-failed', 'the answer of "film" has more than 100 rows, the most one list may answer (graphql.maxRows)']]);
    expect((await graphql(server(), '{ film(limit: 101) { film_id } }')).errors?.[0]?.extensions.code).toBe('validation-failed');
    // at the bound, and pages of it, answer in full
    expect((await graphql(server(), '{ film(where: {film_id: {_lte: 100}}) { film_id } }')).data?.['film']).toHaveLength(100);
    expect((await graphql(server(), '{ film(limit: 100, offset: 950) { film_id } }')).data?.['film']).toHaveLength(50);
    // lists inside a row are bounded per parent by the depth and cost limits, not by this one
    const nested = await graphql(server(), '{ language(limit: 1) { films { film_id } } }');
    expect(nested.errors).toBeUndefined();
  });
});
