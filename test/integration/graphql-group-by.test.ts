import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { Plan } from '../../src/plan/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { recordedPlans } from '../fixtures/plugins/record-plans.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * GROUP BY in GraphQL (issue 14, item 11): `<t>_groups(group_by:, where:, having:, order_by:,
 * limit:, offset:) { keys { … } aggregate { … } }` on Pagila. Every answer is compared with a
 * GROUP BY PostgreSQL computes here, and with itself on every GraphQL route (the fast path,
 * yoga's GET, the resolvers); permission rules and limits hold for it as for `<t>_aggregate`.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const RECORDER = fileURLToPath(new URL('../fixtures/plugins/record-plans.ts', import.meta.url));

let db: TestDatabase;
let sql: pg.Client;
let oneStatement: RunningServer;
let resolvers: RunningServer;

type Route = 'fast path' | 'yoga GET' | 'resolvers';
const ROUTES: readonly Route[] = ['fast path', 'yoga GET', 'resolvers'];

interface Answer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

interface Group {
  readonly keys: Record<string, unknown>;
  readonly aggregate: Record<string, unknown>;
}

async function ask(route: Route, query: string, headers: Record<string, string> = {}, servers = { oneStatement, resolvers }): Promise<Answer> {
  return (await askWithId(route, query, headers, servers)).answer;
}

/** The answer, and the request id it was sent with (the Plans the chain saw are recorded under it). */
async function askWithId(route: Route, query: string, headers: Record<string, string> = {}, servers = { oneStatement, resolvers }): Promise<{ answer: Answer; id: string }> {
  const id = randomUUID();
  headers = { ...headers, 'x-request-id': id };
  let res: Response;
  if (route === 'yoga GET') {
    res = await fetch(`${servers.oneStatement.url}/graphql?${new URLSearchParams({ query }).toString()}`, { headers: { accept: 'application/json', ...headers } });
  } else {
    const server = route === 'resolvers' ? servers.resolvers : servers.oneStatement;
    res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify({ query }) });
  }
  // bad input is a GraphQL error, never a 500
  expect(res.status).toBeLessThan(500);
  return { answer: (await res.json()) as Answer, id };
}

/**
 * The answer of every route, which must be the same, as must the Plans the chain saw for it;
 * its data (there must be no errors).
 */
async function groups(query: string, key = 'film_groups'): Promise<Group[]> {
  const asked = await Promise.all(ROUTES.map((route) => askWithId(route, query)));
  const plans = asked.map(({ id }, i): readonly Plan[] => recordedPlans(ROUTES[i] === 'resolvers' ? 'resolvers' : 'one-statement').get(id) ?? []);
  const [first, ...others] = asked.map(({ answer }) => answer);
  others.forEach((other, i) => expect(other, `${ROUTES[i + 1] ?? ''} answers as the fast path`).toEqual(first));
  expect(plans[0]?.length).toBe(1);
  plans.slice(1).forEach((other, i) => expect(other, `${ROUTES[i + 1] ?? ''}: the chain saw the Plan it saw on the fast path`).toEqual(plans[0]));
  expect(first?.errors, JSON.stringify(first?.errors)).toBeUndefined();
  return first?.data?.[key] as Group[];
}

async function rows(text: string): Promise<Record<string, unknown>[]> {
  return (await sql.query(text)).rows as Record<string, unknown>[];
}

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  // json has no equality: a json column cannot group
  await sql.query(`create table doc (id serial primary key, tag text not null, body json); insert into doc (tag, body) values ('a', '{}'), ('a', '[]'), ('b', null)`);
  const config = (channel: string, graphqlOneStatement: boolean) => ({ plugins: [{ module: RECORDER, options: { channel } }], graphql: { oneStatement: graphqlOneStatement } });
  oneStatement = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config('one-statement', true) });
  resolvers = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config('resolvers', false) });
});

afterAll(async () => {
  await oneStatement?.close();
  await resolvers?.close();
  await sql?.end();
  await db?.drop();
});

describe('film_groups: groups and their aggregates', () => {
  it('groups by one key: count, sum, max and avg per group, as GROUP BY computes them', async () => {
    const answer = await groups('{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count sum { length } max { rental_rate } avg { length } } } }');
    const expected = await rows('select rating, count(*)::int as count, sum(length)::int as sum, max(rental_rate)::float8 as max, avg(length)::float8 as avg from film group by rating order by rating');
    expect(answer.length).toBe(5);
    expect(answer.map((g) => g.keys['rating'])).toEqual(expected.map((r) => r['rating']));
    answer.forEach((group, i) => {
      const row = expected[i] as Record<string, number>;
      expect(group.aggregate['count']).toBe(row['count']);
      expect(group.aggregate['sum']).toEqual({ length: row['sum'] });
      expect(Number((group.aggregate['max'] as Record<string, unknown>)['rental_rate'])).toBe(row['max']);
      expect((group.aggregate['avg'] as Record<string, number>)['length']).toBeCloseTo(row['avg'] as number, 6);
    });
  });

  it('groups by two keys (a key not asked for still groups)', async () => {
    const answer = await groups(`{ film_groups(group_by: [rating, rental_duration], order_by: [{keys: {rating: asc}}, {keys: {rental_duration: asc}}]) {
      keys { rating rental_duration } aggregate { count sum { length } } } }`);
    const expected = await rows('select rating, rental_duration, count(*)::int as count, sum(length)::int as sum from film group by 1, 2 order by 1, 2');
    expect(answer).toEqual(expected.map((r) => ({ keys: { rating: r['rating'], rental_duration: r['rental_duration'] }, aggregate: { count: r['count'], sum: { length: r['sum'] } } })));
    // only one key shown: still 5 × 5 groups, not 5
    const counts = await groups('{ film_groups(group_by: [rating, rental_duration], order_by: [{keys: {rating: asc}}, {keys: {rental_duration: asc}}]) { keys { rating } aggregate { count } } }');
    expect(counts.map((g) => g.aggregate['count'])).toEqual(expected.map((r) => r['count']));
  });

  it('is answered by one statement on the fast path when PostgreSQL shapes it all (no avg)', async () => {
    const fastPath = async (): Promise<number> => {
      const line = (await (await fetch(`${oneStatement.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('pgduet_graphql_fast_path_total'));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const query = '{ film_groups(group_by: [rating], having: {count: {predicate: {_gt: 1}}}, order_by: [{aggregate: {count: desc}}]) { keys { rating } aggregate { count sum { length } } } }';
    await ask('fast path', query); // parsed and validated once: the next one takes the fast path
    const before = await fastPath();
    expect((await ask('fast path', query)).errors).toBeUndefined();
    expect(await fastPath()).toBe(before + 1);
  });

  it('count(columns, distinct) per group', async () => {
    const answer = await groups('{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count(columns: [rental_duration], distinct: true) } } }');
    const expected = await rows('select rating, count(distinct rental_duration)::int as n from film group by 1 order by 1');
    expect(answer.map((g) => g.aggregate['count'])).toEqual(expected.map((r) => r['n']));
  });

  it('where filters the rows before they are grouped', async () => {
    const answer = await groups('{ film_groups(group_by: [rating], where: {length: {_gt: 120}, title: {_like: "%A%"}}, order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count min { length } } } }');
    const expected = await rows(`select rating, count(*)::int as count, min(length)::int as min from film where length > 120 and title like '%A%' group by 1 order by 1`);
    expect(answer).toEqual(expected.map((r) => ({ keys: { rating: r['rating'] }, aggregate: { count: r['count'], min: { length: r['min'] } } })));
  });

  it('having keeps the groups whose aggregates match: count, a function of a column, a filtered count, _or and _not', async () => {
    const keysOf = (list: Group[]): unknown[] => list.map((g) => `${String(g.keys['rating'])}/${String(g.keys['rental_duration'])}`);
    const keysFrom = (list: Record<string, unknown>[]): unknown[] => list.map((r) => `${String(r['rating'])}/${String(r['rental_duration'])}`);
    const order = 'order_by: [{keys: {rating: asc}}, {keys: {rental_duration: asc}}]';
    const shape = '{ keys { rating rental_duration } aggregate { count } }';
    const base = 'select rating, rental_duration from film group by 1, 2';
    const cases: readonly [string, string][] = [
      ['{count: {predicate: {_gt: 40}}}', 'count(*) > 40'],
      ['{sum: {length: {_gte: 5000}}, min: {length: {_lt: 50}}}', 'sum(length) >= 5000 and min(length) < 50'],
      ['{max: {rental_rate: {_gte: "4.99"}}, count: {predicate: {_gte: 50}}}', 'max(rental_rate) >= 4.99 and count(*) >= 50'],
      ['{avg: {length: {_gt: 120}}}', 'avg(length) > 120'],
      ['{count: {filter: {length: {_gt: 150}}, predicate: {_gte: 10}}}', 'count(*) filter (where length > 150) >= 10'],
      ['{_or: [{count: {predicate: {_lt: 35}}}, {min: {length: {_gt: 50}}}]}', '(count(*) < 35 or min(length) > 50)'],
      ['{_not: {count: {predicate: {_in: [38, 39, 40, 41]}}}}', 'not count(*) in (38, 39, 40, 41)'],
      ['{min: {title: {_like: "AL%"}}}', "min(title) like 'AL%'"],
      ['{count: {arguments: [length], distinct: true, predicate: {_gte: 38}}}', 'count(distinct length) >= 38'],
    ];
    for (const [having, condition] of cases) {
      const answer = await groups(`{ film_groups(group_by: [rating, rental_duration], having: ${having}, ${order}) ${shape} }`);
      const expected = await rows(`${base} having ${condition} order by 1, 2`);
      expect(expected.length, condition).toBeGreaterThan(0);
      expect(expected.length, condition).toBeLessThan(25);
      expect(keysOf(answer), having).toEqual(keysFrom(expected));
    }
  });

  it('orders groups by an aggregate and by keys, then limit and offset cut the groups', async () => {
    const answer = await groups('{ film_groups(group_by: [rating], order_by: [{aggregate: {count: desc}}, {keys: {rating: asc}}]) { keys { rating } aggregate { count } } }');
    const expected = await rows('select rating, count(*)::int as count from film group by 1 order by count(*) desc, 1');
    expect(answer.map((g) => [g.keys['rating'], g.aggregate['count']])).toEqual(expected.map((r) => [r['rating'], r['count']]));
    const bySum = await groups('{ film_groups(group_by: [rental_duration], order_by: [{aggregate: {sum: {length: desc}}}]) { keys { rental_duration } } }');
    const expectedBySum = await rows('select rental_duration from film group by 1 order by sum(length) desc');
    expect(bySum.map((g) => g.keys['rental_duration'])).toEqual(expectedBySum.map((r) => r['rental_duration']));
    const page = await groups('{ film_groups(group_by: [rating], order_by: [{keys: {rating: desc}}], limit: 2, offset: 1) { keys { rating } } }');
    const expectedPage = await rows('select rating from film group by 1 order by 1 desc limit 2 offset 1');
    expect(page.map((g) => g.keys['rating'])).toEqual(expectedPage.map((r) => r['rating']));
  });

  it('__typename on the group, its keys, its aggregate and a function of it, aliases too', async () => {
    const answer = await groups(`{ film_groups(group_by: [rating], where: {rating: {_eq: "G"}}) {
      __typename t: __typename k: keys { __typename rating } aggregate { __typename n: count sum { __typename length } } } }`);
    const [{ n, sum }] = (await rows(`select count(*)::int as n, sum(length)::int as sum from film where rating = 'G'`)) as [{ n: number; sum: number }];
    expect(answer).toEqual([
      { __typename: 'film_group', t: 'film_group', k: { __typename: 'film_group_keys', rating: 'G' }, aggregate: { __typename: 'film_aggregate_fields', n, sum: { __typename: 'film_sum_fields', length: sum } } },
    ]);
  });

  it('shows an object relationship whose join columns group: the related row of the group', async () => {
    const answer = await groups(`{ film_groups(group_by: [rating, language_id], order_by: [{keys: {rating: asc}}, {keys: {language_id: asc}}]) {
      keys { rating language_id language { __typename name language_id } } aggregate { count } } }`);
    const expected = await rows('select f.rating, f.language_id, l.name, count(*)::int as count from film f join language l using (language_id) group by 1, 2, 3 order by 1, 2');
    expect(answer).toEqual(expected.map((r) => ({ keys: { rating: r['rating'], language_id: r['language_id'], language: { __typename: 'language', name: r['name'], language_id: r['language_id'] } }, aggregate: { count: r['count'] } })));
  });

  it('a group that shows nothing but constants is still one entry per group', async () => {
    const answer = await groups('{ film_groups(group_by: [rating, rental_duration]) { __typename keys { __typename } } }');
    expect(answer).toHaveLength(25);
    expect(new Set(answer.map((g) => JSON.stringify(g)))).toEqual(new Set([JSON.stringify({ __typename: 'film_group', keys: { __typename: 'film_group_keys' } })]));
  });

  it('groups a table with a json column by its other columns', async () => {
    expect(await groups('{ doc_groups(group_by: [tag], order_by: [{keys: {tag: asc}}]) { keys { tag } aggregate { count(columns: [body]) } } }', 'doc_groups')).toEqual([
      { keys: { tag: 'a' }, aggregate: { count: 2 } },
      { keys: { tag: 'b' }, aggregate: { count: 0 } },
    ]);
  });

  it('a fragment on film_aggregate_fields serves film_aggregate and film_groups alike', async () => {
    const query = `{ film_aggregate(where: {rating: {_eq: "PG"}}) { aggregate { ...A } } film_groups(group_by: [rating], where: {rating: {_eq: "PG"}}) { aggregate { ...A } } }
      fragment A on film_aggregate_fields { count max { length } }`;
    const answers = await Promise.all(ROUTES.map((route) => ask(route, query)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    const data = answers[0]?.data as { film_aggregate: { aggregate: unknown }; film_groups: Group[] };
    expect(data.film_groups).toEqual([{ aggregate: data.film_aggregate.aggregate }]);
  });

  it('answers as REST\'s GROUP BY (select=rating,count())', async () => {
    const res = await fetch(`${oneStatement.url}/rest/film?select=rating,count(),length.sum()&order=rating`);
    expect(res.status).toBe(200);
    const rest = (await res.json()) as { rating: string; count: number; sum: number }[];
    const answer = await groups('{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count sum { length } } } }');
    expect(answer).toEqual(rest.map((r) => ({ keys: { rating: r.rating }, aggregate: { count: r.count, sum: { length: Number(r.sum) } } })));
  });
});

describe('bad input is a validation error, never a 500', () => {
  const CASES: readonly [string, string, RegExp][] = [
    ['an unknown column', '{ film_groups(group_by: [nope]) { aggregate { count } } }', /nope/],
    ['an empty group_by', '{ film_groups(group_by: []) { aggregate { count } } }', /group_by.*at least one column/],
    ['no group_by', '{ film_groups { aggregate { count } } }', /group_by/],
    ['a key that does not group', '{ film_groups(group_by: [rating]) { keys { rating title } } }', /"title" is not a grouping key/],
    ['an order by a key that does not group', '{ film_groups(group_by: [rating], order_by: [{keys: {title: asc}}]) { keys { rating } } }', /"title" is not a grouping key/],
    ['an order_by object with two keys', '{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}, aggregate: {count: asc}}]) { keys { rating } } }', /one key/],
    ['a having without an operator', '{ film_groups(group_by: [rating], having: {count: {predicate: {}}}) { keys { rating } } }', /no operator/],
    ['a having compared with null', '{ film_groups(group_by: [rating], having: {sum: {length: {_eq: null}}}) { keys { rating } } }', /cannot be null/],
    ['a negative limit', '{ film_groups(group_by: [rating], limit: -1) { keys { rating } } }', /limit/],
    ['a relationship whose join columns do not group', '{ film_groups(group_by: [rating]) { keys { language { name } } } }', /"language_id" is not a grouping key/],
    ['a json column', '{ doc_groups(group_by: [tag, body]) { aggregate { count } } }', /cannot group "doc" by "body"/],
    ['a json column in keys', '{ doc_groups(group_by: [tag]) { keys { body } } }', /field 'body' not found in type: 'doc_group_keys'/],
  ];

  it.each(CASES)('%s', async (_name, query, message) => {
    for (const route of ROUTES) {
      const answer = await ask(route, query);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code, route).toBe('validation-failed');
      expect(answer.errors?.[0]?.message, route).toMatch(message);
    }
  });
});

it.each(ROUTES)('a relationship inside a key relationship is not supported (%s)', async (route) => {
  const answer = await ask(route, '{ film_groups(group_by: [language_id]) { keys { language { name films(limit: 1) { title } } } } }');
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors?.[0]?.extensions?.code).toBe('not-supported');
});

describe('permissions and limits hold for groups', () => {
  let restricted: RunningServer;
  let restrictedResolvers: RunningServer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const config = (oneStatementOn: boolean) => ({
      auth: { jwt: { secret: SECRET } },
      graphql: { oneStatement: oneStatementOn, maxRows: 4, limits: { roles: { shallow: { maxDepth: 3 } } } },
      limits: { roles: { capped: { maxRows: 2 } } },
      permissions: {
        // rows of at least 100 minutes only, at most 3 groups, no description nor rental_rate
        analyst: {
          tables: {
            film: { select: { columns: ['film_id', 'title', 'length', 'rating', 'rental_duration', 'language_id'], filter: { length: { _gte: 100 } }, limit: 3, allowAggregations: true } },
            language: { select: { columns: ['language_id', 'name'], filter: { name: { _eq: 'Japanese' } } } },
          },
        },
        // may read films, not aggregate them
        viewer: { tables: { film: { select: { columns: '*' as const } } } },
        everyone: { tables: { film: { select: { columns: '*' as const, allowAggregations: true } } } },
        shallow: { tables: { film: { select: { columns: '*' as const, allowAggregations: true } } } },
        capped: { tables: { film: { select: { columns: '*' as const, allowAggregations: true } } } },
      },
    });
    restricted = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config(true) });
    restrictedResolvers = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: config(false) });
    for (const role of ['analyst', 'viewer', 'everyone', 'shallow', 'capped']) {
      tokens[role] = await new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
    }
  });

  afterAll(async () => {
    await restricted?.close();
    await restrictedResolvers?.close();
  });

  const askAs = (role: string, route: Route, query: string): Promise<Answer> =>
    ask(route, query, { authorization: `Bearer ${tokens[role] ?? ''}` }, { oneStatement: restricted, resolvers: restrictedResolvers });

  it.each(ROUTES)('a role without allowAggregations is refused (%s)', async (route) => {
    const answer = await askAs('viewer', route, '{ film_groups(group_by: [rating]) { keys { rating } } }');
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('permission-error');
    // the same role reads the rows
    expect((await askAs('viewer', route, '{ film(limit: 1) { title } }')).errors).toBeUndefined();
  });

  it.each(ROUTES)('the role\'s row filter applies before grouping, its limit caps the groups (%s)', async (route) => {
    const answer = await askAs('analyst', route, '{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count min { length } } } }');
    expect(answer.errors).toBeUndefined();
    const expected = await rows('select rating, count(*)::int as count, min(length)::int as min from film where length >= 100 group by 1 order by 1 limit 3');
    expect(answer.data?.['film_groups']).toEqual(expected.map((r) => ({ keys: { rating: r['rating'] }, aggregate: { count: r['count'], min: { length: r['min'] } } })));
    for (const group of answer.data?.['film_groups'] as Group[]) expect((group.aggregate['min'] as { length: number }).length).toBeGreaterThanOrEqual(100);
  });

  it.each(ROUTES)('a related row in the keys is one the role may read (%s)', async (route) => {
    const answer = await askAs('analyst', route, '{ film_groups(group_by: [language_id], order_by: [{keys: {language_id: asc}}]) { keys { language_id language { name } } aggregate { count } } }');
    expect(answer.errors).toBeUndefined();
    // the role sees Japanese only: the other languages are null; its limit: 3 groups
    const expected = await rows(`select f.language_id, case when l.name = 'Japanese' then l.name end as name, count(*)::int as count from film f join language l using (language_id) where f.length >= 100 group by 1, 2 order by 1 limit 3`);
    expect(expected.filter((r) => r['name'] !== null)).toHaveLength(1);
    expect(answer.data?.['film_groups']).toEqual(expected.map((r) => ({ keys: { language_id: r['language_id'], language: r['name'] === null ? null : { name: r['name'] } }, aggregate: { count: r['count'] } })));
  });

  it.each(ROUTES)('a hidden column is no grouping key, nor aggregated, nor ordered by (%s)', async (route) => {
    for (const query of [
      '{ film_groups(group_by: [rental_rate]) { aggregate { count } } }',
      '{ film_groups(group_by: [rating]) { aggregate { max { rental_rate } } } }',
      '{ film_groups(group_by: [rating], having: {sum: {rental_rate: {_gt: 1}}}) { aggregate { count } } }',
      '{ film_groups(group_by: [rating], order_by: [{aggregate: {max: {rental_rate: asc}}}]) { aggregate { count } } }',
      '{ film_groups(group_by: [rating]) { keys { description } } }',
    ]) {
      const answer = await askAs('analyst', route, query);
      expect(answer.data ?? null, query).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code, query).toBe('validation-failed');
    }
  });

  it.each(ROUTES)('graphql.maxRows bounds the groups (%s)', async (route) => {
    // 5 groups, at most 4: refused, not cut
    const over = await askAs('everyone', route, '{ film_groups(group_by: [rating]) { keys { rating } } }');
    expect(over.data ?? null).toBeNull();
    expect(over.errors?.[0]?.message).toMatch(/"film_groups" has more than 4 rows/);
    const within = await askAs('everyone', route, '{ film_groups(group_by: [rating], limit: 4) { keys { rating } } }');
    expect(within.data?.['film_groups']).toHaveLength(4);
  });

  it.each(ROUTES)('the limits plugin\'s maxRows cuts the groups as it cuts rows (%s)', async (route) => {
    const answer = await askAs('capped', route, '{ film_groups(group_by: [rating], order_by: [{keys: {rating: asc}}]) { keys { rating } } film(order_by: {film_id: asc}) { film_id } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['film_groups']).toEqual([{ keys: { rating: 'G' } }, { keys: { rating: 'PG' } }]);
    expect(answer.data?.['film']).toHaveLength(2);
  });

  it.each(ROUTES)('the depth limit counts the new field (%s)', async (route) => {
    const deep = await askAs('shallow', route, '{ film_groups(group_by: [rating], limit: 1) { aggregate { sum { length } } } }');
    expect(deep.data ?? null).toBeNull();
    expect(deep.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(deep.errors?.[0]?.message).toMatch(/depth limit of 3/);
    const shallow = await askAs('shallow', route, '{ film_groups(group_by: [rating], limit: 1) { keys { rating } } }');
    expect(shallow.errors).toBeUndefined();
  });
});

describe('a live query of groups', () => {
  let live: RunningServer;

  beforeAll(async () => {
    live = await startTestServer(db.url, { mounts: [graphqlMount], config: { subscriptions: { interval: 100 } } });
  });

  afterAll(async () => {
    await live?.close();
    await sql.query(`delete from film where title like 'GROUPLIVE%'`);
  });

  it('follows the rows: a new row changes its group', async () => {
    const client = createClient({ url: `${live.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    const stop = client.subscribe(
      { query: 'subscription { film_groups(group_by: [rating], where: {title: {_like: "GROUPLIVE%"}}, order_by: [{keys: {rating: asc}}]) { keys { rating } aggregate { count } } }' },
      { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined },
    );
    try {
      await eventually(() => results.length >= 1, 5000, 'the first result');
      expect(results[0]).toEqual({ data: { film_groups: [] } });
      await sql.query(`insert into film (title, language_id, rating) values ('GROUPLIVE 1', 1, 'PG'), ('GROUPLIVE 2', 1, 'PG'), ('GROUPLIVE 3', 1, 'R')`);
      await eventually(() => results.length >= 2, 5000, 'the groups after the insert');
      expect(results[1]).toEqual({ data: { film_groups: [{ keys: { rating: 'PG' }, aggregate: { count: 2 } }, { keys: { rating: 'R' }, aggregate: { count: 1 } }] } });
    } finally {
      stop();
      await client.dispose();
    }
  });
});

describe('with naming.case: camel', () => {
  let camel: RunningServer;

  beforeAll(async () => {
    camel = await startTestServer(db.url, { mounts: [graphqlMount], config: { naming: { case: 'camel' } } });
  });

  afterAll(async () => {
    await camel?.close();
  });

  it('groups by camelCased columns, named as the rest of the schema names them', async () => {
    const res = await fetch(`${camel.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ filmActor_groups(group_by: [actorId], order_by: [{aggregate: {count: desc}}, {keys: {actorId: asc}}], limit: 2) { __typename keys { actorId } aggregate { count max { filmId } } } }' }),
    });
    const expected = await rows('select actor_id, count(*)::int as count, max(film_id)::int as max from film_actor group by 1 order by 2 desc, 1 limit 2');
    expect(await res.json()).toEqual({
      data: { filmActor_groups: expected.map((r) => ({ __typename: 'filmActor_group', keys: { actorId: r['actor_id'] }, aggregate: { count: r['count'], max: { filmId: r['max'] } } })) },
    });
  });
});
