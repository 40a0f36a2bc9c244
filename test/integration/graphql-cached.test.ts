import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';
import { findRedis, freePort, type RunningRedis } from '../support/redis.js';

/**
 * Hasura's `@cached` query directive (issue 14): the answer is kept for `ttl` seconds (60 by
 * default, at most 300) and served again, with `Cache-Control: max-age`, to the same query,
 * variables, operation, role and session; `refresh: true` runs it again. In memory by default;
 * in Redis, shared by two servers, when configured. Staleness is what shows a cached answer:
 * the tests change a row behind the server's back and see the old value come back.
 */

const SECRET = 'cache-test-secret';
const admin = { 'x-hasura-admin-secret': SECRET };
let db: TestDatabase;
let server: RunningServer;
let resolvers: RunningServer;
let redis: RunningRedis;

const permissions = {
  customer: {
    tables: { customer: { select: { columns: ['customer_id', 'first_name'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } } } },
  },
};

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startGraphqlServer(db.url, { config: { auth: { adminSecret: SECRET }, permissions } });
  resolvers = await startGraphqlServer(db.url, { config: { auth: { adminSecret: SECRET }, permissions, graphql: { oneStatement: false } } });
  redis = await findRedis();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await resolvers?.close();
  await redis?.stop();
  await db?.drop();
});

async function sql(text: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

interface Answer {
  readonly body: unknown;
  readonly cacheControl: string | null;
}

async function post(on: RunningServer, body: unknown, headers: Record<string, string> = admin): Promise<Answer> {
  const res = await fetch(`${on.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return { body: await res.json(), cacheControl: res.headers.get('cache-control') };
}

/** pgduet_graphql_cache_total{result} of a server */
async function cacheCount(on: RunningServer, result: 'hit' | 'miss'): Promise<number> {
  const metric = await on.metrics.registry.getSingleMetric('pgduet_graphql_cache_total')?.get();
  return metric?.values.find((v) => v.labels['result'] === result)?.value ?? 0;
}

const setActor = (name: string): Promise<void> => sql('update actor set first_name = $1 where actor_id = 1', [name]);

beforeEach(async () => {
  await setActor('PENELOPE');
});

describe('in memory', () => {
  it('keeps the answer for ttl seconds, says so in Cache-Control, and serves it again', async () => {
    const query = `query First${randomBytes(3).toString('hex')} @cached(ttl: 120) { actor_by_pk(actor_id: 1) { first_name } }`;
    const [hits, misses] = [await cacheCount(server, 'hit'), await cacheCount(server, 'miss')];
    const first = await post(server, { query });
    expect(first.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
    expect(first.cacheControl).toBe('max-age=120');
    await setActor('CHANGED');
    const again = await post(server, { query });
    expect(again.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
    expect(again.cacheControl).toMatch(/^max-age=(119|120)$/);
    expect([await cacheCount(server, 'hit'), await cacheCount(server, 'miss')]).toEqual([hits + 1, misses + 1]);
    // without the directive the query runs, and says nothing of caching
    const plain = await post(server, { query: '{ actor_by_pk(actor_id: 1) { first_name } }' });
    expect(plain.body).toEqual({ data: { actor_by_pk: { first_name: 'CHANGED' } } });
    expect(plain.cacheControl).toBeNull();
    // refresh: true runs it and replaces what is kept
    const refreshed = await post(server, { query: query.replace('@cached(ttl: 120)', '@cached(ttl: 120, refresh: true)') });
    expect(refreshed.body).toEqual({ data: { actor_by_pk: { first_name: 'CHANGED' } } });
    expect(refreshed.cacheControl).toBe('max-age=120');
  });

  it('keys on the query text (not its spacing), the variables and the operation name', async () => {
    const tag = randomBytes(3).toString('hex');
    const query = `query A${tag}($id: Int!) @cached { actor_by_pk(actor_id: $id) { first_name } }`;
    expect((await post(server, { query, variables: { id: 1 } })).cacheControl).toBe('max-age=60');
    await setActor('CHANGED');
    // the same query spaced otherwise: the kept answer
    const spaced = await post(server, { query: query.replace(/ /g, '  ').replace('{', '{\n'), variables: { id: 1 } });
    expect(spaced.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
    // other variables: another answer
    expect((await post(server, { query, variables: { id: 2 } })).body).toEqual({ data: { actor_by_pk: { first_name: 'NICK' } } });
    // another document holding two operations, the other one chosen: runs
    const two = `${query} query B${tag} @cached { actor_by_pk(actor_id: 1) { first_name } }`;
    expect((await post(server, { query: two, operationName: `B${tag}` })).body).toEqual({ data: { actor_by_pk: { first_name: 'CHANGED' } } });
  });

  it('never crosses roles or session variables, and runs authorization first', async () => {
    const query = `query C${randomBytes(3).toString('hex')} @cached { customer { customer_id first_name } }`;
    const as = (id: string): Record<string, string> => ({ ...admin, 'x-hasura-role': 'customer', 'x-hasura-user-id': id });
    expect((await post(server, { query }, as('1'))).body).toEqual({ data: { customer: [{ customer_id: 1, first_name: 'MARY' }] } });
    // another user of the same role: its own rows, not the kept answer
    const other = await post(server, { query }, as('2'));
    expect(other.body).toEqual({ data: { customer: [{ customer_id: 2, first_name: 'PATRICIA' }] } });
    expect(other.cacheControl).toBe('max-age=60');
    // the admin role sees every customer: not the customer's kept answer
    const all = (await post(server, { query })).body as { data: { customer: unknown[] } };
    expect(all.data.customer.length).toBe(599);
    // a session the permissions refuse (no user id) is refused, whatever is kept
    const refused = (await post(server, { query }, { ...admin, 'x-hasura-role': 'customer' })).body as { errors?: { extensions?: { code?: string } }[] };
    expect(refused.errors?.[0]?.extensions?.code).toBe('permission-error');
  });

  it('cuts ttl to 300 seconds, and keeps nothing for ttl 0 or an answer with errors', async () => {
    const tag = randomBytes(3).toString('hex');
    expect((await post(server, { query: `query D${tag} @cached(ttl: 3600) { actor_by_pk(actor_id: 1) { first_name } }` })).cacheControl).toBe('max-age=300');
    const zero = `query E${tag} @cached(ttl: 0) { actor_by_pk(actor_id: 1) { first_name } }`;
    expect((await post(server, { query: zero })).cacheControl).toBeNull();
    await setActor('CHANGED');
    expect((await post(server, { query: zero })).body).toEqual({ data: { actor_by_pk: { first_name: 'CHANGED' } } });
    // a negative limit: an error, never kept
    const failing = `query F${tag} @cached { actor(where: {actor_id: {_eq: 1}}, limit: 1) { first_name } film(limit: -1) { title } }`;
    const failed = await post(server, { query: failing });
    expect((failed.body as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
    expect(failed.cacheControl).toBeNull();
  });

  it('is declared in the schema, for queries only', async () => {
    const introspection = (await post(server, { query: '{ __schema { directives { name locations args { name defaultValue type { kind ofType { name } } } } } }' })).body as {
      data: { __schema: { directives: { name: string; locations: string[]; args: { name: string; defaultValue: string; type: { kind: string; ofType: { name: string } } }[] }[] } };
    };
    const cached = introspection.data.__schema.directives.find((d) => d.name === 'cached');
    expect(cached?.locations).toEqual(['QUERY']);
    expect(cached?.args.map((a) => [a.name, a.defaultValue, a.type.ofType.name])).toEqual([
      ['ttl', '60', 'Int'],
      ['refresh', 'false', 'Boolean'],
    ]);
    const mutation = (await post(server, { query: 'mutation @cached { delete_actor(where: {actor_id: {_eq: -1}}) { affected_rows } }' })).body as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(mutation.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(mutation.errors?.[0]?.message).toMatch(/cached/);
  });

  it('holds on the resolvers route, and for a batch when every operation of it is cached', async () => {
    const tag = randomBytes(3).toString('hex');
    // a relationship: resolvers load it (graphql.oneStatement: false on this server)
    const query = `query G${tag} @cached(ttl: 30) { actor_by_pk(actor_id: 1) { first_name film_actors(limit: 1, order_by: {film_id: asc}) { film_id } } }`;
    const first = await post(resolvers, { query });
    expect(first.cacheControl).toBe('max-age=30');
    await setActor('CHANGED');
    const again = await post(resolvers, { query });
    expect(again.body).toEqual(first.body);
    expect((again.body as { data: { actor_by_pk: { first_name: string } } }).data.actor_by_pk.first_name).toBe('PENELOPE');
    // a batch: both cached, the smaller max-age; one not cached, no Cache-Control
    const other = `query H${tag} @cached(ttl: 20) { actor_by_pk(actor_id: 2) { first_name } }`;
    const batch = await post(server, [{ query: other }, { query: `query I${tag} @cached(ttl: 90) { actor_by_pk(actor_id: 1) { first_name } }` }]);
    expect(batch.cacheControl).toBe('max-age=20');
    expect(batch.body).toEqual([{ data: { actor_by_pk: { first_name: 'NICK' } } }, { data: { actor_by_pk: { first_name: 'CHANGED' } } }]);
    const mixed = await post(server, [{ query: other }, { query: '{ actor_by_pk(actor_id: 1) { first_name } }' }]);
    expect(mixed.cacheControl).toBeNull();
    expect(mixed.body).toEqual(batch.body);
  });
});

describe('in Redis, shared by two servers', () => {
  it('one server serves what the other cached (cache.redis on one, the rate limiter\'s Redis on the other)', async () => {
    const prefix = `pgduet:test:${randomBytes(6).toString('hex')}:`;
    const a = await startGraphqlServer(db.url, { config: { cache: { redis: { url: redis.url, prefix } } } });
    const b = await startGraphqlServer(db.url, { config: { cache: { redis: { url: redis.url, prefix } } } });
    // no cache.redis: the rate limiter's Redis is the cache's (its default prefix; the query's name is new each run)
    const c = await startGraphqlServer(db.url, { config: { rateLimit: { redis: { url: redis.url } } } });
    const d = await startGraphqlServer(db.url, { config: { rateLimit: { redis: { url: redis.url } } } });
    try {
      const query = `query R${randomBytes(3).toString('hex')} @cached(ttl: 45) { actor_by_pk(actor_id: 1) { first_name } }`;
      expect((await post(a, { query }, {})).cacheControl).toBe('max-age=45');
      expect((await post(c, { query }, {})).cacheControl).toBe('max-age=45');
      await setActor('CHANGED');
      const fromB = await post(b, { query }, {});
      expect(fromB.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
      expect(fromB.cacheControl).toMatch(/^max-age=(44|45)$/);
      const fromD = await post(d, { query }, {});
      expect(fromD.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
      expect(fromD.cacheControl).toMatch(/^max-age=(44|45)$/);
    } finally {
      await Promise.all([a.close(), b.close(), c.close(), d.close()]);
    }
  });

  it('a Redis that does not answer is a miss: the query runs', async () => {
    const nowhere = await startGraphqlServer(db.url, { config: { cache: { redis: { url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 200 } } } });
    try {
      const query = `query S${randomBytes(3).toString('hex')} @cached { actor_by_pk(actor_id: 1) { first_name } }`;
      const first = await post(nowhere, { query }, {});
      expect(first.body).toEqual({ data: { actor_by_pk: { first_name: 'PENELOPE' } } });
      expect(first.cacheControl).toBeNull();
      await setActor('CHANGED');
      expect((await post(nowhere, { query }, {})).body).toEqual({ data: { actor_by_pk: { first_name: 'CHANGED' } } });
    } finally {
      await nowhere.close();
    }
  });
});
