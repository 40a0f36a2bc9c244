import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, it, expect, afterAll } from 'vitest';
import { runSqlScript } from '../../src/db/run-sql-script.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../support/database.js';

const SAMPLE_SCHEMA = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));
const CATALOG_FEATURES = fileURLToPath(new URL('../fixtures/catalog-features.sql', import.meta.url));

type Rows = Record<string, unknown>[];
type Query = (sql: string) => Promise<Rows>;

/** Databases a failing test left behind are dropped at the end anyway. */
const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

async function create(options?: Parameters<typeof createTestDatabase>[0]): Promise<TestDatabase> {
  const db = await createTestDatabase(options);
  created.push(db);
  return db;
}

async function withPg<T>(url: string, use: (query: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(async (sql) => (await client.query(sql)).rows as Rows);
  } finally {
    await client.end();
  }
}

/** The sample schema's objects exist, hold data, and its functions answer. */
async function expectSampleWorks(query: Query): Promise<void> {
  expect(await query('select count(*)::int as n from books')).toEqual([{ n: 9 }]);
  expect(await query("select id from search_books('slavery') order by id")).toEqual([{ id: 3 }, { id: 9 }]);
  expect(await query('select author_book_count(3) as n')).toEqual([{ n: 2 }]);
  expect(await query('select books_display_title(b) as t from books b where id = 1')).toEqual([{ t: 'The Left Hand of Darkness (1969)' }]);
  expect(await query("select id, rating, body from add_review(2, 4, 'Lovely')")).toEqual([{ id: 7, rating: 4, body: 'Lovely' }]);
  expect(await query('select book_count from author_stats where author_id = 1')).toEqual([{ book_count: 2 }]);
  expect(await query("select author_name from book_summaries where title = 'Kindred'")).toEqual([{ author_name: 'Octavia E. Butler' }]);
  // The sequences were moved past the explicit ids.
  expect(await query("insert into books (title, author_id, price) values ('New', 6, 1) returning id, title_length")).toEqual([
    { id: 10, title_length: 3 },
  ]);
}

describe('createTestDatabase', () => {
  it('creates a fresh, empty database and drops it', async () => {
    const db = await create();
    expect(db.url).toContain(db.name);
    await withPg(db.url, async (query) => {
      expect(await query('select current_database() as name')).toEqual([{ name: db.name }]);
      expect(await query("select count(*)::int as n from pg_tables where schemaname = 'public'")).toEqual([{ n: 0 }]);
    });
    await db.drop();
    if (db.kind === 'postgres') {
      expect(await adminQuery('select datname from pg_database where datname = $1', [db.name])).toEqual([]);
    } else {
      await expect(withPg(db.url, (query) => query('select 1'))).rejects.toThrow();
    }
  });

  it('clones Pagila, untouched', async () => {
    const db = await create({ pagila: true });
    await withPg(db.url, async (query) => {
      expect(await query('select (select count(*)::int from film) as films, (select count(*)::int from rental) as rentals')).toEqual([
        { films: 1000, rentals: 16044 },
      ]);
      // BENCH.md's additions belong to the benchmark, not to the template.
      expect(await query("select to_regclass('public.bench_scratch') as t")).toEqual([{ t: null }]);
    });
  });

  it('loads the sample schema into a fresh database', async () => {
    const db = await create({ sql: [SAMPLE_SCHEMA] });
    await withPg(db.url, expectSampleWorks);
  });

  it('loads the catalog-features fixture into a fresh database', async () => {
    const db = await create({ sql: [CATALOG_FEATURES] });
    await withPg(db.url, async (query) => {
      expect(await query("select enum_range(null::app.person_status)::text as e")).toEqual([{ e: '{pending,active,suspended,archived}' }]);
      expect(await query("select count(*)::int as n from pg_inherits where inhparent = 'app.event'::regclass")).toEqual([{ n: 2 }]);
      expect(await query("select relkind from pg_class where oid = 'app.remote_item'::regclass")).toEqual([{ relkind: 'f' }]);
      expect(await query('select app.greet(\'Ada\') as g')).toEqual([{ g: 'Hello, Ada!' }]);
    });
  });

  it('rejects a broken SQL file with its name, and leaves no database behind', async () => {
    const before = await countTestDatabases();
    await expect(create({ sql: [fileURLToPath(import.meta.url)] })).rejects.toThrow('test-database.test.ts');
    expect(await countTestDatabases()).toBe(before);
  });
});

describe('embedded PGlite', () => {
  it('loads the sample schema into an in-memory PGlite', async () => {
    const db = new PGlite();
    try {
      await runSqlScript(db, readFileSync(SAMPLE_SCHEMA, 'utf8'));
      await expectSampleWorks(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
    } finally {
      await db.close();
    }
  });

  it('serves the sample schema over a socket, as the fallback test database', async () => {
    const db = await create({ kind: 'pglite', sql: [SAMPLE_SCHEMA] });
    expect(db.kind).toBe('pglite');
    // Two connections at once: the socket server must accept more than one.
    await Promise.all([withPg(db.url, expectSampleWorksReadOnly), withPg(db.url, expectSampleWorksReadOnly)]);
    await db.drop();
    await expect(withPg(db.url, (query) => query('select 1'))).rejects.toThrow();
  });

  it('loads Pagila into the fallback PGlite', async () => {
    const db = await create({ kind: 'pglite', pagila: true });
    await withPg(db.url, async (query) => {
      expect(await query('select (select count(*)::int from film) as films, (select count(*)::int from rental) as rentals')).toEqual([
        { films: 1000, rentals: 16044 },
      ]);
    });
  });
});

async function expectSampleWorksReadOnly(query: Query): Promise<void> {
  expect(await query("select id from search_books('Earthsea') order by id")).toEqual([{ id: 2 }]);
  expect(await query('select author_book_count(1) as n')).toEqual([{ n: 2 }]);
}

/** Only this process's databases: other test files (and runs) create theirs concurrently. */
async function countTestDatabases(): Promise<number> {
  const rows = await adminQuery('select count(*)::int as n from pg_database where starts_with(datname, $1)', [
    `pgduet_t_${process.pid}_`,
  ]).catch(() => [{ n: 0 }]);
  return Number(rows[0]?.['n']);
}
