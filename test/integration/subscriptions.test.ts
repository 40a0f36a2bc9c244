import { createClient, type Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import pg from 'pg';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { recordStatements } from '../support/statements.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * GraphQL subscriptions against a started server, with the real clients a Hasura app uses:
 * graphql-ws (graphql-transport-ws) and subscriptions-transport-ws (the legacy graphql-ws
 * subprotocol). Live queries follow writes, streams deliver old then new rows, permissions
 * hold, an expired token closes the socket, and many subscribers of one shape cost one
 * statement per interval.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const key = new TextEncoder().encode(SECRET);

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;
let wsUrl: string;

async function token(claims: Record<string, unknown>, expiresIn = '1h'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(key);
}

function userClaims(id: number): Record<string, unknown> {
  return { sub: String(id), 'https://hasura.io/jwt/claims': { 'x-hasura-default-role': 'user', 'x-hasura-allowed-roles': ['user'], 'x-hasura-user-id': String(id) } };
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`
    create table note (id serial primary key, owner int not null, body text not null, created_at timestamptz not null default now());
    create table secret (id serial primary key, code text not null);
    insert into note (owner, body) values (1, 'n1'), (1, 'n2'), (2, 'n3');
    insert into secret (code) values ('s1');
  `);
  server = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: {
      auth: { jwt: { secret: SECRET } },
      subscriptions: { interval: 200, connectionInitTimeoutMs: 500 },
      permissions: {
        user: { tables: { note: { select: { columns: ['id', 'owner', 'body'], filter: { owner: { _eq: 'X-Hasura-User-Id' } } } } } },
        anonymous: { tables: { note: { select: { columns: ['id', 'owner', 'body', 'created_at'] } } } },
      },
    },
  });
  wsUrl = `${server.url.replace('http', 'ws')}/graphql`;
});

afterAll(async () => {
  await server?.close();
  await sql?.end();
  await db?.drop();
});

/** The results of one subscription, as they arrive. */
function collect(client: Client, query: string, variables: Record<string, unknown> = {}): { results: unknown[]; errors: unknown[]; stop: () => void } {
  const results: unknown[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe({ query, variables }, { next: (r) => void results.push(r), error: (e) => void errors.push(e), complete: () => undefined });
  return { results, errors, stop };
}

describe('graphql-transport-ws (graphql-ws client)', () => {
  it('a live query follows an insert', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const sub = collect(client, 'subscription($owner: Int!) { note(where: {owner: {_eq: $owner}}, order_by: {id: asc}) { id body } }', { owner: 1 });
    await eventually(() => sub.results.length >= 1, 5000, 'the first result');
    expect(sub.results[0]).toEqual({ data: { note: [{ id: 1, body: 'n1' }, { id: 2, body: 'n2' }] } });
    await sql.query("insert into note (owner, body) values (1, 'n4')");
    await eventually(() => sub.results.length >= 2, 5000, 'the change');
    expect((sub.results[1] as { data: { note: unknown[] } }).data.note).toHaveLength(3);
    // a row of another owner changes nothing for this cohort: no new result
    await sql.query("insert into note (owner, body) values (2, 'n5')");
    await new Promise((r) => setTimeout(r, 600));
    expect(sub.results).toHaveLength(2);
    sub.stop();
    await client.dispose();
  });

  it('a stream delivers old rows in batches, then new rows', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const sub = collect(client, 'subscription { note_stream(batch_size: 2, cursor: {initial_value: {id: 0}, ordering: ASC}) { id body } }');
    await eventually(() => sub.results.flatMap((r) => (r as { data: { note_stream: unknown[] } }).data.note_stream).length >= 5, 5000, 'the old rows');
    const first = sub.results[0] as { data: { note_stream: { id: number }[] } };
    expect(first.data.note_stream).toHaveLength(2);
    expect(Object.keys(first.data.note_stream[0] ?? {})).toEqual(['id', 'body']);
    const { rows } = await sql.query<{ id: number }>("insert into note (owner, body) values (3, 'n6') returning id");
    await eventually(() => sub.results.some((r) => (r as { data: { note_stream: { id: number }[] } }).data.note_stream.some((n) => n.id === rows[0]?.id)), 5000, 'the new row');
    const ids = sub.results.flatMap((r) => (r as { data: { note_stream: { id: number }[] } }).data.note_stream.map((n) => n.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    sub.stop();
    await client.dispose();
  });

  it('permissions hold: a role sees only its rows, never a hidden table', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { headers: { Authorization: `Bearer ${await token(userClaims(2))}` } } });
    const sub = collect(client, 'subscription { note(order_by: {id: asc}) { id owner } }');
    await eventually(() => sub.results.length >= 1, 5000, 'the first result');
    const notes = (sub.results[0] as { data: { note: { owner: number }[] } }).data.note;
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((n) => n.owner === 2)).toBe(true);
    const hidden = collect(client, 'subscription { secret { code } }');
    await eventually(() => hidden.errors.length >= 1 || hidden.results.length >= 1, 5000, 'a refusal');
    expect(JSON.stringify(hidden.errors)).toMatch(/secret/);
    expect(hidden.results).toHaveLength(0);
    sub.stop();
    await client.dispose();
  });

  it('a token that expires closes the socket with 4403', async () => {
    const closed: { code?: number; reason?: string } = {};
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { headers: { Authorization: `Bearer ${await token(userClaims(1), '2s')}` } },
      on: { closed: (event) => Object.assign(closed, { code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }) },
    });
    const sub = collect(client, 'subscription { note { id } }');
    await eventually(() => sub.results.length >= 1, 5000, 'the first result');
    await eventually(() => closed.code !== undefined, 6000, 'the close');
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/JWTExpired/);
    await client.dispose();
  });

  it('a bad token is refused at connection_init, a socket without connection_init is closed (4408)', async () => {
    const closed: { code?: number } = {};
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { headers: { Authorization: 'Bearer not.a.token' } }, on: { closed: (e) => void (closed.code = (e as CloseEvent).code) } });
    collect(client, 'subscription { note { id } }');
    await eventually(() => closed.code !== undefined, 5000, 'the close');
    expect(closed.code).toBe(4403);
    await client.dispose();
    const raw = new WebSocket(wsUrl, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => raw.on('close', (c) => resolve(c)));
    expect(code).toBe(4408);
  });
});

describe('the legacy graphql-ws subprotocol (subscriptions-transport-ws)', () => {
  it('a live query follows an update, with credentials in connectionParams', async () => {
    const client = new SubscriptionClient(wsUrl, { reconnect: false, connectionParams: { headers: { Authorization: `Bearer ${await token(userClaims(1))}` } } }, WebSocket);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const sub = client.request({ query: 'subscription { note(order_by: {id: asc}, limit: 1) { id body } }' }).subscribe({ next: (r) => void results.push(r), error: (e) => void errors.push(e) });
    await eventually(() => results.length >= 1, 5000, 'the first result');
    expect(results[0]).toEqual({ data: { note: [{ id: 1, body: 'n1' }] } });
    await sql.query("update note set body = 'n1 changed' where id = 1");
    await eventually(() => results.length >= 2, 5000, 'the change');
    expect(results[1]).toEqual({ data: { note: [{ id: 1, body: 'n1 changed' }] } });
    expect(errors).toEqual([]);
    sub.unsubscribe();
    client.close();
  });
});

describe('multiplexing', () => {
  it('many subscribers of one shape with different variables: one statement per interval', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const subs = Array.from({ length: 50 }, (_v, i) => collect(client, 'subscription($id: Int!) { note_by_pk(id: $id) { id body } }', { id: i + 1 }));
    await eventually(() => subs.every((s) => s.results.length >= 1), 10_000, 'every first result');
    // three intervals: each refetch is one statement for all 50 cohorts (batch size 100)
    const { texts } = await recordStatements(server.pool, () => new Promise((r) => setTimeout(r, 650)));
    // every statement is a multiplexed refetch; the note_by_pk shape's ran once per interval
    expect(texts.every((t) => t.includes('pgduet_cohort'))).toBe(true);
    const perShape = new Map<string, number>();
    for (const text of texts) perShape.set(text, (perShape.get(text) ?? 0) + 1);
    expect(perShape.size).toBeLessThanOrEqual(server.live.shapeCount);
    const counts = [...perShape.values()];
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    // each subscriber got its own row
    expect((subs[0]?.results[0] as { data: { note_by_pk: { id: number } } }).data.note_by_pk.id).toBe(1);
    expect((subs[1]?.results[0] as { data: { note_by_pk: { id: number } } }).data.note_by_pk.id).toBe(2);
    expect((subs[49]?.results[0] as { data: { note_by_pk: null } }).data.note_by_pk).toBeNull();
    for (const s of subs) s.stop();
    await eventually(() => server.live.cohortCount === 0, 5000, 'the cohorts freed');
    await client.dispose();
  });
});

describe('refetch at once, with a long interval', () => {
  let slow: RunningServer;
  let slowUrl: string;
  beforeAll(async () => {
    slow = await startTestServer(db.url, {
      mounts: [graphqlMount, restMounts],
      config: { subscriptions: { interval: 60_000, notifyChannel: 'pgduet_t_changes', roles: { anonymous: { maxPerConnection: 2 } } }, permissions: { anonymous: { tables: { note: { select: { columns: '*', allowAggregations: true }, insert: { columns: '*' } }, gone: { select: { columns: '*' } } } } } },
    });
    slowUrl = `${slow.url.replace('http', 'ws')}/graphql`;
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('a write through pgduet (HTTP or the socket) and a NOTIFY refetch the live queries over that table', async () => {
    const client = createClient({ url: slowUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const sub = collect(client, 'subscription { note_aggregate { aggregate { count } } }');
    await eventually(() => sub.results.length >= 1, 5000, 'the first result');
    const count = (i: number): number => Number((sub.results[i] as { data: { note_aggregate: { aggregate: { count: number } } } }).data.note_aggregate.aggregate.count);
    const before = count(0);
    // REST
    const posted = await fetch(`${slow.url}/rest/note`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ owner: 9, body: 'via rest' }) });
    expect(posted.status).toBe(201);
    await eventually(() => sub.results.length >= 2, 3000, 'the REST write');
    expect(count(1)).toBe(before + 1);
    // a mutation over the same socket
    const done = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: 'mutation { insert_note_one(object: {owner: 9, body: "via ws"}) { id } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(done).toMatchObject({ data: { insert_note_one: { id: expect.any(Number) } } });
    await eventually(() => sub.results.length >= 3, 3000, 'the mutation over the socket');
    expect(count(2)).toBe(before + 2);
    // a write elsewhere, announced by NOTIFY
    await sql.query("insert into note (owner, body) values (9, 'via sql'); notify pgduet_t_changes, 'note'");
    await eventually(() => sub.results.length >= 4, 3000, 'the NOTIFY');
    expect(count(3)).toBe(before + 3);
    sub.stop();
    await client.dispose();
  });

  it('a subscription goes on over the new schema, or ends with a clear error if its field went away', async () => {
    await sql.query('create table gone (id int primary key, label text)');
    await sql.query("insert into gone values (1, 'a')");
    await slow.reload();
    const client = createClient({ url: slowUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const kept = collect(client, 'subscription { note(where: {id: {_eq: 1}}) { id body } }');
    const lost: { results: unknown[]; done: boolean } = { results: [], done: false };
    client.subscribe({ query: 'subscription { gone { id label } }' }, { next: (r) => void lost.results.push(r), error: () => undefined, complete: () => void (lost.done = true) });
    await eventually(() => kept.results.length >= 1 && lost.results.length >= 1, 5000, 'the first results');
    expect(lost.results[0]).toEqual({ data: { gone: [{ id: 1, label: 'a' }] } });
    await sql.query('drop table gone');
    await slow.reload();
    await eventually(() => lost.done, 5000, 'the end of the subscription whose table went away');
    expect(JSON.stringify(lost.results.at(-1))).toMatch(/the schema changed.*gone/);
    // the other one goes on: a change still arrives
    await sql.query("update note set body = 'after reload' where id = 1; notify pgduet_t_changes, 'public.note'");
    await eventually(() => JSON.stringify(kept.results.at(-1)).includes('after reload'), 5000, 'a change after the reload');
    expect(kept.errors).toEqual([]);
    kept.stop();
    await client.dispose();
  });

  it('a role\'s subscriptions per connection are bounded (PGD405), and the metrics count what runs', async () => {
    const client = createClient({ url: slowUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const a = collect(client, 'subscription { note(limit: 1) { id } }');
    const b = collect(client, 'subscription { note(limit: 2) { id } }');
    await eventually(() => a.results.length >= 1 && b.results.length >= 1, 5000, 'two subscriptions');
    const c = collect(client, 'subscription { note(limit: 3) { id } }');
    await eventually(() => c.results.length >= 1 || c.errors.length >= 1, 5000, 'the third refused');
    expect(JSON.stringify(c.results[0])).toMatch(/at most 2 subscriptions on one connection/);
    const metrics = await (await fetch(`${slow.url}/metrics`)).text();
    expect(metrics).toMatch(/pgduet_live_subscriptions\{kind="live"\} 2/);
    expect(metrics).toMatch(/pgduet_live_connections\{transport="graphql-transport-ws"\} 1/);
    // the two limits are values of one shape: two cohorts, one statement
    expect(metrics).toMatch(/pgduet_live_cohorts\{level="cohort"\} 2/);
    expect(metrics).toMatch(/pgduet_live_cohorts\{level="shape"\} 1/);
    expect(metrics).toMatch(/pgduet_live_messages_total\{transport="websocket"\} [1-9]/);
    expect(metrics).toMatch(/pgduet_live_refetch_duration_seconds_count [1-9]/);
    a.stop();
    b.stop();
    await client.dispose();
  });
});

/** Reads server-sent events from a fetch body: each event's `event` and joined `data`. */
async function readEvents(response: Response, events: { event: string; data: string }[], stop: AbortSignal): Promise<void> {
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (!stop.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        if (lines.some((l) => l.startsWith('data: '))) events.push({ event, data });
      }
    }
  } catch {
    // aborted
  }
}

describe('REST as server-sent events', () => {
  it('the first event is the current answer, then the answer again on each change, with the role\'s rows only', async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/rest/note?select=id,owner,body&order=id`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${await token(userClaims(2))}` },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: { event: string; data: string }[] = [];
    const reading = readEvents(response, events, abort.signal);
    await eventually(() => events.length >= 1, 5000, 'the first event');
    expect(events[0]?.event).toBe('snapshot');
    const first = JSON.parse(events[0]?.data ?? '') as { owner: number }[];
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((n) => n.owner === 2)).toBe(true);
    await sql.query("insert into note (owner, body) values (1, 'not for user 2')");
    await sql.query("insert into note (owner, body) values (2, 'for user 2')");
    await eventually(() => events.length >= 2, 5000, 'the change');
    const second = JSON.parse(events[events.length - 1]?.data ?? '') as { owner: number; body: string }[];
    expect(events[1]?.event).toBe('change');
    expect(second.length).toBe(first.length + 1);
    expect(second.every((n) => n.owner === 2)).toBe(true);
    abort.abort();
    await reading;
    await eventually(() => server.live.cohortCount === 0, 5000, 'the stream\'s cohort freed');
  });

  it('a read refused by the chain is the same error as without the header', async () => {
    const response = await fetch(`${server.url}/rest/secret`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
