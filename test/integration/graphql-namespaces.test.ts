import { GraphQLClient, gql } from 'graphql-request';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from 'graphql';
import { graphqlMount, sdlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { ConfigInput } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run as runCli } from '../support/cli.js';
import { createTestDatabase, runSql as run, type TestDatabase } from '../support/database.js';
import { PgProxy } from '../support/pg-proxy.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * Another source under a namespace root field of the first source's GraphQL schema (issue 16
 * item 5, Hasura's `customization.root_fields.namespace`): `{ book { title } archive { film {
 * title } } }` in one request, the archive's types prefixed (`archive_film`), each part
 * answered by its own source's pipeline (permissions, pool, transaction), errors under the
 * namespace's path, one source cut leaving the other's data.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const AUDIT = join(mkdtempSync(join(tmpdir(), 'pgduet-namespaces-audit-')), 'audit.jsonl');

let first: TestDatabase;
let second: TestDatabase;
let proxy: PgProxy;
let server: RunningServer;


function namespacesConfig(archiveUrl: string, extra: Partial<{ namespace: string | null; typePrefix: string; rootFieldPrefix: string; rootFieldSuffix: string }> = {}): ConfigInput {
  return {
    auth: { jwt: { secret: SECRET } },
    // live queries refetch on NOTIFY (each source LISTENs on its own database), not by the clock
    subscriptions: { interval: 60_000, roles: { watcher: { maxPerInstance: 1 } } },
    audit: { sink: { kind: 'file', path: AUDIT } },
    permissions: {
      anonymous: { tables: { book: { select: {} }, tag: { select: {} } } },
      editor: { tables: { book: { select: {}, insert: {} } } },
      kiosk: { tables: { book: { select: {} } } },
      noint: { tables: { book: { select: {} } } },
    },
    // a role that may run only the persisted queries of its allow-list
    graphql: { limits: { roles: { noint: { introspection: false }, kiosk: { persistedQueries: { onlyPersisted: true, documents: { books_and_tags: '{ book(order_by: {id: asc}, limit: 1) { title } archive { tag { name } } }' } } } } } },
    sources: [
      {
        name: 'archive',
        url: archiveUrl,
        poolSize: 2,
        ...extra,
        permissions: {
          anonymous: { tables: { film: { select: { columns: ['id', 'title'] } }, tag: { select: {} }, note: { select: {} } }, functions: ['film_count', 'boom'] },
          editor: { tables: { film: { select: {}, insert: { columns: ['title', 'rating'] } } } },
          kiosk: { tables: { tag: { select: {} } } },
          watcher: { tables: { tag: { select: {} } } },
        },
      },
    ],
  };
}

beforeAll(async () => {
  [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await run(first.url, `
    create table book (id serial primary key, title text not null);
    insert into book (title) values ('Dune'), ('Emma');
    create table tag (id serial primary key, name text not null);
    insert into tag (name) values ('from-first');
  `);
  await run(second.url, `
    create type mood as enum ('calm', 'tense');
    create table film (id serial primary key, title text not null, rating text, mood mood not null default 'calm', meta jsonb);
    insert into film (title, rating, mood, meta) values ('Alien', 'R', 'tense', '{"a": 1}'), ('Brazil', 'R', 'calm', null), ('Cars', 'G', 'calm', null);
    create table tag (id serial primary key, name text not null);
    insert into tag (name) values ('from-archive');
    create table note (id serial primary key, body text, extra text);
    create function film_count() returns bigint language sql stable as $$ select count(*) from film $$;
    create function boom() returns int language plpgsql stable as $$ begin raise exception 'boom from the archive'; end $$;
  `);
  proxy = new PgProxy({ host: '127.0.0.1', port: Number(new URL(second.url).port || 5432) });
  await proxy.start();
  server = await startTestServer(first.url, { mounts: [graphqlMount, sdlMount, restMounts], config: namespacesConfig(proxy.urlFor(second.url)) });
  await eventually(() => server.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
});

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await Promise.all([first?.drop(), second?.drop()]);
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; path?: string } }[];
}

async function graphql(query: string, options: { variables?: Record<string, unknown>; headers?: Record<string, string>; path?: string; url?: string } = {}): Promise<Answer> {
  const res = await fetch(`${options.url ?? server.url}${options.path ?? '/graphql'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ query, ...(options.variables === undefined ? {} : { variables: options.variables }) }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

const bearer = async (role: string): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
});

describe('the schema', () => {
  it('has the other source under its namespace, its types prefixed beside the first source’s', async () => {
    const answer = await graphql(`{
      query: __type(name: "query_root") { fields { name type { name kind } } }
      ns: __type(name: "archive_archive_query") { fields { name } }
      film: __type(name: "archive_film") { fields { name } }
      tag: __type(name: "tag") { fields { name } }
      archiveTag: __type(name: "archive_tag") { fields { name } }
      mood: __type(name: "archive_mood") { kind }
    }`);
    expect(answer.errors).toBeUndefined();
    const data = answer.data as Record<string, { fields?: { name: string; type?: { name: string | null; kind: string } }[]; kind?: string } | null>;
    const archive = data['query']?.fields?.find((f) => f.name === 'archive');
    // nullable: one source failing leaves the other's data
    expect(archive?.type).toEqual({ name: 'archive_archive_query', kind: 'OBJECT' });
    expect(data['query']?.fields?.map((f) => f.name)).toEqual(expect.arrayContaining(['book', 'tag', 'archive']));
    expect(data['query']?.fields?.map((f) => f.name)).not.toContain('film');
    expect(data['ns']?.fields?.map((f) => f.name)).toEqual(expect.arrayContaining(['film', 'film_by_pk', 'film_aggregate', 'tag', 'film_count']));
    // anonymous sees film's id and title only, as on the source's own endpoint
    expect(data['film']?.fields?.map((f) => f.name).sort()).toEqual(['id', 'title']);
    expect(data['tag']).not.toBeNull();
    expect(data['archiveTag']).not.toBeNull();
    expect(data['mood']).toBeNull(); // anonymous sees no column of that type
  });

  it('lists every type once in the full introspection (the two `tag` tables as tag and archive_tag)', async () => {
    const answer = await graphql('{ __schema { types { name } mutationType { name } } }', { headers: await bearer('editor') });
    expect(answer.errors).toBeUndefined();
    const names = (answer.data as { __schema: { types: { name: string }[] } }).__schema.types.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['book', 'archive_film', 'archive_film_bool_exp', 'archive_archive_query', 'archive_archive_mutation_frontend', 'archive_mood', 'jsonb']));
    expect(names.filter((n) => !n.startsWith('__') && /film/.test(n)).every((n) => n.startsWith('archive_'))).toBe(true);
  });

  it('prints the whole schema, namespaces included, as valid SDL at /graphql/sdl', async () => {
    const sdl = await (await fetch(`${server.url}/graphql/sdl`)).text();
    expect(sdl).toMatch(/^\s*archive: archive_archive_query$/m);
    expect(sdl).toContain('type archive_film {');
    expect(sdl).toContain('type book {');
    // graphql-js builds it back: every type is defined once, every reference resolves
    expect(buildSchema(sdl).getType('archive_film_bool_exp')).toBeDefined();
    // the source's own SDL stays unprefixed
    expect(await (await fetch(`${server.url}/graphql/archive/sdl`)).text()).toContain('type film {');
  });

  it('shows no namespace to a role that may do nothing in that source', async () => {
    // `stranger` is named by no permissions: the archive is not shown to it at all
    const answer = await graphql('{ __type(name: "query_root") { fields { name } } }', { headers: await bearer('stranger') });
    expect(answer.errors).toBeUndefined();
    const names = (answer.data as { __type: { fields: { name: string }[] } }).__type.fields.map((f) => f.name);
    expect(names).not.toContain('archive');
  });

  it('leaves the source’s own endpoint as it was (unprefixed)', async () => {
    const answer = await graphql('{ film(where: {id: {_eq: 1}}) { __typename title } __typename }', { path: '/graphql/archive' });
    expect(answer).toEqual({ data: { film: [{ __typename: 'film', title: 'Alien' }], __typename: 'query_root' } });
  });
});

describe('queries across sources', () => {
  it('answers both sources in one request, in the request’s order', async () => {
    const answer = await graphql(`{
      tag { name }
      archive { tag { name } film(order_by: {id: asc}, where: {title: {_neq: "Cars"}}) { title } count: film_count }
      book(order_by: {id: asc}) { title }
    }`);
    expect(answer).toEqual({
      data: {
        tag: [{ name: 'from-first' }],
        archive: { tag: [{ name: 'from-archive' }], film: [{ title: 'Alien' }, { title: 'Brazil' }], count: 3 },
        book: [{ title: 'Dune' }, { title: 'Emma' }],
      },
    });
    expect(JSON.stringify(Object.keys(answer.data ?? {}))).toBe('["tag","archive","book"]');
  });

  it('takes aliases, fragments, variables of prefixed types, @include and __typename', async () => {
    const answer = await graphql(
      `query Q($where: archive_film_bool_exp!, $withTags: Boolean!, $n: Int) {
        first: archive { __typename films: film(where: $where, order_by: {id: asc}) { ...F } }
        second: archive { tag @include(if: $withTags) { name } }
        ... on query_root { book(limit: $n, order_by: {id: asc}) { title } }
      }
      fragment F on archive_film { __typename id title }`,
      { variables: { where: { title: { _in: ['Alien', 'Cars'] } }, withTags: false, n: 1 } },
    );
    expect(answer).toEqual({
      data: {
        first: { __typename: 'archive_archive_query', films: [{ __typename: 'archive_film', id: 1, title: 'Alien' }, { __typename: 'archive_film', id: 3, title: 'Cars' }] },
        second: {},
        book: [{ title: 'Dune' }],
      },
    });
  });

  it('applies the source’s own permissions: a hidden column is refused for the whole request', async () => {
    const anonymous = await graphql('{ book { title } archive { film { rating } } }');
    expect(anonymous.data ?? null).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(anonymous.errors?.[0]?.message).toMatch(/rating/);
    const editor = await graphql('{ archive { film(where: {id: {_eq: 1}}) { rating mood meta } } }', { headers: await bearer('editor') });
    expect(editor).toEqual({ data: { archive: { film: [{ rating: 'R', mood: 'tense', meta: { a: 1 } }] } } });
  });

  it('reports an error of one source under its namespace and keeps the other source’s data', async () => {
    const answer = await graphql('{ book(limit: 1, order_by: {id: asc}) { title } archive { boom } }');
    // the function's field is nullable: GraphQL nulls it, as the source's own endpoint would
    expect(answer.data).toEqual({ book: [{ title: 'Dune' }], archive: { boom: null } });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.message).toMatch(/boom from the archive/);
    expect(answer.errors?.[0]?.extensions?.path).toMatch(/^\$\.selectionSet\.archive\.selectionSet\.boom/);
  });

  it('runs a persisted query across sources for a persisted-only role, and refuses its own text', async () => {
    const headers = { 'content-type': 'application/json', ...(await bearer('kiosk')) };
    const persisted = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ documentId: 'books_and_tags' }) });
    expect(await persisted.json()).toEqual({ data: { book: [{ title: 'Dune' }], archive: { tag: [{ name: 'from-archive' }] } } });
    const own = await graphql('{ book { title } archive { tag { name } } }', { headers: await bearer('kiosk') });
    expect(own.data ?? null).toBeNull();
    expect(own.errors?.[0]?.message).toMatch(/persisted queries only/);
  });

  it('is answered the same by a real client (graphql-request)', async () => {
    const client = new GraphQLClient(`${server.url}/v1/graphql`);
    const data = await client.request<{ archive: { film_by_pk: { title: string } | null }; book_by_pk: { title: string } | null }>(
      gql`query One($id: Int!) { archive { film_by_pk(id: $id) { title } } book_by_pk(id: $id) { title } }`,
      { id: 2 },
    );
    expect(data).toEqual({ archive: { film_by_pk: { title: 'Brazil' } }, book_by_pk: { title: 'Emma' } });
  });
});

describe('over a WebSocket', () => {
  it('answers a query across sources as over HTTP (graphql-ws)', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let last: unknown;
        client.subscribe(
          { query: 'query { archive { film(where: {id: {_eq: 3}}) { title } } book(where: {id: {_eq: 1}}) { title } }' },
          { next: (r) => void (last = r), error: reject, complete: () => resolve(last) },
        );
      });
      expect(result).toEqual({ data: { archive: { film: [{ title: 'Cars' }] }, book: [{ title: 'Dune' }] } });
    } finally {
      await client.dispose();
    }
  });
});

describe('subscriptions under a namespace', () => {
  const subscribe = (query: string): { results: unknown[]; stop: () => Promise<void> } => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    const stop = client.subscribe({ query }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined });
    return { results, stop: async () => {
      stop();
      await client.dispose();
    } };
  };

  it('is the source’s live query, refetched on its database, under the namespace’s key', async () => {
    const one = subscribe('subscription { archive { film(where: {title: {_eq: "Zardoz"}}) { __typename title } } }');
    try {
      await eventually(() => one.results.length >= 1, 5000, 'the first result');
      expect(one.results[0]).toEqual({ data: { archive: { film: [] } } });
      await run(second.url, `insert into film (title) values ('Zardoz'); notify pgduet_changes, 'film'`);
      await eventually(() => one.results.length >= 2, 5000, 'the refetch after the insert');
      expect(one.results[1]).toEqual({ data: { archive: { film: [{ __typename: 'archive_film', title: 'Zardoz' }] } } });
    } finally {
      await one.stop();
      await run(second.url, `delete from film where title = 'Zardoz'`);
    }
  });

  it('moves to the source’s reloaded schema, or ends with the reason when its field went away', async () => {
    const one = subscribe('subscription { archive { note { body extra } } }');
    try {
      await eventually(() => one.results.length >= 1, 5000, 'the first result');
      expect(one.results[0]).toEqual({ data: { archive: { note: [] } } });
      await run(second.url, 'alter table note drop column extra');
      await server.sources.get('archive')?.reload();
      await eventually(() => one.results.length >= 2, 5000, 'the end after the reload');
      expect(JSON.stringify(one.results[1])).toMatch(/the schema changed: .*extra/);
    } finally {
      await one.stop();
    }
  });

  it('refuses a subscription that mixes a namespace with other root fields (GraphQL’s one-field rule)', async () => {
    const mixed = subscribe('subscription { book { title } archive { film { title } } }');
    try {
      await eventually(() => mixed.results.length >= 1, 5000, 'the refusal');
      expect(JSON.stringify(mixed.results[0])).toContain('must select only one top level field');
    } finally {
      await mixed.stop();
    }
  });
});

describe('mutations across sources', () => {
  it('writes each source’s part in its own database, one after the other', async () => {
    const headers = await bearer('editor');
    const answer = await graphql(
      `mutation { archive { insert_film_one(object: {title: "Dune", rating: "PG"}) { title rating } } insert_book_one(object: {title: "Ulysses"}) { title } }`,
      { headers },
    );
    expect(answer).toEqual({ data: { archive: { insert_film_one: { title: 'Dune', rating: 'PG' } }, insert_book_one: { title: 'Ulysses' } } });
    expect(await run(second.url, `select title, rating from film where title = 'Dune'`)).toEqual([{ title: 'Dune', rating: 'PG' }]);
    expect(await run(first.url, `select title from book where title = 'Ulysses'`)).toEqual([{ title: 'Ulysses' }]);
    expect(await run(first.url, `select count(*)::int as n from book where title = 'Dune'`)).toEqual([{ n: 1 }]);
  });

  it('refuses a write the source’s permissions do not allow (anonymous may not insert a film)', async () => {
    const answer = await graphql('mutation { archive { insert_film_one(object: {title: "Nope"}) { id } } }');
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(await run(second.url, `select count(*)::int as n from film where title = 'Nope'`)).toEqual([{ n: 0 }]);
  });

  it('rolls back only the failing source’s part', async () => {
    const headers = await bearer('editor');
    // the film's title is NOT NULL: the archive's part fails and is rolled back; the book is written
    const answer = await graphql(`mutation { insert_book_one(object: {title: "Walden"}) { title } archive { insert_film_one(object: {rating: "X"}) { id } } }`, { headers });
    expect(answer.data).toEqual({ insert_book_one: { title: 'Walden' }, archive: null });
    expect(answer.errors?.[0]?.extensions?.path).toMatch(/^\$\.selectionSet\.archive/);
    expect(await run(second.url, `select count(*)::int as n from film where rating = 'X'`)).toEqual([{ n: 0 }]);
    expect(await run(first.url, `select count(*)::int as n from book where title = 'Walden'`)).toEqual([{ n: 1 }]);
  });
});

describe('one source cut', () => {
  it('fails only the namespace’s part; the first source’s fields are answered', async () => {
    await proxy.stop();
    try {
      const answer = await graphql('{ book(limit: 1, order_by: {id: asc}) { title } archive { film(limit: 1) { title } } }');
      expect(answer.data).toEqual({ book: [{ title: 'Dune' }], archive: null });
      expect(answer.errors?.[0]?.extensions?.code).toBe('database-unavailable');
      expect(answer.errors?.[0]?.extensions?.path).toMatch(/^\$\.selectionSet\.archive/);
    } finally {
      await proxy.start();
    }
    await eventually(async () => (await graphql('{ archive { film(limit: 1) { title } } }')).errors === undefined, 10_000, 'the archive to answer again');
  });
});

describe('metrics', () => {
  it('counts another source’s requests under its own route', async () => {
    await graphql('{ film(limit: 1) { title } }', { path: '/graphql/archive' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/pgduet_http_requests_total\{protocol="graphql",route="graphql\/archive",status="200"\} [1-9]/);
    expect(text).toMatch(/pgduet_http_requests_total\{protocol="graphql",route="graphql",status="200"\} [1-9]/);
  });
});

describe('reloads', () => {
  it('shows a source’s reload to a WebSocket connection opened before it', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    const ask = (query: string): Promise<unknown> =>
      new Promise((resolve) => {
        let last: unknown;
        client.subscribe({ query }, { next: (r) => void (last = r), error: (e) => resolve({ error: e }), complete: () => resolve(last) });
      });
    try {
      expect(await ask('{ archive { tag { name } } }')).toEqual({ data: { archive: { tag: [{ name: 'from-archive' }] } } });
      await run(second.url, `alter table tag add column shade text default 'blue'`);
      await server.sources.get('archive')?.reload();
      expect(await ask('{ archive { tag { shade } } }')).toEqual({ data: { archive: { tag: [{ shade: 'blue' }] } } });
    } finally {
      await client.dispose();
    }
  });

  it('shows what the source gained after its reload, under the namespace', async () => {
    await run(second.url, `alter table tag add column color text default 'red'`);
    const before = await graphql('{ archive { tag { name color } } }');
    expect(before.errors?.[0]?.extensions?.code).toBe('validation-failed');
    await server.sources.get('archive')?.reload();
    const after = await graphql('{ archive { tag { name color } } book(limit: 1, order_by: {id: asc}) { title } }');
    expect(after).toEqual({ data: { archive: { tag: [{ name: 'from-archive', color: 'red' }] }, book: [{ title: 'Dune' }] } });
  });
});

describe('the command line', () => {
  it('prints another source’s SDL and OpenAPI document with --source, and names the sources it has', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgduet-source-cli-'));
    const file = join(dir, 'pgduet.yaml');
    writeFileSync(file, stringify({ database: { url: first.url }, ...namespacesConfig(second.url) }));
    const [sdl, openapi, unknown] = await Promise.all([
      runCli(['sdl', '--config', file, '--source', 'archive']),
      runCli(['openapi', '--config', file, '--source', 'archive']),
      runCli(['sdl', '--config', file, '--source', 'nope']),
    ]);
    expect(sdl.code, sdl.stderr).toBe(0);
    expect(sdl.stdout).toContain('type film {');
    expect(sdl.stdout).not.toContain('type book {');
    expect(openapi.code, openapi.stderr).toBe(0);
    const paths = Object.keys((JSON.parse(openapi.stdout) as { paths: Record<string, unknown> }).paths);
    expect(paths).toContain('/film');
    expect(paths).not.toContain('/book');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--source nope: no such source in the configuration (its sources: archive)');
  });
});

describe('what the review found', () => {
  it('answers several aliases of one namespace with one statement in its database', async () => {
    proxy.clear();
    const answer = await graphql('{ a: archive { tag { name } } b: archive { film(where: {id: {_eq: 2}}) { title } } c: archive { tag { id } } }');
    expect(answer).toEqual({ data: { a: { tag: [{ name: 'from-archive' }] }, b: { film: [{ title: 'Brazil' }] }, c: { tag: [{ id: 1 }] } } });
    expect(proxy.statements.filter((st) => st.kind !== 'parse' && /film|tag/.test(st.text)).length).toBe(1);
  });

  it('does not blame one alias for an error of a part that holds several', async () => {
    // anonymous may not aggregate films: the archive's part (both aliases) is refused as a whole
    const answer = await graphql('{ a1: archive { film(limit: 1) { title } } a2: archive { film_aggregate { aggregate { count } } } book(limit: 1, order_by: {id: asc}) { title } }');
    expect(answer.data).toEqual({ a1: null, a2: null, book: [{ title: 'Dune' }] });
    expect(answer.errors?.[0]?.extensions?.code).toBe('permission-error');
    expect(answer.errors?.[0]?.path).toBeUndefined();
  });

  it('runs a mutation’s fields in order and stops at the first part that fails', async () => {
    const headers = await bearer('editor');
    const answer = await graphql(
      `mutation { a: insert_book_one(object: {title: "ord-a"}) { title } archive { insert_film_one(object: {rating: "no title"}) { id } } b: insert_book_one(object: {title: "ord-b"}) { title } }`,
      { headers },
    );
    expect(answer.data).toEqual({ a: { title: 'ord-a' }, archive: null, b: null });
    expect(answer.errors?.map((e) => e.extensions?.path)).toEqual([expect.stringMatching(/^\$\.selectionSet\.archive/) as string, '$.selectionSet.b']);
    expect(answer.errors?.[1]?.extensions?.code).toBe('not-run');
    expect(await run(first.url, `select title from book where title like 'ord-%' order by title`)).toEqual([{ title: 'ord-a' }]);
  });

  it('keeps the fields of a mutation stopped at its first part, each null', async () => {
    const answer = await graphql('mutation { archive { insert_film_one(object: {rating: "first fails"}) { id } } insert_book_one(object: {title: "never"}) { title } }', { headers: await bearer('editor') });
    expect(answer.data).toEqual({ archive: null, insert_book_one: null });
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['constraint-violation', 'not-run']);
    expect(await run(first.url, `select count(*)::int as n from book where title = 'never'`)).toEqual([{ n: 0 }]);
  });

  it('writes both sources’ tables and rows into the request’s audit line', async () => {
    const headers = { ...(await bearer('editor')), 'x-request-id': 'ns-audit-1' };
    const answer = await graphql('mutation { insert_book_one(object: {title: "aud-main"}) { id } archive { insert_film_one(object: {title: "aud-arch"}) { id } } }', { headers });
    expect(answer.errors).toBeUndefined();
    await eventually(() => readFileSync(AUDIT, 'utf8').includes('ns-audit-1'), 5000, 'the audit line');
    const line = readFileSync(AUDIT, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['requestId'] === 'ns-audit-1');
    expect(line?.['tables']).toEqual(expect.arrayContaining(['public.book', 'public.film']));
    expect(line?.['rowsAffected']).toBe(2);
  });

  it('frees a subscription’s slot as soon as the client stops it', async () => {
    const open = async (): Promise<{ results: unknown[]; stop: () => Promise<void> }> => {
      const client = createClient({ url: `${server.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { headers: await bearer('watcher') } });
      const results: unknown[] = [];
      const stop = client.subscribe({ query: 'subscription { archive { tag { name } } }' }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined });
      return { results, stop: async () => {
        stop();
        await client.dispose();
      } };
    };
    // watcher may hold one subscription on this server
    for (let i = 0; i < 3; i++) {
      const one = await open();
      await eventually(() => one.results.length >= 1, 5000, 'a result');
      expect(one.results[0]).toEqual({ data: { archive: { tag: [{ name: 'from-archive' }] } } });
      await one.stop();
    }
  });

  it('holds a persisted-only role to its allow-list over a WebSocket too', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { headers: await bearer('kiosk') } });
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { archive { tag { name } } }' }, { next: (r) => resolve(r), error: (e) => resolve({ error: e }), complete: () => undefined });
      });
      expect(JSON.stringify(outcome)).toContain('persisted queries only');
    } finally {
      await client.dispose();
    }
  });

  it('does not print the schema for a role whose introspection is off', async () => {
    const res = await fetch(`${server.url}/graphql/sdl`, { headers: await bearer('noint') });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/introspection is off/);
    expect((await fetch(`${server.url}/graphql/sdl`)).status).toBe(200);
  });

  it('says that a subscription under a namespace is served over a WebSocket when sent over HTTP', async () => {
    const answer = await graphql('subscription { archive { tag { name } } }');
    expect(JSON.stringify(answer)).toContain('is served over a WebSocket');
  });
});

describe('a source beside the first (namespace: null, Hasura’s source without a namespace)', () => {
  let beside: RunningServer;
  beforeAll(async () => {
    beside = await startTestServer(first.url, { mounts: [graphqlMount], config: namespacesConfig(second.url, { namespace: null }) });
    await eventually(() => beside.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
  });
  afterAll(async () => {
    await beside?.close();
  });

  it('answers its root fields beside the first source’s, in one request; a name the first has stays the first’s', async () => {
    const answer = await graphql('{ book(limit: 1, order_by: {id: asc}) { title } film(where: {id: {_eq: 1}}) { __typename title } tag { name } count: film_count }', { url: beside.url });
    expect(answer).toEqual({ data: { book: [{ title: 'Dune' }], film: [{ __typename: 'archive_film', title: 'Alien' }], tag: [{ name: 'from-first' }], count: expect.any(Number) as number } });
    const names = ((await graphql('{ __type(name: "query_root") { fields { name } } }', { url: beside.url })).data as { __type: { fields: { name: string }[] } }).__type.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['book', 'film', 'film_by_pk', 'tag']));
    expect(names).not.toContain('archive');
  });

  it('writes in its own database, and subscribes to its own live query', async () => {
    const headers = await bearer('editor');
    const answer = await graphql('mutation { insert_film_one(object: {title: "Beside"}) { title } }', { url: beside.url, headers });
    expect(answer).toEqual({ data: { insert_film_one: { title: 'Beside' } } });
    expect(await run(second.url, `select count(*)::int as n from film where title = 'Beside'`)).toEqual([{ n: 1 }]);
    expect(await run(first.url, `select count(*)::int as n from information_schema.tables where table_name = 'film'`)).toEqual([{ n: 0 }]);
    const client = createClient({ url: `${beside.url.replace('http', 'ws')}/v1/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const results: unknown[] = [];
    const stop = client.subscribe({ query: 'subscription { film(where: {title: {_eq: "Beside"}}) { title } }' }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: e }), complete: () => undefined });
    try {
      await eventually(() => results.length >= 1, 5000, 'the first result');
      expect(results[0]).toEqual({ data: { film: [{ title: 'Beside' }] } });
    } finally {
      stop();
      await client.dispose();
    }
  });
});

describe('root field prefix and suffix (Hasura’s root_fields.prefix and .suffix)', () => {
  it('names every root field of the source with them, beside the first source’s', async () => {
    const other = await startTestServer(first.url, { mounts: [graphqlMount], config: namespacesConfig(second.url, { namespace: null, rootFieldPrefix: 'old_', rootFieldSuffix: '_v1' }) });
    try {
      await eventually(() => other.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      const answer = await graphql('{ old_film_v1(where: {id: {_eq: 1}}) { title } old_film_by_pk_v1(id: 2) { title } old_tag_v1 { name } tag { name } }', { url: other.url });
      expect(answer).toEqual({ data: { old_film_v1: [{ title: 'Alien' }], old_film_by_pk_v1: { title: 'Brazil' }, old_tag_v1: [{ name: 'from-archive' }], tag: [{ name: 'from-first' }] } });
      // its own endpoint keeps its own names
      expect(await graphql('{ film(where: {id: {_eq: 1}}) { title } }', { url: other.url, path: '/graphql/archive' })).toEqual({ data: { film: [{ title: 'Alien' }] } });
    } finally {
      await other.close();
    }
  });
});

describe('configuration', () => {
  it('refuses two sources under one namespace, and type prefixes that would name the same types', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const load = (sources: unknown[]): unknown => {
      const file = join(mkdtempSync(join(tmpdir(), 'pgduet-ns-config-')), 'pgduet.yaml');
      writeFileSync(file, stringify({ database: { url: first.url }, sources }));
      return loadConfig({ file, env: {} });
    };
    expect(() => load([{ name: 'a', url: second.url }, { name: 'b', url: second.url, namespace: 'a' }])).toThrow(/another source stands under the GraphQL namespace "a"/);
    expect(() => load([{ name: 'a', url: second.url }, { name: 'b', url: second.url, typePrefix: 'a_x' }])).toThrow(/would name the same types/);
    expect(load([{ name: 'a', url: second.url }, { name: 'b', url: second.url }])).toBeDefined();
  });

  it('leaves out a namespace whose type prefix the first source’s types begin with', async () => {
    const other = await startTestServer(first.url, { mounts: [graphqlMount], config: namespacesConfig(second.url, { typePrefix: 'bo' }) });
    try {
      await eventually(() => other.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      // `book` begins with `bo`: archive's `film` would be `bofilm` beside `book`, `book_bool_exp`… — too near to share one schema
      const answer = await graphql('{ archive { film { title } } }', { url: other.url });
      expect(answer.errors?.[0]?.message).toBe("field 'archive' not found in type: 'query_root'");
    } finally {
      await other.close();
    }
  });

  it('takes another namespace and type prefix (Hasura’s root_fields.namespace and type_names.prefix)', async () => {
    const other = await startTestServer(first.url, { mounts: [graphqlMount], config: namespacesConfig(second.url, { namespace: 'legacy', typePrefix: 'Old' }) });
    try {
      await eventually(() => other.sources.get('archive')?.holder.loaded === true, 10_000, 'the archive source to load');
      const answer = await graphql('{ legacy { __typename film(where: {id: {_eq: 1}}) { __typename title } } }', { url: other.url });
      expect(answer).toEqual({ data: { legacy: { __typename: 'Oldlegacy_query', film: [{ __typename: 'Oldfilm', title: 'Alien' }] } } });
      expect((await graphql('{ archive { film { title } } }', { url: other.url })).errors?.[0]?.extensions?.code).toBe('validation-failed');
    } finally {
      await other.close();
    }
  });
});
