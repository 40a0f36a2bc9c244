import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';

/**
 * `graphql.limits` (src/graphql/limits.ts): per role, a document over a limit is refused with
 * Hasura's `validation-failed`, status 200, no data, and no statement run — on yoga's path
 * (a request with an `extensions` key, or a GET) and on the fast path's (a plain JSON POST),
 * whose caches of validated documents must not carry a document from one role to another.
 * Roles come from HS256 JWTs; requests without one are `anonymous` (the global limits).
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const key = new TextEncoder().encode(SECRET);

const PERSISTED = 'query FilmTitle($id: Int!) { film_by_pk(film_id: $id) { film_id title } }';
const PERSISTED_HASH = createHash('sha256').update(PERSISTED).digest('hex');
const FILM_7 = '{ film_by_pk(film_id: 7) { title } }';

let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startGraphqlServer(db.url, {
    config: {
      auth: { jwt: { secret: SECRET } },
      graphql: {
        limits: {
          maxDepth: 3,
          persistedQueries: { documents: { [PERSISTED_HASH]: PERSISTED, 'film-7': FILM_7 } },
          roles: {
            deep: { maxDepth: 10 },
            aliases: { maxAliases: 2, maxDirectives: 1 },
            cost: { maxCost: 10 },
            tokens: { maxTokens: 20 },
            closed: { introspection: false },
            persisted: { persistedQueries: { onlyPersisted: true } },
          },
        },
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

type Role = 'anonymous' | 'deep' | 'aliases' | 'cost' | 'tokens' | 'closed' | 'persisted';

const tokens = new Map<Role, string>();
async function bearer(role: Role): Promise<Record<string, string>> {
  if (role === 'anonymous') return {};
  let token = tokens.get(role);
  if (token === undefined) tokens.set(role, (token = await new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(key)));
  return { authorization: `Bearer ${token}` };
}

async function counter(name: string): Promise<number> {
  const metric = await server.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

interface Body {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown> }[];
}

interface Answer {
  readonly status: number;
  readonly body: Body;
  /** the fast path answered */
  readonly fast: boolean;
  /** statements run for it */
  readonly statements: number;
}

async function send(role: Role, init: { readonly body: Record<string, unknown> } | { readonly get: Record<string, unknown> }): Promise<Answer> {
  const [fastBefore, statementsBefore] = [await counter('pgduet_graphql_fast_path_total'), await counter('pgduet_db_statements_total')];
  const headers = { accept: 'application/json', ...(await bearer(role)) };
  const res = 'body' in init
    ? await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(init.body) })
    : await fetch(`${server.url}/graphql?${new URLSearchParams(Object.entries(init.get).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}`, { headers });
  const body = (await res.json()) as Body;
  return {
    status: res.status,
    body,
    fast: (await counter('pgduet_graphql_fast_path_total')) > fastBefore,
    statements: (await counter('pgduet_db_statements_total')) - statementsBefore,
  };
}

/** as the fast path takes it: a plain JSON POST */
const fastForm = (role: Role, body: Record<string, unknown>): Promise<Answer> => send(role, { body });
/** as only yoga takes it: an `extensions` key */
const yogaForm = (role: Role, body: Record<string, unknown>): Promise<Answer> => send(role, { body: { extensions: {}, ...body } });
const viaGet = (role: Role, params: Record<string, unknown>): Promise<Answer> => send(role, { get: params });

/** both forms, fast path's first */
async function bothWays(role: Role, body: Record<string, unknown>): Promise<readonly [Answer, Answer]> {
  return [await fastForm(role, body), await yogaForm(role, body)];
}

/** refused before any SQL: `validation-failed` (each error), status 200, no data, no statement */
function expectRefused(answer: Answer, message: RegExp, errors = 1): void {
  expect(answer.status).toBe(200);
  expect(answer.body).not.toHaveProperty('data');
  expect(answer.body.errors).toHaveLength(errors);
  for (const error of answer.body.errors ?? []) expect(error.extensions?.['code']).toBe('validation-failed');
  expect(answer.body.errors?.[0]?.message).toMatch(message);
  expect(answer.fast).toBe(false);
  expect(answer.statements).toBe(0);
}

function expectData(answer: Answer, data: Record<string, unknown>): void {
  expect(answer.status).toBe(200);
  expect(answer.body).toEqual({ data });
  expect(answer.statements).toBeGreaterThan(0);
}

const DEEP = '{ customer_by_pk(customer_id: 7) { customer_id address { city { city } } } }';
const DEEP_DATA = { customer_by_pk: { customer_id: 7, address: { city: { city: 'Kragujevac' } } } };

describe('depth', () => {
  it('a role with a higher limit runs a deep query on both paths; then a shallower role is refused on both', async () => {
    // the permissive role first, so that both paths have the document validated and cached
    const [fast, yoga] = await bothWays('deep', { query: DEEP });
    expectData(fast, DEEP_DATA);
    expect(fast.fast).toBe(true);
    expectData(yoga, DEEP_DATA);
    expect(yoga.fast).toBe(false);

    for (const answer of [...(await bothWays('anonymous', { query: DEEP })), await viaGet('anonymous', { query: DEEP })]) {
      expectRefused(answer, /^Query depth limit of 3 exceeded, found 4\.$/);
    }
    // a role the config does not name has the global limits
    for (const answer of await bothWays('tokens', { query: DEEP })) expectRefused(answer, /depth limit of 3/);
  });

  it('within the limit, the fast path answers', async () => {
    const answer = await fastForm('anonymous', { query: '{ customer_by_pk(customer_id: 7) { address { address } } }' });
    expectData(answer, { customer_by_pk: { address: { address: '900 Santiago de Compostela Parkway' } } });
    expect(answer.fast).toBe(true);
  });
});

describe('aliases and directives', () => {
  const ALIASES = '{ a: film_by_pk(film_id: 1) { title } b: film_by_pk(film_id: 2) { title } c: film_by_pk(film_id: 3) { title } }';
  const ALIASES_DATA = { a: { title: 'ACADEMY DINOSAUR' }, b: { title: 'ACE GOLDFINGER' }, c: { title: 'ADAPTATION HOLES' } };

  it('three aliases: allowed without a limit, refused over 2', async () => {
    const [fast, yoga] = await bothWays('anonymous', { query: ALIASES });
    expectData(fast, ALIASES_DATA);
    expect(fast.fast).toBe(true);
    expectData(yoga, ALIASES_DATA);
    for (const answer of [...(await bothWays('aliases', { query: ALIASES })), await viaGet('aliases', { query: ALIASES })]) {
      expectRefused(answer, /^Aliases limit of 2 exceeded, found 3\.$/);
    }
    // two are fine
    const two = await fastForm('aliases', { query: '{ a: film_by_pk(film_id: 1) { title } b: film_by_pk(film_id: 2) { title } }' });
    expectData(two, { a: ALIASES_DATA.a, b: ALIASES_DATA.b });
    expect(two.fast).toBe(true);
  });

  it('two directives over a limit of 1', async () => {
    const query = '{ film_by_pk(film_id: 1) { title @include(if: true) film_id @skip(if: false) } }';
    for (const answer of await bothWays('aliases', { query })) expectRefused(answer, /^Directives limit of 1 exceeded, found 2\.$/);
    expectData(await fastForm('anonymous', { query }), { film_by_pk: { title: 'ACADEMY DINOSAUR', film_id: 1 } });
  });
});

describe('cost', () => {
  // graphql-armor's cost: 2 for film, 1.5 for each of its 8 columns: 14
  const COSTLY = '{ film(limit: 1, order_by: {film_id: asc}) { film_id title description release_year language_id rental_duration length rental_rate } }';

  it('an operation over the cost limit is refused; a cheap one runs', async () => {
    const [fast, yoga] = await bothWays('anonymous', { query: COSTLY });
    expect(fast.body.data).toMatchObject({ film: [{ film_id: 1, title: 'ACADEMY DINOSAUR' }] });
    expect(yoga.body).toEqual(fast.body);
    for (const answer of [...(await bothWays('cost', { query: COSTLY })), await viaGet('cost', { query: COSTLY })]) {
      expectRefused(answer, /^Query Cost limit of 10 exceeded, found 14\.$/);
    }
    const cheap = await fastForm('cost', { query: '{ film_by_pk(film_id: 1) { title } }' });
    expectData(cheap, { film_by_pk: { title: 'ACADEMY DINOSAUR' } });
    expect(cheap.fast).toBe(true);
  });
});

describe('tokens', () => {
  // 21 tokens (commas and comments are not tokens)
  const LONG = '{ film(limit: 1, order_by: {film_id: asc}) { film_id title description release_year } } # a comment';

  it('a document of more tokens than the limit is refused; a short one runs', async () => {
    expect((await fastForm('anonymous', { query: LONG })).body.data).toMatchObject({ film: [{ film_id: 1 }] });
    for (const answer of [...(await bothWays('tokens', { query: LONG })), await viaGet('tokens', { query: LONG })]) {
      expectRefused(answer, /^Token limit of 20 exceeded\.$/);
    }
    const short = await fastForm('tokens', { query: '{ film_by_pk(film_id: 1) { title } }' });
    expectData(short, { film_by_pk: { title: 'ACADEMY DINOSAUR' } });
    expect(short.fast).toBe(true);
  });
});

describe('introspection', () => {
  it('is refused for a role without it, and answered for another', async () => {
    // graphql-js's rule reports each field of an introspection type: __schema and queryType
    for (const [query, errors] of [['{ __schema { queryType { name } } }', 2], ['{ __type(name: "film") { name } }', 1]] as const) {
      const [open] = await bothWays('anonymous', { query });
      expect(open.body.errors).toBeUndefined();
      expect(open.statements).toBe(0);
      for (const answer of [...(await bothWays('closed', { query })), await viaGet('closed', { query })]) {
        expectRefused(answer, /^GraphQL introspection has been disabled, but the requested query contained the field "__(schema|type)"\.$/, errors);
      }
    }
    expect((await fastForm('anonymous', { query: '{ __schema { queryType { name } } }' })).body).toEqual({ data: { __schema: { queryType: { name: 'query_root' } } } });
  });

  it('__typename is not introspection', async () => {
    for (const answer of await bothWays('closed', { query: '{ __typename film_by_pk(film_id: 1) { __typename title } }' })) {
      expect(answer.body).toEqual({ data: { __typename: 'query_root', film_by_pk: { __typename: 'film', title: 'ACADEMY DINOSAUR' } } });
    }
  });
});

describe('persisted queries', () => {
  const apollo = { persistedQuery: { version: 1, sha256Hash: PERSISTED_HASH } };
  const FILM_3 = { film_by_pk: { film_id: 3, title: 'ADAPTATION HOLES' } };

  it('a persisted-only role runs a listed document named by its hash or id', async () => {
    expectData(await send('persisted', { body: { extensions: apollo, variables: { id: 3 } } }), FILM_3);
    // Apollo's client sends the text too once it was told PersistedQueryNotFound
    expectData(await send('persisted', { body: { query: PERSISTED, extensions: apollo, variables: { id: 3 } } }), FILM_3);
    expectData(await viaGet('persisted', { extensions: apollo, variables: { id: 3 } }), FILM_3);
    expectData(await send('persisted', { body: { documentId: `sha256:${PERSISTED_HASH}`, variables: { id: 3 } } }), FILM_3);
    expectData(await send('persisted', { body: { documentId: 'film-7' } }), { film_by_pk: { title: 'AIRPLANE SIERRA' } });
    expectData(await send('persisted', { body: { id: 'film-7' } }), { film_by_pk: { title: 'AIRPLANE SIERRA' } });
    expectData(await viaGet('persisted', { documentId: 'film-7' }), { film_by_pk: { title: 'AIRPLANE SIERRA' } });
  });

  it('a persisted-only role is refused anything else, even a listed text sent as a plain query', async () => {
    for (const answer of [
      ...(await bothWays('persisted', { query: PERSISTED, variables: { id: 3 } })),
      ...(await bothWays('persisted', { query: '{ film_by_pk(film_id: 1) { title } }' })),
      await viaGet('persisted', { query: FILM_7 }),
    ]) {
      expectRefused(answer, /^persisted queries only: this role may run only the persisted queries/);
    }
    const unknown = { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } };
    expectRefused(await send('persisted', { body: { extensions: unknown } }), /^persisted queries only: "f{64}" is not a persisted query$/);
    expectRefused(await send('persisted', { body: { query: FILM_7, extensions: unknown } }), /is not a persisted query/);
    expectRefused(await send('persisted', { body: { documentId: 'film-8' } }), /"film-8" is not a persisted query/);
    // a listed id with another text
    expectRefused(await send('persisted', { body: { query: FILM_7, extensions: apollo, variables: { id: 3 } } }), /^the query sent is not the persisted query "[0-9a-f]{64}"$/);
  });

  it('other roles may name persisted documents too, and still send any text', async () => {
    expectData(await send('anonymous', { body: { documentId: 'film-7' } }), { film_by_pk: { title: 'AIRPLANE SIERRA' } });
    // an unknown hash alone: Apollo's message, after which its client sends the text
    expectRefused(await send('anonymous', { body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'e'.repeat(64) } } } }), /^PersistedQueryNotFound$/);
    expectData(await send('anonymous', { body: { query: FILM_7, extensions: { persistedQuery: { version: 1, sha256Hash: 'e'.repeat(64) } } } }), { film_by_pk: { title: 'AIRPLANE SIERRA' } });
    // the persisted document still has the role's limits (here: a role with a depth of 3 is fine)
    const plain = await fastForm('anonymous', { query: PERSISTED, variables: { id: 3 } });
    expectData(plain, FILM_3);
    expect(plain.fast).toBe(true);
  });
});
