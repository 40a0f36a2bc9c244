import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Mount, MountContext, RunningServer } from '../../src/server/index.js';
import { quoteIdentifier, quoteQualified } from '../../src/sql/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

const SAMPLE = fileURLToPath(new URL('../../src/db/sample/schema.sql', import.meta.url));

/**
 * Stands in for an API route until the GraphQL and REST issues land: it reads the columns of
 * `books` from the request's graph snapshot, waits a little (so reloads happen while it is in
 * flight), then selects exactly those columns from the database.
 */
const columnsRoute = ({ pool }: MountContext): Mount => ({
  name: 'columns',
  protocol: 'system',
  path: '/test/books',
  handler: async (_req, res, ctx) => {
    const books = ctx.snapshot.graph.entities.find((e) => e.dbName === 'books');
    if (books === undefined) throw new Error('books missing from the graph');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const list = books.columns.map((c) => quoteIdentifier(c.dbName)).join(', ');
    const { rows } = await pool.query(`select ${list} from ${quoteQualified(books.schema, books.dbName)} limit 1`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ generation: ctx.snapshot.generation, columns: Object.keys(rows[0] ?? {}) }));
  },
});

let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
  server = await startTestServer(db.url, { mounts: [columnsRoute] });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

it('serves every request while DDL and a reload happen, and then shows the new column', async () => {
  const results: { status: number; generation: number; columns: string[] }[] = [];
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const res = await fetch(`${server.url}/test/books`);
      const body = (await res.json()) as { generation: number; columns: string[] };
      results.push({ status: res.status, generation: body.generation, columns: body.columns });
    }
  };
  const loops = Array.from({ length: 6 }, loop);

  await new Promise((resolve) => setTimeout(resolve, 200));
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query('alter table books add column subtitle text');
  await admin.query("notify pgduet, 'reload schema'");
  await admin.end();

  const deadline = Date.now() + 10_000;
  while (!results.some((r) => r.columns.includes('subtitle')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop = true;
  await Promise.all(loops);

  expect(results.length).toBeGreaterThan(20);
  expect(results.filter((r) => r.status !== 200)).toEqual([]);
  const before = results.filter((r) => r.generation === 1);
  const after = results.filter((r) => r.generation === 2);
  expect(before.length).toBeGreaterThan(0);
  expect(after.length).toBeGreaterThan(0);
  expect(before.every((r) => !r.columns.includes('subtitle'))).toBe(true);
  expect(after.every((r) => r.columns.includes('subtitle'))).toBe(true);
  expect(results.every((r) => r.generation <= 2)).toBe(true);
});
