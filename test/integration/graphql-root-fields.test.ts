import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';

/**
 * Hasura's `custom_root_fields` as `tables.<t>.rootFields`: each root field of a table may have
 * a name of its own, used as written (in either naming convention); the others keep theirs.
 */

const fixture = fileURLToPath(new URL('../fixtures/hasura-boolexp.sql', import.meta.url));
const ROOT_FIELDS = {
  select: 'tallies',
  select_by_pk: 'tallyById',
  select_aggregate: 'tally_stats',
  insert_one: 'addTally',
  update_by_pk: 'edit_tally',
  delete_by_pk: 'drop_tally',
  select_stream: 'tally_feed',
};
let db: TestDatabase;
let server: RunningServer;
let camel: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [fixture] });
  server = await startGraphqlServer(db.url, { config: { tables: { tally: { rootFields: ROOT_FIELDS } } } });
  camel = await startGraphqlServer(db.url, { config: { tables: { tally: { rootFields: ROOT_FIELDS } }, graphql: { namingConvention: 'graphql-default' } } });
});

afterAll(async () => {
  await server?.close();
  await camel?.close();
  await db?.drop();
});

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

async function ask(on: RunningServer, query: string): Promise<Answer> {
  const res = await fetch(`${on.url}/v1/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await res.json()) as Answer;
}

async function sql(text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('tables.<t>.rootFields (Hasura custom_root_fields)', () => {
  it('names the query, by-key and aggregate fields as written; the defaults are gone, the rest keep theirs', async () => {
    expect(await ask(server, '{ tallies(order_by: {id: asc}) { id } tallyById(id: 3) { n } tally_stats { aggregate { count } } }')).toEqual({
      data: { tallies: [{ id: 1 }, { id: 2 }, { id: 3 }], tallyById: { n: 7 }, tally_stats: { aggregate: { count: 3 } } },
    });
    const gone = await ask(server, '{ tally { id } }');
    expect(gone.errors?.[0]?.message).toBe("field 'tally' not found in type: 'query_root'");
    // not renamed: the groups field keeps its name
    expect((await ask(server, '{ tally_groups(group_by: [mood], order_by: [{keys: {mood: asc}}]) { keys { mood } aggregate { count } } }')).data).toEqual({
      tally_groups: [{ keys: { mood: 'happy' }, aggregate: { count: 2 } }, { keys: { mood: 'sad' }, aggregate: { count: 1 } }],
    });
  });

  it('names the mutations as written, and they write', async () => {
    expect(await ask(server, 'mutation { addTally(object: {id: 10, n: 1, mood: sad}) { id } }')).toEqual({ data: { addTally: { id: 10 } } });
    expect(await ask(server, 'mutation { edit_tally(pk_columns: {id: 10}, _set: {n: 5}) { n } }')).toEqual({ data: { edit_tally: { n: 5 } } });
    expect(await sql('select n from tally where id = 10')).toEqual([{ n: 5 }]);
    expect(await ask(server, 'mutation { drop_tally(id: 10) { id } }')).toEqual({ data: { drop_tally: { id: 10 } } });
    expect(await sql('select n from tally where id = 10')).toEqual([]);
    // the insert of many keeps its default name
    expect((await ask(server, 'mutation { insert_tally(objects: []) { affected_rows } }')).data).toEqual({ insert_tally: { affected_rows: 0 } });
    expect((await ask(server, 'mutation { insert_tally_one(object: {id: 11, n: 1, mood: sad}) { id } }')).errors?.[0]?.message).toBe("field 'insert_tally_one' not found in type: 'mutation_root'");
  });

  it('the subscription root has the renamed stream and query fields', async () => {
    const res = await ask(server, '{ __schema { subscriptionType { fields { name } } } }');
    const names = ((res.data?.['__schema'] as { subscriptionType: { fields: { name: string }[] } }).subscriptionType.fields).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['tallies', 'tallyById', 'tally_stats', 'tally_feed']));
    expect(names).not.toContain('tally_stream');
  });

  it('are used as written under graphql-default too; the others follow the convention', async () => {
    expect(await ask(camel, '{ tallies(orderBy: {id: ASC}, limit: 1) { id } tally_stats { aggregate { count } } }')).toEqual({ data: { tallies: [{ id: 1 }], tally_stats: { aggregate: { count: 3 } } } });
    expect((await ask(camel, 'mutation { insertTally(objects: []) { affectedRows } }')).data).toEqual({ insertTally: { affectedRows: 0 } });
  });

  it('a name GraphQL cannot spell, or an unknown kind, is a configuration error', () => {
    const issues = (rootFields: Record<string, string>): string[] => {
      const result = configSchema.safeParse({ tables: { tally: { rootFields } } });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ select: 'two words' })).toEqual(['tables.tally.rootFields.select: expected a GraphQL name (letters, digits and _, not starting with a digit)']);
    expect(issues({ select: '__typename' })).toEqual(['tables.tally.rootFields.select: a name starting with __ is reserved by GraphQL']);
    expect(issues({ selekt: 'x' })).toEqual([expect.stringMatching(/^tables\.tally\.rootFields: .*selekt/)]);
    expect(issues({ select: 'tallies', insert_one: 'addTally' })).toEqual([]);
  });
});
