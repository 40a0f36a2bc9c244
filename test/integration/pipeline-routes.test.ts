import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { planDepth, type Plan } from '../../src/plan/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { recordedPlans } from '../fixtures/plugins/record-plans.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * One pipeline for every GraphQL route (issue 9). A GraphQL request is answered by one of
 * three routes — the fast path (a plain JSON POST one statement answers), yoga's path with one
 * statement (here: a GET), or graphql-js's resolvers (with `graphql.oneStatement: false`
 * always; otherwise when PostgreSQL cannot shape the answer). Whichever answers, the chain
 * must see the same Plans and the answer must be the same; every shape rule (depth, rows, a
 * hidden column, a row filter) must hold on every route and on REST.
 */

const RECORDER = fileURLToPath(new URL('../fixtures/plugins/record-plans.ts', import.meta.url));
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

let db: TestDatabase;
let oneStatement: RunningServer;
let resolvers: RunningServer;

type Route = 'fast path' | 'yoga GET' | 'yoga POST' | 'resolvers';
const ROUTES: readonly Route[] = ['fast path', 'yoga GET', 'resolvers'];

interface Answer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { readonly message: string; readonly path?: readonly unknown[]; readonly extensions?: { readonly code?: string } }[];
}

/** A GraphQL request through one route; its answer and the request id it was sent with. */
async function ask(route: Route, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}, servers = { oneStatement, resolvers }): Promise<{ answer: Answer; id: string }> {
  const id = randomUUID();
  const common = { 'x-request-id': id, accept: 'application/json', ...headers };
  let res: Response;
  if (route === 'yoga GET') {
    const params = new URLSearchParams({ query, ...(variables === undefined ? {} : { variables: JSON.stringify(variables) }) });
    res = await fetch(`${servers.oneStatement.url}/graphql?${params.toString()}`, { headers: common });
  } else {
    const server = route === 'resolvers' ? servers.resolvers : servers.oneStatement;
    // an `extensions` key sends a POST past the fast path, to yoga
    const extensions = route === 'yoga POST' ? { extensions: {} } : {};
    res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...common, 'content-type': 'application/json' }, body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }), ...extensions }) });
  }
  expect(res.status).toBe(200);
  return { answer: (await res.json()) as Answer, id };
}

const fastPathAnswers = async (server: RunningServer): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('pgduet_graphql_fast_path_total'));
  return Number(line?.split(' ')[1] ?? 0);
};

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create function film_title_length(f film) returns int language sql stable as $$ select length(f.title) $$;
    create function films_longer_than(min_length int) returns setof film language sql stable as $$ select * from film where length > min_length $$;
  `);
  await sql.end();
  const config = (channel: string, graphqlOneStatement: boolean) => ({
    plugins: [{ module: RECORDER, options: { channel } }],
    graphql: { oneStatement: graphqlOneStatement },
  });
  oneStatement = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config('one-statement', true) });
  resolvers = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config('resolvers', false) });
});

afterAll(async () => {
  await oneStatement?.close();
  await resolvers?.close();
  await db?.drop();
});

const MATRIX: readonly { readonly name: string; readonly query: string; readonly variables?: Record<string, unknown> }[] = [
  {
    name: 'nested relationships, three levels',
    query: '{ film(order_by: {film_id: asc}, limit: 3) { title language { name } actors(order_by: {actor_id: asc}, limit: 2) { first_name films(order_by: {film_id: asc}, limit: 1) { title } } } }',
  },
  {
    name: 'an aggregate with nodes and their relationships',
    query: '{ film_aggregate(where: {length: {_gt: 180}}, order_by: {film_id: asc}, limit: 4) { aggregate { count max { length } } nodes { title language { name } } } }',
  },
  {
    name: 'an aggregate relationship per parent',
    query: '{ actor(order_by: {actor_id: asc}, limit: 3) { first_name film_actors_aggregate { aggregate { count } } } }',
  },
  {
    name: 'a computed field',
    query: '{ film(order_by: {film_id: asc}, limit: 3) { title film_title_length } }',
  },
  {
    name: 'a set-returning function with a relationship',
    query: '{ films_longer_than(args: {min_length: 183}, order_by: {film_id: asc}) { title language { name } } }',
  },
  {
    name: 'fragments, variables and aliases',
    query: `query Films($limit: Int!, $min: smallint) {
      long: film(where: {length: {_gte: $min}}, order_by: {film_id: asc}, limit: $limit) { ...F }
      first: film_by_pk(film_id: 1) { ...F }
    }
    fragment F on film { id: film_id t: title lang: language { n: name } }`,
    variables: { limit: 2, min: 180 },
  },
  {
    name: '__typename on an aggregate, its aggregate, its functions and nodes, aliased too',
    query: `{ film_aggregate(where: {length: {_gt: 180}}, order_by: {film_id: asc}, limit: 2) {
      __typename t: __typename
      aggregate { __typename count sum { __typename length } max { t: __typename length } }
      nodes { __typename title language { __typename name } }
    } actor(order_by: {actor_id: asc}, limit: 2) { __typename film_actors_aggregate { __typename aggregate { __typename count } } } }`,
  },
  {
    name: 'several aliased aggregate and nodes fields under one aggregate',
    query: `{ film_aggregate(order_by: {film_id: asc}, limit: 3) {
      a: aggregate { count } b: aggregate { sum { length } max { length } }
      n1: nodes { title } n2: nodes { film_id language { name } } n3: nodes { title }
    } }`,
  },
  {
    name: 'several identical nodes (one statement shapes them)',
    query: '{ film_aggregate(order_by: {film_id: asc}, limit: 2) { n1: nodes { title } n2: nodes { title } c: aggregate { count } } }',
  },
  {
    name: 'a native enum (its labels as they are, "PG-13") next to a nested list',
    query: '{ film(order_by: {film_id: asc}, limit: 2) { title rating actors(order_by: {actor_id: asc}, limit: 1) { last_name } } }',
  },
];

describe('route parity: the same Plans, the same answer', () => {
  it.each(MATRIX)('$name', async ({ query, variables }) => {
    const seen: { route: Route; answer: Answer; plans: readonly Plan[] }[] = [];
    for (const route of ROUTES) {
      const { answer, id } = await ask(route, query, variables);
      expect(answer.errors).toBeUndefined();
      const plans = recordedPlans(route === 'resolvers' ? 'resolvers' : 'one-statement').get(id) ?? [];
      seen.push({ route, answer, plans });
    }
    const [first, ...others] = seen;
    expect(first?.plans.length).toBeGreaterThan(0);
    for (const other of others) {
      expect(other.answer, `${other.route} answers as ${first?.route}`).toEqual(first?.answer);
      expect(other.plans, `${other.route}: the chain saw the Plans it saw on ${first?.route}`).toEqual(first?.plans);
    }
  });

  it('answers a nested query on the fast path, and the same query through the resolvers in more statements', async () => {
    const before = await fastPathAnswers(oneStatement);
    const { id } = await ask('fast path', MATRIX[0]?.query ?? '');
    expect(await fastPathAnswers(oneStatement)).toBe(before + 1);
    // the whole tree reached the chain, on the fast path and the resolvers alike: depth 2
    expect(recordedPlans('one-statement').get(id)?.map(planDepth)).toEqual([2]);
    const viaResolvers = await ask('resolvers', MATRIX[0]?.query ?? '');
    expect(recordedPlans('resolvers').get(viaResolvers.id)?.map(planDepth)).toEqual([2]);
  });

  it('a mutation of two root fields is one transaction on every route: the second failing undoes the first', async () => {
    const name = `pipeline-${randomUUID().slice(0, 8)}`;
    for (const route of ['fast path', 'yoga POST', 'resolvers'] as const) {
      const { answer } = await ask(route, `mutation { a: insert_category_one(object: {name: "${name}"}) { category_id } b: insert_film_one(object: {title: "x", language_id: 9999}) { film_id } }`);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('constraint-violation');
    }
    const { answer } = await ask('fast path', `{ category(where: {name: {_eq: "${name}"}}) { category_id } }`);
    expect(answer.data).toEqual({ category: [] });
  });
});

describe('__typename on every mutation payload, on every route', () => {
  const MUTATIONS: readonly { readonly query: string; readonly expected: Record<string, unknown> }[] = [
    {
      query: 'mutation { update_actor(where: {actor_id: {_eq: 1}}, _set: {first_name: "PENELOPE"}) { __typename t: __typename affected_rows returning { __typename actor_id } } }',
      expected: { update_actor: { __typename: 'actor_mutation_response', t: 'actor_mutation_response', affected_rows: 1, returning: [{ __typename: 'actor', actor_id: 1 }] } },
    },
    {
      query: 'mutation { update_actor(where: {actor_id: {_eq: -1}}, _set: {first_name: "NOBODY"}) { __typename affected_rows } }',
      expected: { update_actor: { __typename: 'actor_mutation_response', affected_rows: 0 } },
    },
    {
      query: 'mutation { update_actor_by_pk(pk_columns: {actor_id: 1}, _set: {first_name: "PENELOPE"}) { __typename actor_id } }',
      expected: { update_actor_by_pk: { __typename: 'actor', actor_id: 1 } },
    },
    {
      query: 'mutation { update_actor_many(updates: [{where: {actor_id: {_eq: 1}}, _set: {first_name: "PENELOPE"}}]) { __typename affected_rows } }',
      expected: { update_actor_many: [{ __typename: 'actor_mutation_response', affected_rows: 1 }] },
    },
    {
      query: 'mutation { delete_actor(where: {actor_id: {_eq: -1}}) { __typename affected_rows returning { __typename actor_id } } }',
      expected: { delete_actor: { __typename: 'actor_mutation_response', affected_rows: 0, returning: [] } },
    },
    {
      query: 'mutation { delete_actor_by_pk(actor_id: -1) { __typename actor_id } }',
      expected: { delete_actor_by_pk: null },
    },
  ];

  it.each(['fast path', 'yoga POST', 'resolvers'] as const)('on the %s route', async (route) => {
    for (const { query, expected } of MUTATIONS) {
      const { answer } = await ask(route, query);
      expect(answer, query).toEqual({ data: expected });
    }
    // an insert and a delete of what it inserted, __typename on each payload
    const { answer: inserted } = await ask(route, 'mutation { insert_category_one(object: {name: "typename"}) { __typename category_id } }');
    const row = inserted.data?.['insert_category_one'] as { __typename: string; category_id: number };
    expect(row.__typename).toBe('category');
    const { answer: many } = await ask(route, 'mutation { insert_category(objects: [{name: "typename2"}]) { __typename affected_rows returning { __typename name } } }');
    expect(many.data).toEqual({ insert_category: { __typename: 'category_mutation_response', affected_rows: 1, returning: [{ __typename: 'category', name: 'typename2' }] } });
    const { answer: deleted } = await ask(route, `mutation { delete_category_by_pk(category_id: ${row.category_id}) { __typename name } d: delete_category(where: {name: {_eq: "typename2"}}) { __typename affected_rows } }`);
    expect(deleted.data).toEqual({ delete_category_by_pk: { __typename: 'category', name: 'typename' }, d: { __typename: 'category_mutation_response', affected_rows: 1 } });
  });
});

describe('shape rules hold on every route and on REST', () => {
  let limited: RunningServer;
  let limitedResolvers: RunningServer;
  let viewer: string;

  beforeAll(async () => {
    const config = (oneStatementOn: boolean) => ({
      graphql: { oneStatement: oneStatementOn },
      auth: { jwt: { secret: SECRET } },
      limits: { maxDepth: 1, maxRows: 3 },
      permissions: {
        viewer: {
          tables: {
            film: {
              select: { columns: ['film_id', 'title', 'length', 'language_id', 'rating'], filter: { length: { _gt: 100 } }, allowAggregations: true },
              insert: { columns: ['title', 'length'], check: { length: { _gt: 100 } } },
            },
            language: { select: { columns: '*' as const }, insert: { columns: ['name'] } },
            actor: { select: { columns: ['actor_id', 'first_name', 'last_name'] }, insert: { columns: ['first_name', 'last_name'] } },
            film_actor: { select: { columns: '*' as const }, insert: { columns: ['film_id'], check: { film_id: { _eq: 1 } } } },
          },
        },
      },
    });
    limited = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config(true) });
    limitedResolvers = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config(false) });
    viewer = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
  });

  afterAll(async () => {
    await limited?.close();
    await limitedResolvers?.close();
  });

  // as the role `viewer` (with no permissions rule, the anonymous role sees nothing)
  const askLimited = (route: Route, query: string): Promise<{ answer: Answer; id: string }> =>
    ask(route, query, undefined, { authorization: `Bearer ${viewer}` }, { oneStatement: limited, resolvers: limitedResolvers });

  const DEEP = '{ film(limit: 1) { title actors(limit: 1) { first_name films(limit: 1) { title } } } }';
  // the bypass of issue 9: an aggregate root field that needs resolvers sent the document to
  // them, where each relationship was its own flat Plan of depth 0
  const DEEP_WITH_AVG = `{ film(limit: 1) { title actors(limit: 1) { first_name films(limit: 1) { title } } } film_aggregate { aggregate { avg { length } } } }`;

  it.each(ROUTES)('depth: a query two relationships deep is refused on the %s route, with or without an aggregate that needs resolvers', async (route) => {
    for (const query of [DEEP, DEEP_WITH_AVG]) {
      const { answer } = await askLimited(route, query);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('validation-failed');
      expect(answer.errors?.[0]?.message).toMatch(/nests relationships 2 deep; at most 1/);
    }
  });

  it('depth: REST refuses the same depth of embedding', async () => {
    const res = await fetch(`${limited.url}/rest/film?select=title,actor(first_name,film(title))&limit=1`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'PGD403' });
  });

  it.each(ROUTES)('rows: a list is capped at maxRows on the %s route, also next to a root field that needs resolvers', async (route) => {
    const { answer } = await askLimited(route, '{ film(order_by: {film_id: asc}) { film_id } }');
    expect((answer.data?.['film'] as unknown[]).length).toBe(3);
    const mixed = await askLimited(route, '{ film(order_by: {film_id: asc}) { film_id } film_aggregate { aggregate { avg { length } } } }');
    expect((mixed.answer.data?.['film'] as unknown[]).length).toBe(3);
  });

  it.each(ROUTES)('a hidden column does not exist for the role on the %s route', async (route) => {
    const { answer } = await askLimited(route, '{ film(limit: 1) { title description } }');
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('validation-failed');
  });

  it('a hidden column does not exist for the role in REST', async () => {
    const res = await fetch(`${limited.url}/rest/film?select=title,description&limit=1`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(400);
  });

  it.each(ROUTES)('a row filter holds at the top and nested on the %s route, also where resolvers load the relationship', async (route) => {
    for (const extra of ['', 'film_aggregate { aggregate { avg { length } } }']) {
      const { answer } = await askLimited(route, `{ language(order_by: {language_id: asc}, limit: 1) { name films(order_by: {film_id: asc}) { length } } film(order_by: {film_id: asc}) { length } ${extra} }`);
      expect(answer.errors).toBeUndefined();
      const nested = (answer.data?.['language'] as { films: { length: number }[] }[])[0]?.films ?? [];
      const top = answer.data?.['film'] as { length: number }[];
      expect(nested.length).toBeGreaterThan(0);
      expect(top.length).toBe(3);
      for (const film of [...nested, ...top]) expect(film.length).toBeGreaterThan(100);
    }
  });

  it('a row filter holds in REST, at the top and embedded', async () => {
    const res = await fetch(`${limited.url}/rest/language?select=name,film!language_id(length)&order=language_id&limit=1`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { film: { length: number }[] }[];
    expect(body[0]?.film.length).toBeGreaterThan(0);
    for (const film of body[0]?.film ?? []) expect(film.length).toBeGreaterThan(100);
  });

  // a nested insert is split into its statements before the chain: each table's insert rule,
  // check included, holds for the rows inserted through a relationship
  it.each(['fast path', 'resolvers'] as const)('a nested row must pass its own table\'s insert check on the %s route', async (route) => {
    const name = `Nested-${randomUUID().slice(0, 6)}`;
    const refused = await askLimited(route, `mutation { insert_language_one(object: {name: "${name}", films: {data: [{title: "SHORT ONE", length: 50}]}}) { name } }`);
    expect(refused.answer.errors?.[0]?.extensions?.code).toBe('permission-error');
    const passed = await askLimited(route, `mutation { insert_language_one(object: {name: "${name}", films: {data: [{title: "LONG ONE", length: 150}]}}) { name films { title length } } }`);
    expect(passed.answer).toEqual({ data: { insert_language_one: { name: name.padEnd(20), films: [{ title: 'LONG ONE', length: 150 }] } } });
  });

  it('a nested row must pass its own table\'s insert check in REST', async () => {
    const name = `REST${randomUUID().slice(0, 6)}`;
    const post = (filmId: number) =>
      fetch(`${limited.url}/rest/actor?select=first_name,film_actor(film_id)`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json', prefer: 'return=representation' },
        body: JSON.stringify({ first_name: name, last_name: 'NESTED', film_actor: [{ film_id: filmId }] }),
      });
    const refused = await post(2);
    expect(refused.status).toBe(403);
    const passed = await post(1);
    expect(passed.status).toBe(201);
    expect(await passed.json()).toEqual([{ first_name: name, film_actor: [{ film_id: 1 }] }]);
  });
});
