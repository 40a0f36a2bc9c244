import { createServer, createConnection, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import { buildChain } from '../../src/server/build-chain.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, testConfig } from '../support/server.js';

/**
 * PostgreSQL goes away behind a TCP proxy (every connection dropped, new ones refused), then
 * comes back: REST answers 503 PGRST001 with Retry-After, GraphQL `database-unavailable`; the
 * log gets one warning when it goes and one when it is back (no stack per request); the
 * server recovers by itself.
 */

/** A TCP proxy to PostgreSQL that can be cut (connections dropped, new ones refused) and restored. */
class Proxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Refuses new connections and drops every open one. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

let db: TestDatabase;
let proxy: Proxy;
let server: RunningServer;
const lines: { level: number; msg: string; err?: unknown }[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ kind: 'postgres', sql: [] });
  const url = new URL(db.url);
  proxy = new Proxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.up();
  url.host = `127.0.0.1:${proxy.port}`;
  const { Client } = (await import('pg')).default;
  const setup = new Client({ connectionString: db.url });
  await setup.connect();
  await setup.query('create table item (id int primary key, name text); insert into item values (1, \'one\')');
  await setup.end();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  server = await startServer({
    // no LISTEN connection (schema reloads, live queries' NOTIFY): their reconnects are not what this test counts
    config: testConfig(url.toString(), { database: { poolSize: 3, connectTimeoutMs: 1000 }, reload: { listen: false }, subscriptions: { notifyChannel: null } }),
    chain: buildChain,
    logger: pino({ level: 'warn' }, sink),
    mounts: [graphqlMount, restMounts],
  });
});

afterAll(async () => {
  await server?.close();
  await proxy?.down();
  await db?.drop();
});

async function restItems(): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
  const res = await fetch(`${server.url}/rest/item?select=name`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

async function graphqlItems(): Promise<unknown> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ item { name } }' }) });
  return res.json();
}

describe('the database goes away and comes back', () => {
  it('answers while it is there', async () => {
    expect(await restItems()).toEqual({ status: 200, retryAfter: null, body: [{ name: 'one' }] });
    expect(await graphqlItems()).toEqual({ data: { item: [{ name: 'one' }] } });
  });

  it('while it is away: REST 503 PGRST001 with Retry-After, GraphQL database-unavailable, one warning', async () => {
    await proxy.down();
    for (let i = 0; i < 5; i++) {
      const rest = await restItems();
      expect(rest.status).toBe(503);
      expect(rest.retryAfter).toBe('1');
      expect(rest.body).toMatchObject({ code: 'PGRST001', message: 'Database client error. Retrying the connection.', hint: null });
      expect((rest.body as { details: string }).details).toMatch(/ECONNREFUSED|Connection terminated/);
      const graphql = (await graphqlItems()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(graphql.errors.map((e) => e.extensions.code)).toEqual(['database-unavailable']);
    }
    // the readiness probe says so too
    expect((await fetch(`${server.url}/ready`)).status).toBe(503);
    expect(lines.filter((l) => l.msg.startsWith('the database is unavailable'))).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('recovers by itself once it is back, and says so once', async () => {
    await proxy.up();
    await eventually(async () => (await restItems()).status === 200, 5000, 'REST to answer again');
    expect(await restItems()).toEqual({ status: 200, retryAfter: null, body: [{ name: 'one' }] });
    expect(await graphqlItems()).toEqual({ data: { item: [{ name: 'one' }] } });
    expect(lines.filter((l) => l.msg === 'the database is available again')).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.map((l) => l.msg)).toEqual(['the database is unavailable; requests get 503 until it is back', 'the database is available again']);
  });
});
