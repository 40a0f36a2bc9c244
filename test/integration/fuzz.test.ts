import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { graphqlRequest, isServerFault, restRequest, send, type FuzzRequest } from '../support/fuzz.js';
import { startTestServer } from '../support/server.js';

/**
 * Property-based fuzzing against the real server on Pagila (issue 10, item 8): whatever the
 * query string, headers, document or variables, the answer is not a 5xx, and the server is
 * healthy afterwards. `npm run fuzz` runs the same generators 100,000 times.
 */

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 250);

let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startTestServer(db.url, { mounts: [restMounts, graphqlMount] });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** The property: no server fault. The counterexample is the request, with what came back. */
async function noServerFault(request: FuzzRequest): Promise<void> {
  const { status, body } = await send(server.url, request);
  if (isServerFault(status)) throw new Error(`${request.method} ${request.path} ${JSON.stringify(request.headers)} ${request.body ?? ''}\n→ ${status} ${body.slice(0, 500)}`);
}

async function stillHealthy(): Promise<void> {
  expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  const rest = await fetch(`${server.url}/rest/film?select=title,language!language_id(name)&film_id=eq.1`);
  expect(await rest.json()).toEqual([{ title: 'ACADEMY DINOSAUR', language: { name: 'English             ' } }]);
  const graphql = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ film_by_pk(film_id: 1) { title language { name } } }' }) });
  expect(await graphql.json()).toEqual({ data: { film_by_pk: { title: 'ACADEMY DINOSAUR', language: { name: 'English             ' } } } });
}

describe('fuzzing', () => {
  it('REST query strings and headers never get a 5xx', async () => {
    await fc.assert(fc.asyncProperty(restRequest, noServerFault), { numRuns: RUNS });
    await stillHealthy();
  }, 120_000);

  it('GraphQL documents, variables and transport parameters never get a 5xx', async () => {
    await fc.assert(fc.asyncProperty(graphqlRequest, noServerFault), { numRuns: RUNS });
    await stillHealthy();
  }, 120_000);
});
