import { firstSseEvent } from '../support/sse.js';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * PostgreSQL-native mode (PostgREST's): every request runs in a transaction as the caller's
 * database role, with `request.jwt.claims` set, so the database's grants and row-level-security
 * policies decide — the same for GraphQL and REST. Roles are cluster-wide, so their names
 * carry this process's id and are dropped afterwards.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const suffix = `${process.pid}_${Date.now() % 100000}`;
const USER_ROLE = `pgduet_t_user_${suffix}`;
const ANON_ROLE = `pgduet_t_anon_${suffix}`;

let db: TestDatabase;
let server: RunningServer;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`
    create role ${USER_ROLE} nologin;
    create role ${ANON_ROLE} nologin;
    create table note (id serial primary key, owner text not null, body text not null);
    alter table note enable row level security;
    create policy own_notes on note using (owner = current_setting('request.jwt.claims', true)::json->>'sub')
      with check (owner = current_setting('request.jwt.claims', true)::json->>'sub');
    grant select, insert on note to ${USER_ROLE};
    grant usage on sequence note_id_seq to ${USER_ROLE};
    insert into note (owner, body) values ('alice', 'a1'), ('alice', 'a2'), ('bob', 'b1');
    create function whoami() returns text language sql stable as $$ select current_user::text $$;
    grant execute on function whoami() to ${USER_ROLE}, ${ANON_ROLE};
    create function slow() returns int language sql volatile as $$ select pg_sleep(1); select 1 $$;
  `);
  server = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: {
      database: { poolSize: 3 },
      auth: { jwt: { secret: SECRET } },
      postgres: { rls: true, roles: { user: USER_ROLE, anonymous: ANON_ROLE }, statementTimeoutMs: { roles: { user: 300 } } },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await admin?.end();
  await db?.drop();
  const cleanup = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
  await cleanup.connect();
  await cleanup.query(`drop role if exists ${USER_ROLE}; drop role if exists ${ANON_ROLE};`).catch(() => undefined);
  await cleanup.end();
});

const tokenFor = (sub: string): Promise<string> =>
  new SignJWT({ role: 'user', sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

async function restNotes(bearer?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/rest/note?select=owner,body&order=id`, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: await res.json() };
}

async function graphqlNotes(bearer: string): Promise<unknown> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: '{ note(order_by: {id: asc}) { owner body } }' }),
  });
  return res.json();
}

describe('the database decides, in both protocols', () => {
  it('a policy shows each caller their own rows', async () => {
    const alice = await tokenFor('alice');
    expect(await restNotes(alice)).toEqual({ status: 200, body: [{ owner: 'alice', body: 'a1' }, { owner: 'alice', body: 'a2' }] });
    expect(await graphqlNotes(await tokenFor('bob'))).toEqual({ data: { note: [{ owner: 'bob', body: 'b1' }] } });
  });

  it('runs as the mapped database role; without a grant, PostgreSQL refuses (401 anonymous)', async () => {
    const who = await fetch(`${server.url}/rest/rpc/whoami`, { headers: { authorization: `Bearer ${await tokenFor('alice')}` } });
    expect(await who.json()).toBe(USER_ROLE);
    const anonymous = await restNotes();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: '42501' });
  });

  it('a write the policy refuses is 403 and writes nothing; one it allows is committed', async () => {
    const alice = await tokenFor('alice');
    const forged = await fetch(`${server.url}/rest/note`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body: JSON.stringify({ owner: 'bob', body: 'forged' }) });
    expect(forged.status).toBe(403);
    const own = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ query: 'mutation { insert_note_one(object: {owner: "alice", body: "a3"}) { body } }' }),
    });
    expect(await own.json()).toEqual({ data: { insert_note_one: { body: 'a3' } } });
    const { rows } = await admin.query('select owner, body from note order by id');
    expect(rows).toEqual([
      { owner: 'alice', body: 'a1' },
      { owner: 'alice', body: 'a2' },
      { owner: 'bob', body: 'b1' },
      { owner: 'alice', body: 'a3' },
    ]);
  });

  it('never leaks a role or claims to the next request on a pooled connection, under concurrency', async () => {
    const [alice, bob] = await Promise.all([tokenFor('alice'), tokenFor('bob')]);
    const asks: [string, string | undefined][] = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? ['alice', alice] : i % 3 === 1 ? ['bob', bob] : ['anonymous', undefined]));
    const answers = await Promise.all(asks.map(async ([who, token]) => [who, await restNotes(token)] as const));
    for (const [who, answer] of answers) {
      if (who === 'anonymous') expect(answer.status).toBe(401);
      else expect(new Set((answer.body as { owner: string }[]).map((n) => n.owner))).toEqual(new Set([who]));
    }
    // the pool's connections are back to the login role, with no claims set
    for (let i = 0; i < 3; i++) {
      const { rows } = await server.pool.query("select current_user::text as who, current_setting('request.jwt.claims', true) as claims");
      expect(rows[0]).toMatchObject({ who: 'postgres' });
      expect([null, '']).toContain(rows[0]?.claims);
    }
  });

  it('applies the role\'s statement timeout (504, 57014)', async () => {
    const alice = await tokenFor('alice');
    await admin.query(`grant execute on function slow() to ${USER_ROLE}`);
    const rest = await fetch(`${server.url}/rest/rpc/slow`, { method: 'POST', headers: { authorization: `Bearer ${alice}` } });
    expect(rest.status).toBe(504);
    expect(await rest.json()).toMatchObject({ code: '57014' });
  });
});

describe('subscriptions in PostgreSQL-native mode', () => {
  it('a live query and an SSE stream run as the caller\'s role with its claims: the policy decides their rows', async () => {
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { headers: { Authorization: `Bearer ${await tokenFor('bob')}` } } });
    const results: unknown[] = [];
    const stop = client.subscribe({ query: 'subscription { note(order_by: {id: asc}) { owner } }' }, { next: (r) => void results.push(r), error: (e) => void results.push({ error: String(e) }), complete: () => undefined });
    const deadline = Date.now() + 5000;
    while (results.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const notes = (results[0] as { data: { note: { owner: string }[] } }).data.note;
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((n) => n.owner === 'bob')).toBe(true);
    stop();
    await client.dispose();

    const { text } = await firstSseEvent(`${server.url}/rest/note?select=owner`, { authorization: `Bearer ${await tokenFor('alice')}` });
    const data = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    const rows = JSON.parse(data) as { owner: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.owner === 'alice')).toBe(true);
  });
});
