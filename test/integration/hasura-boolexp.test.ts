import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHasura } from '../../src/cli/import-hasura.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startGraphqlServer } from '../support/graphql.js';

/**
 * Hasura's boolean expressions beyond the basics (issue 14): `_exists` over an unrelated table,
 * column comparisons (`_ceq`… with `["$", "col"]`), `_cast`, computed fields in `where` and
 * `order_by`, each against hand-written SQL, with permissions still applied.
 */

const SECRET = 'boolexp-secret';
const fixture = fileURLToPath(new URL('../fixtures/hasura-boolexp.sql', import.meta.url));
let db: TestDatabase;
let server: RunningServer;

beforeAll(async () => {
  db = await createTestDatabase({ sql: [fixture] });
  server = await startGraphqlServer(db.url, {
    config: {
      auth: { adminSecret: SECRET },
      tables: { article_status: { isEnum: true } },
      permissions: {
        // sees every article and author, but only the active bans
        reader: {
          tables: {
            article: { select: { columns: '*' as const } },
            author: { select: { columns: '*' as const } },
            ban: { select: { columns: '*' as const, filter: { active: { _eq: true } } } },
          },
          functions: '*' as const,
        },
        // may not read bans at all
        nobans: { tables: { article: { select: { columns: '*' as const } } } },
        // rules written with column comparisons and _exists
        ruled: {
          tables: {
            article: {
              select: {
                columns: '*' as const,
                filter: {
                  rating: { _cgte: 'min_rating' },
                  _not: { _exists: { _table: { schema: 'public', name: 'ban' }, _where: { author_id: { _ceq: ['$', 'author_id'] }, active: { _eq: true } } } },
                },
              },
            },
            author: { select: { columns: '*' as const, filter: { editor_id: { _ceq: 'id' } } } },
          },
        },
      },
    },
  });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const admin = { 'x-hasura-admin-secret': SECRET };

async function post(query: string, headers: Record<string, string> = admin, variables?: Record<string, unknown>): Promise<{ status: number; body: { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string; path?: string } }[] } }> {
  const res = await fetch(`${server.url}/v1/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as never };
}

async function ids(query: string, headers: Record<string, string> = admin): Promise<number[]> {
  const { body } = await post(query, headers);
  expect(body.errors).toBeUndefined();
  const rows = Object.values(body.data ?? {})[0] as { id: number }[];
  return rows.map((r) => r.id);
}

async function sqlIds(text: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<{ id: number }>(text)).rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

const as = (role: string): Record<string, string> => ({ ...admin, 'x-hasura-role': role });

describe('_exists', () => {
  it('filters by rows of a table no relationship leads to, correlated by ["$", col]', async () => {
    const got = await ids('{ article(where: {_exists: {_table: {schema: "public", name: "ban"}, _where: {author_id: {_ceq: ["$", "author_id"]}}}}, order_by: {id: asc}) { id } }');
    expect(got).toEqual(await sqlIds('select id from article a where exists (select 1 from ban b where b.author_id = a.author_id) order by id'));
    expect(got).toEqual([3, 4]);
  });

  it('uncorrelated: true for every row when some row matches, none otherwise', async () => {
    expect(await ids('{ author(where: {_exists: {_table: {name: "ban"}, _where: {active: {_eq: true}}}}, order_by: {id: asc}) { id } }')).toEqual([1, 2, 3, 4]);
    expect(await ids('{ author(where: {_exists: {_table: {name: "ban"}, _where: {id: {_gt: 10}}}}) { id } }')).toEqual([]);
  });

  it('sees only the rows of the other table the role may read', async () => {
    const query = '{ article(where: {_exists: {_table: {name: "ban"}, _where: {author_id: {_ceq: ["$", "author_id"]}}}}, order_by: {id: asc}) { id } }';
    // the inactive ban of author 3 is hidden from "reader"
    expect(await ids(query, as('reader'))).toEqual(await sqlIds('select id from article a where exists (select 1 from ban b where b.author_id = a.author_id and b.active) order by id'));
    expect(await ids(query, as('reader'))).toEqual([3]);
    const refused = await post(query, as('nobans'));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('validation-failed');
  });

  it('inside a relationship, ["$", col] still names the root row', async () => {
    const got = await ids('{ author(where: {articles: {_exists: {_table: {name: "ban"}, _where: {author_id: {_ceq: ["$", "id"]}}}}}, order_by: {id: asc}) { id } }');
    expect(got).toEqual(await sqlIds('select id from author a where exists (select 1 from article r where r.author_id = a.id and exists (select 1 from ban b where b.author_id = a.id)) order by id'));
  });

  it('a table that does not exist, or a malformed _exists, is validation-failed', async () => {
    for (const where of ['{_exists: {_table: {name: "nope"}, _where: {}}}', '{_exists: {_table: {name: "ban"}, _where: {nope: {_eq: 1}}}}', '{_exists: {_table: {name: "ban"}, _where: 3}}']) {
      const { status, body } = await post(`{ article(where: ${where}) { id } }`);
      expect(status).toBe(200);
      expect(body.errors?.[0]?.extensions?.code).toBe('validation-failed');
    }
  });
});

describe('column comparison operators', () => {
  it('_ceq _cneq _cgt _cgte _clt _clte compare with a column of the same row', async () => {
    const cases: [string, string][] = [
      ['_ceq', '='],
      ['_cneq', '<>'],
      ['_cgt', '>'],
      ['_cgte', '>='],
      ['_clt', '<'],
      ['_clte', '<='],
    ];
    for (const [op, sql] of cases) {
      const got = await ids(`{ article(where: {rating: {${op}: "min_rating"}}, order_by: {id: asc}) { id } }`);
      expect(got, op).toEqual(await sqlIds(`select id from article where rating ${sql} min_rating order by id`));
    }
    expect(await ids('{ author(where: {editor_id: {_ceq: "id"}}, order_by: {id: asc}) { id } }')).toEqual([1, 3]);
  });

  it('["$", col] through a relationship names the root row', async () => {
    const got = await ids('{ author(where: {articles: {author_id: {_ceq: ["$", "editor_id"]}}}, order_by: {id: asc}) { id } }');
    expect(got).toEqual(await sqlIds('select id from author a where exists (select 1 from article r where r.author_id = a.id and r.author_id = a.editor_id) order by id'));
  });

  it('an unknown column or a column of another type is validation-failed', async () => {
    for (const where of ['{rating: {_ceq: "nope"}}', '{rating: {_ceq: "title"}}', '{rating: {_ceq: ["x", "y", "z"]}}']) {
      const { body } = await post(`{ article(where: ${where}) { id } }`);
      expect(body.errors?.[0]?.extensions?.code, where).toBe('validation-failed');
    }
  });

  it('permission rules with _cgte, _ceq and _not _exists hold', async () => {
    expect(await ids('{ article(order_by: {id: asc}) { id } }', as('ruled'))).toEqual(
      await sqlIds('select id from article a where rating >= min_rating and not exists (select 1 from ban b where b.author_id = a.author_id and b.active) order by id'),
    );
    expect(await ids('{ author(order_by: {id: asc}) { id } }', as('ruled'))).toEqual([1, 3]);
  });
});

describe('_cast', () => {
  it('jsonb as String', async () => {
    const got = await ids('{ article(where: {data: {_cast: {String: {_like: "%tags%"}}}}, order_by: {id: asc}) { id } }');
    expect(got).toEqual(await sqlIds("select id from article where data::text like '%tags%' order by id"));
    expect(got).toEqual([1]);
  });

  it('a cast Hasura does not offer is refused by validation', async () => {
    const { body } = await post('{ article(where: {rating: {_cast: {String: {_eq: "5"}}}}) { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('validation-failed');
  });
});

describe('computed fields in where and order_by', () => {
  it('filters and orders by a scalar computed field', async () => {
    const got = await ids('{ article(where: {article_title_length: {_gt: 4}}, order_by: [{article_title_length: desc}, {id: asc}]) { id } }');
    expect(got).toEqual(await sqlIds('select id from article a where length(a.title) > 4 order by length(a.title) desc, id'));
    const names = await post('{ author(where: {author_shout: {_like: "%E%"}}, order_by: {author_shout: desc}) { name author_shout } }');
    expect(names.body.data).toEqual({ author: [{ name: 'Dee', author_shout: 'DEE' }] });
  });

  it('through a relationship', async () => {
    const got = await ids('{ author(where: {articles: {article_title_length: {_gte: 10}}}) { id } }');
    expect(got).toEqual([2]);
  });
});

describe('enum tables (isEnum)', () => {
  it('the table\'s values are a GraphQL enum, described by their comments', async () => {
    const { body } = await post('{ __type(name: "article_status_enum") { kind enumValues { name description } } }');
    expect(body.data).toEqual({
      __type: {
        kind: 'ENUM',
        enumValues: [
          { name: 'archived', description: null },
          { name: 'draft', description: 'Not published yet' },
          { name: 'published', description: 'Visible to everyone' },
        ],
      },
    });
    const field = await post('{ __type(name: "article") { fields { name type { kind ofType { name kind } } } } }');
    const fields = (field.body.data?.['__type'] as { fields: { name: string; type: unknown }[] }).fields;
    expect(fields.find((f) => f.name === 'status')?.type).toEqual({ kind: 'NON_NULL', ofType: { name: 'article_status_enum', kind: 'ENUM' } });
    const comparison = await post('{ __type(name: "article_status_enum_comparison_exp") { inputFields { name } } }');
    expect((comparison.body.data?.['__type'] as { inputFields: { name: string }[] }).inputFields.map((f) => f.name)).toEqual(['_eq', '_in', '_is_null', '_neq', '_nin']);
  });

  it('columns referencing it filter, answer and take its values', async () => {
    expect(await ids('{ article(where: {status: {_eq: draft}}, order_by: {id: asc}) { id } }')).toEqual(await sqlIds("select id from article where status = 'draft' order by id"));
    expect(await ids('{ article(where: {status: {_nin: [draft, archived]}}, order_by: {id: asc}) { id } }')).toEqual([1, 3]);
    const vars = await post('query ($s: article_status_enum!) { article(where: {status: {_eq: $s}}, order_by: {id: asc}) { id status } }', admin, { s: 'archived' });
    expect(vars.body).toEqual({ data: { article: [{ id: 4, status: 'archived' }] } });
    const inserted = await post('mutation { insert_article_one(object: {id: 9, author_id: 1, title: "New", rating: 1, min_rating: 1, status: published}) { id status } }');
    expect(inserted.body).toEqual({ data: { insert_article_one: { id: 9, status: 'published' } } });
    // _set takes the enum too (a literal and a variable), as insert_input does
    const set = await post('mutation { update_article_by_pk(pk_columns: {id: 9}, _set: {status: archived}) { id status } }');
    expect(set.body).toEqual({ data: { update_article_by_pk: { id: 9, status: 'archived' } } });
    const setVar = await post('mutation ($s: article_status_enum) { update_article(where: {id: {_eq: 9}}, _set: {status: $s}) { returning { status } } }', admin, { s: 'draft' });
    expect(setVar.body).toEqual({ data: { update_article: { returning: [{ status: 'draft' }] } } });
    expect(await sqlIds("select id from article where id = 9 and status = 'draft'")).toEqual([9]);
    const wrong = await post('mutation { update_article_by_pk(pk_columns: {id: 9}, _set: {status: nope}) { id } }');
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('validation-failed');
    await post('mutation { delete_article_by_pk(id: 9) { id } }');
  });

  it('a value that is not in the table is validation-failed', async () => {
    const literal = await post('{ article(where: {status: {_eq: nope}}) { id } }');
    expect(literal.body.errors?.[0]?.extensions?.code).toBe('validation-failed');
    const variable = await post('query ($s: article_status_enum!) { article(where: {status: {_eq: $s}}) { id } }', admin, { s: 'nope' });
    expect(variable.body.errors?.[0]?.extensions?.code).toBe('validation-failed');
  });

  it('import-hasura maps is_enum', () => {
    const result = importHasura({ version: 3, sources: [{ name: 'default', kind: 'postgres', tables: [{ table: { schema: 'public', name: 'article_status' }, is_enum: true }] }] });
    expect(result.config['tables']).toEqual({ 'public.article_status': { isEnum: true } });
  });
});

describe('fixed: large sums and enum literal paths', () => {
  it('the sum of an int column beyond 2^31 is a JSON number on the resolver route too', async () => {
    // avg is answered by resolvers (PostgreSQL's exact numeric is GraphQL's Float)
    const { body } = await post('{ tally_aggregate { aggregate { sum { n } avg { n } } } }');
    expect(body).toEqual({ data: { tally_aggregate: { aggregate: { sum: { n: 4000000007 }, avg: { n: 4000000007 / 3 } } } } });
    const one = await post('{ tally_aggregate { aggregate { sum { n } } } }');
    expect(one.body).toEqual({ data: { tally_aggregate: { aggregate: { sum: { n: 4000000007 } } } } });
  });

  it('an Int argument is still checked as 32 bits', async () => {
    const { body } = await post('{ tally(limit: 3000000000) { id } }');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'validation-failed', path: '$.selectionSet.tally.args.limit' });
  });

  it('a bad native enum literal names its place', async () => {
    const { body } = await post('{ tally(where: {mood: {_eq: angry}}) { id } }');
    expect(body.errors?.[0]?.message).toMatch(/expected one of the values 'happy', 'sad' for type 'mood'/);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'validation-failed', path: '$.selectionSet.tally.args.where.mood._eq' });
  });
});

describe('jsonb path argument', () => {
  it('selects the JSON at a path, in each of Hasura\'s spellings', async () => {
    const { body } = await post('{ article(where: {id: {_in: [1, 2, 3]}}, order_by: {id: asc}) { id b: data(path: "$.a.b") b2: data(path: "a.b") tag: data(path: "tags[1]") first: data(path: "$[\'tags\'][0]") whole: data(path: "$") data } }');
    expect(body).toEqual({
      data: {
        article: [
          { id: 1, b: 1, b2: 1, tag: 'y', first: 'x', whole: { a: { b: 1 }, tags: ['x', 'y'] }, data: { a: { b: 1 }, tags: ['x', 'y'] } },
          { id: 2, b: 2, b2: 2, tag: null, first: null, whole: { a: { b: 2 } }, data: { a: { b: 2 } } },
          { id: 3, b: null, b2: null, tag: null, first: null, whole: 'plain', data: 'plain' },
        ],
      },
    });
    const index = await post('{ article_by_pk(id: 5) { second: data(path: "$[1]") } }');
    expect(index.body).toEqual({ data: { article_by_pk: { second: 2 } } });
  });

  it('a malformed path is validation-failed', async () => {
    const { body } = await post('{ article { data(path: "$.a[x") } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('validation-failed');
    expect(body.errors?.[0]?.message).toMatch(/parse json path error/);
  });
});
