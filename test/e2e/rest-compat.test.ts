import { PostgrestClient } from '@supabase/postgrest-js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connect, REST_FIXTURE_SQL, sqlColumn, sqlJson, startRestServer } from '../support/rest.js';

/**
 * PostgREST behaviours a postgrest-js user relies on (issue 15), through the real client
 * against the real server over Pagila: each answer compared with the same question in SQL, or
 * with what PostgREST 12/13 answers.
 */

let db: TestDatabase;
let server: RunningServer;
let client: PostgrestClient;
let sql: pg.Client;

const FIXTURE = `
  create table task (id serial primary key, title text not null unique, done boolean not null default false);
`;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  sql = await connect(db.url);
  await sql.query(REST_FIXTURE_SQL);
  await sql.query(FIXTURE);
  server = await startRestServer(db.url, { config: { database: { schemas: ['public', 'other'] } } });
  client = new PostgrestClient(`${server.url}/rest`);
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

describe('writes', () => {
  it('an upsert whose every row merged answers 200; one that inserts, 201', async () => {
    const first = await client.from('task').upsert([{ title: 'u1' }, { title: 'u2' }], { onConflict: 'title' }).select('title, done');
    expect(first.status).toBe(201);
    const merged = await client.from('task').upsert([{ title: 'u1', done: true }, { title: 'u2', done: true }], { onConflict: 'title' }).select('title, done');
    expect(merged.error).toBeNull();
    expect(merged.status).toBe(200);
    expect(merged.data).toEqual([{ title: 'u1', done: true }, { title: 'u2', done: true }]);
    expect(await sqlJson(sql, `select title, done from task where title like 'u_' order by title`)).toEqual(merged.data);
  });

  it('Location after return=headers-only is a path a GET finds', async () => {
    const answer = await fetch(`${server.url}/rest/task`, { method: 'POST', headers: { 'Content-Type': 'application/json', Prefer: 'return=headers-only' }, body: JSON.stringify({ title: 'located' }) });
    expect(answer.status).toBe(201);
    const id = (await sqlColumn(sql, `select id from task where title = 'located'`))[0];
    const location = answer.headers.get('location');
    expect(location).toBe(`/rest/task?id=eq.${String(id)}`);
    expect(await (await fetch(`${server.url}${location ?? ''}`)).json()).toEqual([{ id, title: 'located', done: false }]);
  });
});
