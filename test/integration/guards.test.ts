import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { findRedis, type RunningRedis } from '../support/redis.js';
import { eventually, startTestServer } from '../support/server.js';

/**
 * The request guards as `pgduet.yaml` turns them on, through the real server and both
 * protocols: a rate limit shared by two server instances through Redis, an address list,
 * credentials required, row limits, and the audit log written to a file.
 */

let db: TestDatabase;
let redis: RunningRedis;
let dir: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  [db, redis] = await Promise.all([createTestDatabase({ pagila: true }), findRedis()]);
  dir = mkdtempSync(join(tmpdir(), 'pgduet-guards-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await redis?.stop();
  await db?.drop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function start(config: ConfigInput): Promise<RunningServer> {
  const server = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config });
  servers.push(server);
  return server;
}

const gql = (server: RunningServer, query: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

describe('a rate limit shared through Redis', () => {
  it('spends one budget across two servers and both protocols, then answers 429 with Retry-After', async () => {
    const prefix = `pgduet:test:${process.pid}:${Date.now()}:`;
    const config = { rateLimit: { rules: [{ by: 'role' as const, limit: 4, per: 60 }], redis: { url: redis.url, prefix } } };
    const [a, b] = await Promise.all([start(config), start(config)]);
    const statuses: number[] = [];
    for (const [server, protocol] of [[a, 'rest'], [b, 'graphql'], [a, 'graphql'], [b, 'rest']] as const) {
      const res = protocol === 'rest' ? await fetch(`${server.url}/rest/language?select=name`) : await gql(server, '{ language { name } }');
      await res.text();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refusedRest = await fetch(`${b.url}/rest/language`);
    expect(refusedRest.status).toBe(429);
    expect(Number(refusedRest.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refusedRest.json()).toMatchObject({ code: 'PGD401' });
    const refusedGraphql = await gql(a, '{ language { name } }');
    expect(await refusedGraphql.json()).toMatchObject({ errors: [{ extensions: { code: 'rate-limited' } }] });
  });
});

describe('addresses, credentials, rows', () => {
  it('refuses an address outside the allow list, in both protocols', async () => {
    const server = await start({ ipAllow: { allow: ['10.0.0.0/8'] } });
    const rest = await fetch(`${server.url}/rest/language`);
    expect(rest.status).toBe(403);
    expect(await rest.json()).toMatchObject({ code: 'PGD402' });
    expect(await (await gql(server, '{ language { name } }')).json()).toMatchObject({ errors: [{ extensions: { code: 'access-denied' } }] });
  });

  it('with no anonymous role, a request without credentials is 401 (PGRST302)', async () => {
    const server = await start({ auth: { anonymousRole: null } });
    const rest = await fetch(`${server.url}/rest/language`);
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe('Bearer');
    expect(await rest.json()).toMatchObject({ code: 'PGRST302' });
    expect(await (await gql(server, '{ language { name } }')).json()).toMatchObject({ errors: [{ extensions: { code: 'invalid-headers' } }] });
  });

  it('bounds the rows of a read, and its depth, the same way in both protocols', async () => {
    const server = await start({ limits: { maxRows: 3, maxDepth: 1 } });
    expect(((await (await fetch(`${server.url}/rest/film?select=film_id&limit=50`)).json()) as unknown[]).length).toBe(3);
    const answer = (await (await gql(server, '{ film(limit: 50) { film_id } }')).json()) as { data: { film: unknown[] } };
    expect(answer.data.film.length).toBe(3);
    const deep = await fetch(`${server.url}/rest/film?select=title,language!language_id(name,film!language_id(title))&limit=1`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ code: 'PGD403' });
  });
});

describe('the body size limit', () => {
  it('refuses a body over server.maxBodyBytes with 413, declared or streamed, in both protocols', async () => {
    const server = await start({ server: { maxBodyBytes: 1000 } });
    const big = JSON.stringify({ first_name: 'X'.repeat(2000), last_name: 'Y' });
    const declared = await fetch(`${server.url}/rest/actor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PGD404' });
    const streamed = (path: string, text: string): Promise<Response> =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({ start: (c) => { c.enqueue(new TextEncoder().encode(text)); c.close(); } }),
        duplex: 'half',
      } as RequestInit);
    expect((await streamed('/rest/actor', big)).status).toBe(413);
    const query = JSON.stringify({ query: `{ actor(where: {first_name: {_eq: "${'X'.repeat(2000)}"}}) { actor_id } }` });
    expect((await streamed('/graphql', query)).status).toBe(413);
    // under the limit, all is as usual
    expect((await fetch(`${server.url}/rest/actor?select=actor_id&limit=1`)).status).toBe(200);
  });
});

describe('the audit log', () => {
  it('writes one JSON line per request, with role, operation and tables, and never the credential', async () => {
    const file = join(dir, 'audit.jsonl');
    const server = await start({ audit: { sink: { kind: 'file', path: file } } });
    await (await fetch(`${server.url}/rest/film?select=title,language!language_id(name)&limit=1`, { headers: { 'x-request-id': 'audit-rest-1' } })).text();
    await (await gql(server, '{ actor(limit: 1) { first_name } }')).text();
    await (await fetch(`${server.url}/rest/language`, { headers: { authorization: 'Bearer not.a.valid-token', 'x-request-id': 'audit-refused' } })).text();
    await (
      await fetch(`${server.url}/rest/language`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'audit-write' },
        body: JSON.stringify([{ name: 'Basque' }, { name: 'Welsh' }]),
      })
    ).text();
    await eventually(() => readFileSync(file, 'utf8').includes('audit-write'), 5000, 'the write\'s audit line');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const rest = lines.find((l) => l['requestId'] === 'audit-rest-1');
    expect(rest).toMatchObject({ role: 'anonymous', protocol: 'rest', method: 'GET', path: '/rest/film', status: 200, operation: ['read'] });
    expect(rest?.['tables']).toEqual(expect.arrayContaining(['public.film', 'public.language']));
    expect(lines.find((l) => l['protocol'] === 'graphql')).toMatchObject({ tables: ['public.actor'], status: 200, rowsAffected: null });
    expect(lines.find((l) => l['requestId'] === 'audit-write')).toMatchObject({ operation: ['insert'], tables: ['public.language'], status: 201, rowsAffected: 2 });
    expect(readFileSync(file, 'utf8')).not.toContain('not.a.valid-token');
  });
});
