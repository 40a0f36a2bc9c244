import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { importedYaml, importHasura, readHasuraMetadata } from '../../src/cli/import-hasura.js';
import { configSchema, loadConfig, type ConfigInput } from '../../src/config/index.js';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import { buildChain, createLogger, startServer, type RunningServer } from '../../src/server/index.js';
import { createTestDatabase, runSql as run, type TestDatabase } from '../support/database.js';
import { startGraphqlServer, type GraphqlResponse } from '../support/graphql.js';
import { eventually } from '../support/server.js';

/**
 * `pgduet import-hasura`: a realistic Hasura metadata export (several roles, manual
 * relationships, computed fields, a tracked function, an action, a remote schema, triggers)
 * becomes a pgduet.yaml that validates, and a server started with it enforces the roles.
 */
const EXPORT = fileURLToPath(new URL('../fixtures/hasura/export.json', import.meta.url));
const DIRECTORY = fileURLToPath(new URL('../fixtures/hasura/metadata', import.meta.url));
const SOURCES = fileURLToPath(new URL('../fixtures/hasura/sources', import.meta.url));
const SECRET = 'import-test-secret';

let db: TestDatabase;
let server: RunningServer;
let yamlText: string;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  yamlText = importedYaml(importHasura(readHasuraMetadata(EXPORT)), 'export.json');
  const imported = parseYaml(yamlText) as ConfigInput;
  server = await startGraphqlServer(db.url, { config: { ...imported, auth: { adminSecret: SECRET } } });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

async function ask(query: string, role?: string, session: Record<string, string> = {}): Promise<GraphqlResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(role === undefined ? {} : { 'x-hasura-admin-secret': SECRET, 'x-hasura-role': role, ...session }) };
  const res = await fetch(`${server.url}/v1/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await res.json()) as GraphqlResponse;
}

describe('import-hasura', () => {
  it('reads an export.json: names, manual relationships and permissions; the rest listed with a reason', () => {
    const { config, notes } = importHasura(readHasuraMetadata(EXPORT));
    expect(() => configSchema.parse(config)).not.toThrow();
    expect(config['tables']).toEqual({ 'public.film': { columns: { release_year: { name: 'year' } }, rootFields: { select: 'movies' } }, 'public.rental': { name: 'rentals_log' } });
    expect(config['relationships']).toEqual([
      { table: 'public.film', name: 'stock', type: 'array', target: 'public.inventory', mapping: { film_id: 'film_id' } },
      { table: 'public.inventory', name: 'film', type: 'object', target: 'public.film', mapping: { film_id: 'film_id' } },
    ]);
    const permissions = config['permissions'] as Record<string, { tables: Record<string, unknown>; functions?: string[] }>;
    expect(Object.keys(permissions).sort()).toEqual(['anonymous', 'customer', 'staff']);
    expect(permissions['customer']?.tables['public.rental']).toEqual({
      select: { columns: '*', filter: { customer_id: { _eq: 'X-Hasura-User-Id' } }, allowAggregations: true },
      insert: { columns: ['inventory_id', 'rental_date'], check: { inventory: { store_id: { _eq: 1 } } }, set: { customer_id: 'x-hasura-User-Id', staff_id: '1' } },
    });
    expect(permissions['staff']?.tables['public.film']).toMatchObject({ update: { columns: ['title', 'description', 'rental_rate'], check: { rental_rate: { _gte: 0 } } } });
    expect(permissions['staff']?.tables['public.rental']).toEqual({ delete: { filter: { return_date: { _is_null: false } } } });
    expect(permissions['staff']?.functions).toEqual(['public.film_in_stock']);
    for (const expected of [/^actions \(1\): not imported/, /^remote_schemas \(1\): not imported/, /^cron_triggers \(1\): not imported/, /event trigger "film_changed" not imported/, /computed field/, /film\.language: object relationship from a foreign key/]) {
      expect(notes.some((n) => expected.test(n)), String(expected)).toBe(true);
    }
  });

  it('reads a metadata directory with its !include files', () => {
    const { config, notes } = importHasura(readHasuraMetadata(DIRECTORY));
    expect(() => configSchema.parse(config)).not.toThrow();
    expect(config['tables']).toEqual({ 'public.actor': { columns: { first_name: { name: 'firstName' } } } });
    expect(config['relationships']).toEqual([{ table: 'public.film_actor', name: 'performer', type: 'object', target: 'public.actor', mapping: { actor_id: 'actor_id' } }]);
    expect(Object.keys((config['permissions'] as Record<string, unknown>)['anonymous'] as object)).toEqual(['tables']);
    expect(notes.some((n) => /^actions \(1\)/.test(n))).toBe(true);
  });

  it('writes a pgduet.yaml a user can read: the notes as comments first', () => {
    expect(yamlText.split('\n')[0]).toMatch(/^# pgduet\.yaml imported from Hasura metadata/);
    expect(yamlText).toMatch(/^# - actions \(1\): not imported/m);
  });

  it('a server started with it enforces the imported roles', async () => {
    // anonymous: G and PG films only, three columns, at most 20 rows
    // custom_root_fields: {select: movies}; the table's other root fields keep their names
    const anonymous = await ask('{ movies(order_by: {film_id: asc}) { title rating } }');
    const films = anonymous.data?.['movies'] as { rating: string }[];
    expect(films).toHaveLength(20);
    expect(new Set(films.map((f) => f.rating))).toEqual(new Set(['G', 'PG']));
    expect((await ask('{ movies(limit: 1) { description } }')).errors?.[0]?.message).toBe("field 'description' not found in type: 'film'");
    expect((await ask('{ film(limit: 1) { title } }')).errors?.[0]?.message).toBe("field 'film' not found in type: 'query_root'");
    expect((await ask('{ film_by_pk(film_id: 1) { title } }')).data).toEqual({ film_by_pk: { title: 'ACADEMY DINOSAUR' } });
    // customer: the renamed table, its own rentals
    const customer = await ask('{ rentals_log_aggregate { aggregate { count } } }', 'customer', { 'x-hasura-user-id': '1' });
    expect(customer).toEqual({ data: { rentals_log_aggregate: { aggregate: { count: 32 } } } });
    // staff: the manual relationship, the renamed column, its store's inventory only
    const staff = await ask('{ inventory(order_by: {inventory_id: asc}, limit: 2) { store_id film { title year } } }', 'staff', { 'x-hasura-store-id': '2' });
    expect(staff.errors).toBeUndefined();
    expect(staff.data?.['inventory']).toEqual([
      { store_id: 2, film: { title: 'ACADEMY DINOSAUR', year: 2012 } },
      { store_id: 2, film: { title: 'ACADEMY DINOSAUR', year: 2012 } },
    ]);
  });
});

/**
 * A project of several sources (issue 16), imported and served as written: the first source at
 * the top level in its graphql-default convention, `archive-db` under its namespace `archive`
 * with its own types and permissions, `reports` (no permissions in Hasura) for the admin only.
 */
describe('import-hasura: several sources, served', () => {
  let databases: TestDatabase[] = [];
  let served: RunningServer;


  beforeAll(async () => {
    databases = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    const [app, archive, reports] = databases.map((d) => d.url) as [string, string, string];
    await run(app, `create table book (id serial primary key, title text not null); insert into book (title) values ('Dune'), ('Emma');`);
    await run(archive, `
      create table film (id serial primary key, title text not null, release_year int, rating text);
      insert into film (title, release_year, rating) values ('Alien', 1979, 'R'), ('Brazil', 1985, 'R'), ('Cars', 2006, 'G');
      create table review (id serial primary key, film_id int not null references film, body text not null);
      insert into review (film_id, body) values (3, 'fun');
      create function film_count() returns bigint language sql stable as $$ select count(*) from film $$;
    `);
    await run(reports, `create schema stats; create table stats.monthly (month text primary key, total int not null); insert into stats.monthly values ('2024-01', 12); create table book (id serial primary key, title text not null); insert into book (title) values ('Ledger');`);
    const file = join(mkdtempSync(join(tmpdir(), 'pgduet-import-')), 'pgduet.yaml');
    writeFileSync(file, importedYaml(importHasura(readHasuraMetadata(SOURCES)), 'sources'));
    // the variables Hasura read its URLs and secret from, which the imported file reads too
    const { config } = loadConfig({ file, env: { HASURA_GRAPHQL_DATABASE_URL: app, ARCHIVE_REPLICA_URL: archive, REPORTS_DATABASE_URL: reports, HASURA_GRAPHQL_ADMIN_SECRET: SECRET } });
    // the fixture's archive URL is written out, to a host that does not exist here
    const sources = config.sources.map((source) => (source.name === 'archive_db' ? { ...source, url: archive } : source));
    served = await startServer({
      config: { ...config, sources, server: { ...config.server, port: 0 }, log: { level: 'silent' } },
      chain: buildChain,
      logger: createLogger(process.env['TEST_LOG'] ?? 'silent', { pretty: false }),
      mounts: [graphqlMount, restMounts],
      handleSignals: false,
    });
    // the other sources load in the background
    await eventually(() => [...served.sources.values()].every((source) => source.holder.loaded), 10_000, 'the sources to load');
  });

  afterAll(async () => {
    await served?.close();
    await Promise.all(databases.map((d) => d.drop()));
  });

  async function graphql(query: string, role?: string): Promise<GraphqlResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(role === undefined ? {} : { 'x-hasura-admin-secret': SECRET, 'x-hasura-role': role }) };
    const res = await fetch(`${served.url}/v1/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return (await res.json()) as GraphqlResponse;
  }

  it('answers the first source at the top level and archive-db under its namespace, each in its own convention and rules', async () => {
    const answer = await graphql('{ books(orderBy: {id: ASC}) { title } archive { old_film(order_by: {id: asc}) { __typename title year reviews { body } } } }');
    expect(answer).toEqual({
      data: {
        books: [{ title: 'Dune' }, { title: 'Emma' }],
        // anonymous: no R-rated films; the column renamed, the manual relationship, the prefixed type
        // Hasura's root_fields.prefix (old_) within the namespace
        archive: { old_film: [{ __typename: 'Archive_film', title: 'Cars', year: 2006, reviews: [{ body: 'fun' }] }] },
      },
    });
    expect((await graphql('{ archive { old_film { rating } } }')).errors?.[0]?.message).toBe("field 'rating' not found in type: 'Archive_film'");
    expect((await graphql('{ archive { old_film_aggregate { aggregate { count } } } }', 'editor')).data).toEqual({ archive: { old_film_aggregate: { aggregate: { count: 3 } } } });
  });

  it('serves reports (no namespace, no permissions in Hasura) beside the first source’s fields, to the admin only', async () => {
    // its root fields stand beside the first source's, as in Hasura; the custom name is the whole name
    expect(await graphql('{ monthly_report { month total } books(limit: 1) { title } }', 'admin')).toEqual({ data: { monthly_report: [{ month: '2024-01', total: 12 }], books: [{ title: 'Dune' }] } });
    // the other roles may do nothing there: its fields are not shown to them
    for (const role of [undefined, 'editor']) {
      expect((await graphql('{ monthly_report { total } }', role)).errors?.[0]?.message, String(role)).toBe("field 'monthly_report' not found in type: 'query_root'");
    }
    // its book is not the first source's (whose name it is at the top level): at its own endpoint
    const res = await fetch(`${served.url}/v1/graphql/reports`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hasura-admin-secret': SECRET, 'x-hasura-role': 'admin' }, body: JSON.stringify({ query: '{ book { title } }' }) });
    expect(await res.json()).toEqual({ data: { book: [{ title: 'Ledger' }] } });
  });

  it('lets the roles Hasura granted a function call it, over REST at the source\'s path', async () => {
    const res = await fetch(`${served.url}/rest/archive_db/rpc/film_count`);
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(3);
  });
});
