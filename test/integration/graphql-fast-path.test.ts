import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';

/**
 * The fast path (src/graphql/fast-path.ts) answers a JSON POST of a known document without
 * graphql-yoga. Its answers must be yoga's: the same status, Content-Type and bytes. Here each
 * request is sent twice, once as the fast path takes it and once with an `extensions` key
 * (which the fast path leaves to yoga), and the counter says which path answered.
 */

let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startGraphqlServer(db.url);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function fastPathCount(): Promise<number> {
  const metric = await server.metrics.registry.getSingleMetric('pgduet_graphql_fast_path_total')?.get();
  return metric?.values[0]?.value ?? 0;
}

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly body: string;
  readonly fast: boolean;
}

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const before = await fastPathCount();
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text, fast: (await fastPathCount()) > before };
}

/** The same request through both paths: the fast one, and yoga (an `extensions` key sends it there). */
async function bothWays(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<[Answer, Answer]> {
  const fast = await post(body, headers);
  const yoga = await post({ ...body, extensions: {} }, headers);
  expect(yoga.fast).toBe(false);
  return [fast, yoga];
}

const W2 = 'query($id: Int!) { customer_by_pk(customer_id: $id) { customer_id first_name address { city { city } } } }';

describe('answers as yoga would', () => {
  it.each([
    ['no Accept', {}],
    ['application/json', { accept: 'application/json' }],
    ['graphql-response+json first', { accept: 'application/graphql-response+json, application/json' }],
    ['*/*', { accept: '*/*' }],
  ])('a query with %s', async (_name, headers) => {
    const [fast, yoga] = await bothWays({ query: W2, variables: { id: 7 } }, headers);
    expect(fast.fast).toBe(true);
    expect(fast).toEqual({ ...yoga, fast: true });
    expect(JSON.parse(fast.body)).toEqual({ data: { customer_by_pk: { customer_id: 7, first_name: 'MARIA', address: { city: { city: 'Kragujevac' } } } } });
  });

  it('a one-field mutation, and its constraint error', async () => {
    const insert = 'mutation($id: Int!, $name: bpchar!) { insert_language_one(object: {language_id: $id, name: $name}) { language_id name } }';
    const first = await post({ query: insert, variables: { id: 901, name: 'Occitan' } });
    expect(first.fast).toBe(true);
    // name is char(20): PostgreSQL pads it
    expect(JSON.parse(first.body)).toEqual({ data: { insert_language_one: { language_id: 901, name: 'Occitan'.padEnd(20) } } });
    // the same key again: a constraint violation, the same error both ways
    const [fast, yoga] = await bothWays({ query: insert, variables: { id: 901, name: 'Occitan' } });
    expect(fast.fast).toBe(true);
    expect(fast).toEqual({ ...yoga, fast: true });
    expect(JSON.parse(fast.body)).toMatchObject({ data: null, errors: [{ path: ['insert_language_one'], extensions: { code: 'constraint-violation', constraint: 'language_pkey' } }] });
  });

  it('a named operation among several', async () => {
    const query = 'query A { language(order_by: {language_id: asc}, limit: 1) { name } } query B { film_by_pk(film_id: 2) { title } }';
    const [fast, yoga] = await bothWays({ query, operationName: 'B' });
    expect(fast.fast).toBe(true);
    expect(fast).toEqual({ ...yoga, fast: true });
    expect(JSON.parse(fast.body)).toEqual({ data: { film_by_pk: { title: 'ACE GOLDFINGER' } } });
  });
});

describe('`__typename` alone (a client\'s health check)', () => {
  it.each([
    ['{ __typename }', { query: '{ __typename }' }, { __typename: 'query_root' }],
    ['aliases, a fragment and @include', { query: 'query($yes: Boolean!) { a: __typename ...F b: __typename @include(if: $yes) c: __typename @skip(if: $yes) } fragment F on query_root { __typename }', variables: { yes: true } }, { a: 'query_root', __typename: 'query_root', b: 'query_root' }],
    ['a mutation', { query: 'mutation { __typename }' }, { __typename: 'mutation_root' }],
    ['an alias named __proto__', { query: '{ __proto__: __typename }' }, JSON.parse('{"__proto__":"query_root"}') as Record<string, string>],
  ])('%s: answered without yoga, as yoga would', async (_name, body, data) => {
    const [fast, yoga] = await bothWays(body);
    expect(fast.fast).toBe(true);
    expect(fast).toEqual({ ...yoga, fast: true });
    expect(JSON.parse(fast.body)).toEqual({ data });
  });

  it('leaves to yoga __typename beside __schema, and a subscription', async () => {
    const meta = await post({ query: '{ __typename __schema { queryType { name } } }' });
    expect(meta.fast).toBe(false);
    expect(JSON.parse(meta.body)).toEqual({ data: { __typename: 'query_root', __schema: { queryType: { name: 'query_root' } } } });
    expect((await post({ query: 'subscription { __typename }' })).fast).toBe(false);
  });
});

describe('leaves to yoga', () => {
  it.each([
    ['a document that does not validate', { query: '{ film_by_pk(film_id: 1) { no_such_field } }' }, 'validation-failed'],
    ['a document that does not parse', { query: '{ film(' }, 'validation-failed'],
    ['variables of the wrong type', { query: W2, variables: { id: 'seven' } }, 'validation-failed'],
    ['a missing operation name', { query: 'query A { film_by_pk(film_id: 1) { title } } query B { film_by_pk(film_id: 2) { title } }' }, 'validation-failed'],
  ])('%s, and yoga reports its error', async (_name, body, code) => {
    const answer = await post(body);
    expect(answer.fast).toBe(false);
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code } }] });
    // a second time: the failed document is remembered, and yoga still answers
    expect(await post(body)).toEqual(answer);
  });

  it('a multi-field mutation (it needs a transaction)', async () => {
    const query = 'mutation { a: insert_language_one(object: {language_id: 902, name: "Breton"}) { language_id } b: delete_language_by_pk(language_id: 902) { language_id } }';
    const answer = await post({ query });
    expect(answer.fast).toBe(false);
    expect(JSON.parse(answer.body)).toEqual({ data: { a: { language_id: 902 }, b: { language_id: 902 } } });
  });

  it('a query with a field only the resolvers answer (avg)', async () => {
    const answer = await post({ query: '{ film_by_pk(film_id: 1) { rating } film_aggregate(where: {film_id: {_eq: 1}}) { aggregate { avg { length } } } }' });
    expect(answer.fast).toBe(false);
    expect(JSON.parse(answer.body)).toEqual({ data: { film_by_pk: { rating: 'PG' }, film_aggregate: { aggregate: { avg: { length: 86 } } } } });
  });

  it('a CORS request, which gets yoga\'s CORS headers', async () => {
    const answer = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://app.example' },
      body: JSON.stringify({ query: W2, variables: { id: 1 } }),
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(await answer.json()).toMatchObject({ data: { customer_by_pk: { customer_id: 1 } } });
  });

  it.each([
    ['a body that is not JSON', 'not json', 'application/json'],
    ['a JSON array (batching)', '[{"query":"{ __typename }"}]', 'application/json'],
    ['a GraphQL body', '{ __typename }', 'application/graphql'],
  ])('%s', async (_name, body, type) => {
    const before = await fastPathCount();
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
    expect(res.status).toBeLessThan(500);
    await res.text();
    expect(await fastPathCount()).toBe(before);
  });
});
