import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * `Prefer: count=exact|planned|estimated` on REST reads: exact counts in the page's statement;
 * planned is the planner's estimate (what EXPLAIN says for the same rows); estimated counts
 * exactly, and above rest.maxRows (PostgREST's db-max-rows) takes the estimate when it is larger.
 */

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startTestServer(db.url, { mounts: [restMounts], config: { rest: { maxRows: 1000 } } });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query('analyze rental; analyze film');
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
  await db?.drop();
});

async function contentRange(path: string, count: string): Promise<{ status: number; range: string | null }> {
  const res = await fetch(`${server.url}/rest/${path}`, { headers: { prefer: `count=${count}` } });
  await res.text();
  return { status: res.status, range: res.headers.get('content-range') };
}

async function planned(query: string): Promise<number> {
  const { rows } = await sql.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(`explain (format json) ${query}`);
  return rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? -1;
}

it('exact: the number of matching rows', async () => {
  const { rows } = await sql.query<{ n: string }>('select count(*) as n from film where length > 100');
  expect(await contentRange('film?select=film_id&length=gt.100&limit=5', 'exact')).toEqual({ status: 206, range: `0-4/${rows[0]?.n}` });
});

it('planned: the planner\'s estimate for the same rows', async () => {
  // two correlated conditions: the planner multiplies their selectivities and misses the count
  const estimate = await planned('select 1 from film where length > 100 and rental_duration > 5');
  const exact = Number((await sql.query<{ n: string }>('select count(*) as n from film where length > 100 and rental_duration > 5')).rows[0]?.n);
  expect(estimate).not.toBe(exact);
  expect(await contentRange('film?select=film_id&length=gt.100&rental_duration=gt.5&limit=3', 'planned')).toEqual({ status: 206, range: `0-2/${estimate}` });
});

it('estimated: exact up to rest.maxRows, above it the larger of the count and the estimate', async () => {
  const small = Number((await sql.query<{ n: string }>('select count(*) as n from film where rating = \'PG\'')).rows[0]?.n);
  expect(small).toBeLessThan(1000);
  expect(await contentRange('film?select=film_id&rating=eq.PG&limit=2', 'estimated')).toEqual({ status: 206, range: `0-1/${small}` });
  // more rows than maxRows: the planner is asked too (it overestimates a range it cannot see into)
  const query = 'select 1 from rental where rental_date > now() - interval \'100 years\' and return_date is not null';
  const exact = Number((await sql.query<{ n: string }>(`select count(*) as n from (${query}) x`)).rows[0]?.n);
  const estimate = await planned(query);
  expect(exact).toBeGreaterThan(1000);
  const range = await contentRange(`rental?select=rental_id&rental_date=gt.${encodeURIComponent(new Date(Date.now() - 100 * 365.25 * 86400e3).toISOString())}&return_date=not.is.null&limit=2`, 'estimated');
  expect(range).toEqual({ status: 206, range: `0-1/${Math.max(exact, estimate)}` });
});
