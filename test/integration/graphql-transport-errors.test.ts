import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { buildChain } from '../../src/server/build-chain.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testConfig } from '../support/server.js';

/** Malformed GraphQL-over-HTTP requests (issue 10, item 5): a 4xx with a stable code, no stack in the log. */

let db: TestDatabase;
let server: RunningServer;
const logLines: { level: number; msg?: string; err?: { stack?: string } }[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ sql: [] });
  const { Client } = (await import('pg')).default;
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`create table item (id int primary key, name text not null); insert into item values (1, 'one');`);
  await sql.end();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as (typeof logLines)[number]);
      done();
    },
  });
  server = await startServer({ config: testConfig(db.url), chain: buildChain, logger: pino({ level: 'info' }, sink), mounts: [graphqlMount] });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const q = (params: Record<string, string>): string => `?${new URLSearchParams(params).toString()}`;
const json = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

const CASES: readonly (readonly [string, string, RequestInit | undefined, number, string])[] = [
  ['GET: variables that are not JSON', q({ query: '{__typename}', variables: '{bad' }), undefined, 400, 'invalid-json'],
  ['GET: variables that are an array', q({ query: '{__typename}', variables: '[1]' }), undefined, 400, 'parse-failed'],
  ['GET: variables that are a number', q({ query: '{__typename}', variables: '1' }), undefined, 400, 'parse-failed'],
  ['GET: extensions that are not JSON', q({ query: '{__typename}', extensions: '{' }), undefined, 400, 'invalid-json'],
  ['GET: no query', q({ variables: '{}' }), undefined, 400, 'parse-failed'],
  ['GET: an unknown operationName', q({ query: 'query A { __typename }', operationName: 'B' }), undefined, 400, 'validation-failed'],
  ['POST: a body that is not JSON', '', json('{bad'), 400, 'invalid-json'],
  ['POST: a body that is not UTF-8 JSON', '', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, 'invalid-json'],
  ['POST: an empty batch', '', json('[]'), 400, 'parse-failed'],
  ['POST: a batch with an entry that is not an object', '', json('[{"query":"{__typename}"}, 1]'), 400, 'parse-failed'],
  ['POST: null', '', json('null'), 400, 'parse-failed'],
  ['POST: a query that is a number', '', json('{"query":1}'), 400, 'parse-failed'],
  ['POST: no query', '', json('{"variables":{}}'), 400, 'parse-failed'],
  ['POST: variables that are a string', '', json('{"query":"{__typename}","variables":"{}"}'), 400, 'parse-failed'],
  ['POST: extensions that are an array', '', json('{"query":"{__typename}","extensions":[]}'), 400, 'parse-failed'],
  ['POST: an operationName that is a number', '', json('{"query":"{__typename}","operationName":1}'), 400, 'parse-failed'],
  ['POST: an unknown operationName', '', json('{"query":"query A { __typename }","operationName":"B"}'), 400, 'validation-failed'],
  ['POST: text/plain', '', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{__typename}"}' }, 415, 'parse-failed'],
  ['POST: variables of the wrong type', '', json('{"query":"query($id: Int!) { item_by_pk(id: $id) { name } }","variables":{"id":"x"}}'), 400, 'validation-failed'],
];

describe('malformed GraphQL-over-HTTP requests', () => {
  it.each(CASES)('%s → %i %s', async (_name, search, init, status, code) => {
    const res = await fetch(`${server.url}/graphql${search}`, { ...init, headers: { accept: 'application/json', ...(init?.headers as Record<string, string> | undefined) } });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions).toEqual({ path: '$', code });
  });

  it('logged no error and no stack trace for any of them', () => {
    expect(logLines.filter((line) => line.level >= 50 || line.err?.stack !== undefined)).toEqual([]);
  });

  it('still answers well-formed requests on both paths', async () => {
    const get = await fetch(`${server.url}/graphql${q({ query: 'query($id: Int!) { item_by_pk(id: $id) { name } }', variables: '{"id":1}' })}`, { headers: { accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { item_by_pk: { name: 'one' } } });
    const post = await fetch(`${server.url}/graphql`, json('{"query":"{ item { id name } }","variables":null,"operationName":null,"unknown":1}'));
    expect(await post.json()).toEqual({ data: { item: [{ id: 1, name: 'one' }] } });
  });
});
