import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer, type GraphqlResponse } from '../support/graphql.js';

/**
 * A client written for Hasura changes the host and nothing else (issue 14): the same API at
 * `/v1/graphql`, `/healthz`, the admin secret with `x-hasura-role` and session variables, and
 * batches of operations.
 */

const SECRET = 'a-hasura-admin-secret';
let db: TestDatabase;
let server: RunningServer;
let oneStatementOff: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const config = (oneStatement: boolean) => ({
    config: {
      graphql: { oneStatement },
      auth: { adminSecret: SECRET },
      permissions: {
        customer: {
          tables: {
            customer: { select: { columns: ['customer_id', 'first_name'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } } },
            rental: { select: { columns: '*' as const, filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } } },
          },
        },
        // sees every customer, but only the rentals staff member 1 handled
        counter: {
          tables: {
            customer: { select: { columns: '*' as const, allowAggregations: true } },
            rental: { select: { columns: '*' as const, filter: { staff_id: { _eq: 1 } }, allowAggregations: true } },
          },
        },
      },
    },
  });
  server = await startGraphqlServer(db.url, config(true));
  oneStatementOff = await startGraphqlServer(db.url, config(false));
});

afterAll(async () => {
  await server?.close();
  await oneStatementOff?.close();
  await db?.drop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}, on = server): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${on.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const admin = { 'x-hasura-admin-secret': SECRET };

async function sqlQuery(text: string): Promise<{ rows: unknown[] }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return { rows: (await client.query(text)).rows };
  } finally {
    await client.end();
  }
}

describe('/v1/graphql and /healthz', () => {
  it('/v1/graphql is the same API as /graphql (POST and GET)', async () => {
    const query = '{ actor(order_by: {actor_id: asc}, limit: 2) { first_name } }';
    const at = await post('/v1/graphql', { query }, admin);
    const there = await post('/graphql', { query }, admin);
    expect(at.status).toBe(200);
    expect(at.body).toEqual({ data: { actor: [{ first_name: 'PENELOPE' }, { first_name: 'NICK' }] } });
    expect(at.body).toEqual(there.body);
    const get = await fetch(`${server.url}/v1/graphql?${new URLSearchParams({ query }).toString()}`, { headers: { ...admin, accept: 'application/json' } });
    expect(await get.json()).toEqual(at.body);
  });

  it('/healthz answers OK as text', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('OK');
  });
});

describe('x-hasura-admin-secret', () => {
  it('the right secret is the admin role: every table, unrestricted', async () => {
    for (const on of [server, oneStatementOff]) {
      const { body } = await post('/v1/graphql', { query: '{ customer_aggregate { aggregate { count } } }' }, admin, on);
      expect(body).toEqual({ data: { customer_aggregate: { aggregate: { count: 599 } } } });
    }
  });

  it('the legacy x-hasura-access-key header works the same way', async () => {
    const { body } = await post('/v1/graphql', { query: '{ customer_aggregate { aggregate { count } } }' }, { 'x-hasura-access-key': SECRET });
    expect(body).toEqual({ data: { customer_aggregate: { aggregate: { count: 599 } } } });
  });

  it('with x-hasura-role and x-hasura-* headers, runs as that role with those session variables', async () => {
    for (const on of [server, oneStatementOff]) {
      const { body } = await post('/v1/graphql', { query: '{ customer { customer_id first_name } }' }, { ...admin, 'x-hasura-role': 'customer', 'x-hasura-user-id': '7' }, on);
      expect(body).toEqual({ data: { customer: [{ customer_id: 7, first_name: 'MARIA' }] } });
      // the role's schema: a column it may not select does not exist for it
      const hidden = await post('/v1/graphql', { query: '{ customer { email } }' }, { ...admin, 'x-hasura-role': 'customer', 'x-hasura-user-id': '7' }, on);
      expect((hidden.body as GraphqlResponse).errors?.[0]?.extensions?.['code']).toBe('validation-failed');
    }
  });

  it('a wrong secret is refused with Hasura\'s code and message, whatever the role asked', async () => {
    for (const headers of [{ 'x-hasura-admin-secret': 'wrong' }, { 'x-hasura-admin-secret': `${SECRET}x`, 'x-hasura-role': 'customer' }, { 'x-hasura-access-key': '' }]) {
      const { status, body } = await post('/v1/graphql', { query: '{ actor(limit: 1) { first_name } }' }, headers);
      expect(status).toBe(200);
      expect(body).toEqual({ errors: [{ message: 'invalid x-hasura-admin-secret/x-hasura-access-key', extensions: { path: '$', code: 'access-denied' } }] });
    }
  });

  it('without a secret the request is anonymous (here: a role with no permissions)', async () => {
    const { body } = await post('/v1/graphql', { query: '{ actor(limit: 1) { first_name } }' });
    expect((body as GraphqlResponse).errors?.[0]?.extensions?.['code']).toBe('validation-failed');
  });

  it('the secret can come from PGDUET_ADMIN_SECRET', async () => {
    const { config } = loadConfig({ env: { PGDUET_ADMIN_SECRET: 's3cret', DATABASE_URL: db.url }, cwd: '/nonexistent' });
    expect(config.auth.adminSecret).toBe('s3cret');
  });
});

describe('batches: a JSON array of operations answers an array', () => {
  it('each operation on its own, in order; one failing leaves the others', async () => {
    for (const on of [server, oneStatementOff]) {
      const { status, body } = await post(
        '/v1/graphql',
        [
          { query: 'query A($id: Int!) { actor_by_pk(actor_id: $id) { first_name } }', variables: { id: 1 } },
          { query: '{ nope }' },
          { query: '{ film_aggregate { aggregate { count } } }', operationName: null },
        ],
        admin,
        on,
      );
      expect(status).toBe(200);
      const answers = body as GraphqlResponse[];
      expect(answers).toHaveLength(3);
      expect(answers[0]).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
      expect(answers[1]?.errors?.[0]?.extensions?.['code']).toBe('validation-failed');
      expect(answers[2]).toEqual({ data: { film_aggregate: { aggregate: { count: 1000 } } } });
    }
  });

  it('an empty batch is refused', async () => {
    const { status, body } = await post('/v1/graphql', [], admin);
    expect(status).toBe(400);
    expect((body as GraphqlResponse).errors?.[0]?.extensions?.['code']).toBe('parse-failed');
  });
});

describe('errors in Hasura\'s shape: its message, extensions.path and extensions.code', () => {
  const CASES: readonly (readonly [string, unknown, string, string, string])[] = [
    ['an unknown field', { query: '{ film(limit: 1) { foo } }' }, "field 'foo' not found in type: 'film'", '$.selectionSet.film.selectionSet.foo', 'validation-failed'],
    ['an unknown field under an alias and a relationship', { query: '{ f: film(limit: 1) { language { nope } } }' }, "field 'nope' not found in type: 'language'", '$.selectionSet.f.selectionSet.language.selectionSet.nope', 'validation-failed'],
    ['an unknown root field', { query: '{ films { title } }' }, "field 'films' not found in type: 'query_root'", '$.selectionSet.films', 'validation-failed'],
    ['an unknown argument', { query: '{ film(foo: 1) { title } }' }, "'film' has no argument named 'foo'", '$.selectionSet.film', 'validation-failed'],
    ['an unknown field of a bool_exp', { query: '{ film(where: {foo: {_eq: 1}}) { title } }' }, "field 'foo' not found in type: 'film_bool_exp'", '$.selectionSet.film.args.where.foo', 'validation-failed'],
    ['a missing required argument', { query: '{ film_by_pk { title } }' }, "missing required field 'film_id'", '$.selectionSet.film_by_pk.args.film_id', 'validation-failed'],
    ['a literal of the wrong type', { query: '{ film(limit: "x") { title } }' }, "expected a 32-bit integer for type 'Int', but found a string", '$.selectionSet.film.args.limit', 'validation-failed'],
    ['a missing variable', { query: 'query($id: Int!) { film_by_pk(film_id: $id) { title } }' }, 'expecting a value for non-nullable variable: "id"', '$', 'validation-failed'],
    ['a variable of the wrong type', { query: 'query($id: Int!) { film_by_pk(film_id: $id) { title } }', variables: { id: 'x' } }, "expected a 32-bit integer for type 'Int', but found a string", '$', 'validation-failed'],
    ['a document that does not parse', { query: '{ film(' }, 'not a valid graphql query', '$.query', 'validation-failed'],
  ];

  it.each(CASES)('%s', async (_name, body, message, path, code) => {
    for (const on of [server, oneStatementOff]) {
      const answer = await post('/v1/graphql', body, admin, on);
      // pgduet answers variables that do not coerce with 400 (GraphQL over HTTP), Hasura with 200
      expect(answer.status).toBe(path === '$' ? 400 : 200);
      expect(answer.body).toEqual({ errors: [{ message, extensions: { path, code } }] });
    }
  });

  it('a body that is not JSON is invalid-json', async () => {
    const res = await fetch(`${server.url}/v1/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{bad' });
    expect(((await res.json()) as GraphqlResponse).errors?.[0]?.extensions).toEqual({ path: '$', code: 'invalid-json' });
  });

  it('an error while running names its root field in extensions.path', async () => {
    for (const on of [server, oneStatementOff]) {
      const { body } = await post('/v1/graphql', { query: 'mutation { insert_language_one(object: {language_id: 1, name: "x"}) { name } }' }, admin, on);
      expect((body as GraphqlResponse).errors?.[0]?.extensions).toEqual({ path: '$.selectionSet.insert_language_one', code: 'constraint-violation', constraint: 'language_pkey' });
    }
  });
});

describe('bool_exp: aggregate predicates over an array relationship', () => {
  const ask = async (query: string, headers: Record<string, string> = admin, on = server): Promise<GraphqlResponse> => (await post('/v1/graphql', { query }, headers, on)).body as GraphqlResponse;

  it('count with a predicate, arguments, distinct and a filter; the same on every route', async () => {
    const { rows } = await sqlQuery(`select
      (select array_agg(a.actor_id order by a.actor_id) from actor a where (select count(*) from film_actor fa where fa.actor_id = a.actor_id) > 40) as many,
      (select count(*) from actor a where (select count(distinct fa.film_id) from film_actor fa join film f using (film_id) where fa.actor_id = a.actor_id and f.rating = 'PG-13') >= 2)::int as pg13`);
    const expected = rows[0] as { many: number[]; pg13: number };
    for (const on of [server, oneStatementOff]) {
      const answer = await ask(
        `{ actor(where: {film_actors_aggregate: {count: {predicate: {_gt: 40}}}}, order_by: {actor_id: asc}) { actor_id }
           actor_aggregate(where: {film_actors_aggregate: {count: {arguments: [film_id], distinct: true, filter: {film: {rating: {_eq: "PG-13"}}}, predicate: {_gte: 2}}}}) { aggregate { count } } }`,
        admin,
        on,
      );
      expect(answer).toEqual({ data: { actor: expected.many.map((actor_id) => ({ actor_id })), actor_aggregate: { aggregate: { count: expected.pg13 } } } });
    }
  });

  it('bool_and and bool_or of a boolean column', async () => {
    const { rows } = await sqlQuery('select (select count(*) from store s where (select bool_and(c.activebool) from customer c where c.store_id = s.store_id))::int as all_active, (select count(*) from store s where (select bool_or(not c.activebool) from customer c where c.store_id = s.store_id) is true)::int as some_inactive');
    const expected = rows[0] as { all_active: number; some_inactive: number };
    const answer = await ask('{ a: store_aggregate(where: {customers_aggregate: {bool_and: {arguments: activebool, predicate: {_eq: true}}}}) { aggregate { count } } b: store_aggregate(where: {customers_aggregate: {bool_or: {arguments: activebool, filter: {activebool: {_eq: false}}, predicate: {_eq: false}}}}) { aggregate { count } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['a']).toEqual({ aggregate: { count: expected.all_active } });
    expect(answer.data?.['b']).toBeDefined();
  });

  it('counts only the related rows the role sees, and only where it may aggregate them', async () => {
    const { rows } = await sqlQuery('select count(*)::int as n from customer c where (select count(*) from rental r where r.customer_id = c.customer_id and r.staff_id = 1) > 15');
    for (const on of [server, oneStatementOff]) {
      const counted = await ask('{ customer_aggregate(where: {rentals_aggregate: {count: {predicate: {_gt: 15}}}}) { aggregate { count } } }', { ...admin, 'x-hasura-role': 'counter' }, on);
      expect(counted).toEqual({ data: { customer_aggregate: { aggregate: { count: (rows[0] as { n: number }).n } } } });
      const refused = await ask('{ customer(where: {rentals_aggregate: {count: {predicate: {_gt: 0}}}}) { customer_id } }', { ...admin, 'x-hasura-role': 'customer', 'x-hasura-user-id': '1' }, on);
      expect(refused.errors?.[0]?.extensions?.['code']).toBe('permission-error');
    }
  });
});
