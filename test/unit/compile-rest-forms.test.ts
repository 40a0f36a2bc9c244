import { describe, expect, it } from 'vitest';
import { Chain, type AuthorizedPlan } from '../../src/chain/index.js';
import type { TypeRef } from '../../src/model/index.js';
import type { CallPlan, CompareOperator, Condition, InsertPlan, JoinPath, Plan, ReadPlan } from '../../src/plan/index.js';
import { compileCall, compileInsert, compilePage, compileRead } from '../../src/sql/index.js';

/**
 * Plan → SQL for the forms the REST dialect brought: JSON paths, casts, aggregates with
 * grouping, spreads, range/distinct/is/full-text operators, any/all quantifiers, pages with
 * totals, variadic arguments, rows-only returning, and GeoJSON rendering. Text and parameters.
 */

const t = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });
const TEXT = t('text');
const JSONB = t('jsonb');
const INT4 = t('int4');
const NUMERIC = t('numeric');
const RANGE: TypeRef = { kind: 'range', schema: 'pg_catalog', name: 'tstzrange', subtype: t('timestamptz') };
const doc = { schema: 'public', dbName: 'doc' };
const language = { schema: 'public', dbName: 'language' };
const toLanguage: JoinPath = { target: language, mapping: [{ from: 'language_id', to: 'language_id' }] };
const NUMBERS = { exactNumbersAsStrings: false };

const chain = new Chain();
function authorized<P extends Plan>(plan: P): Promise<AuthorizedPlan<P>> {
  return chain.authorize(plan, { id: 'test', protocol: 'rest', graph: {} as never, headers: {} }, { role: 'anonymous', session: {}, authenticated: false });
}

const read = (extra: Partial<ReadPlan> = {}): ReadPlan => ({
  kind: 'read',
  source: { kind: 'entity', entity: doc },
  selection: [{ kind: 'column', key: 'id', column: 'id', type: INT4 }],
  orderBy: [],
  ...extra,
});

async function where(condition: Condition): Promise<{ sql: string; values: readonly unknown[] }> {
  const { text, values } = compileRead(await authorized(read({ where: condition })), NUMBERS);
  const match = / where (.*)\) as "x1"\) as result$/.exec(text);
  return { sql: match?.[1] ?? text, values: values.slice(0, -1) };
}

const cmp = (operator: CompareOperator, value: unknown, type: TypeRef, column = 'c', extra: Partial<Extract<Condition, { kind: 'compare' }>> = {}): Condition => ({
  kind: 'compare',
  column: { column, type },
  operator,
  value,
  ...extra,
});

describe('conditions', () => {
  it.each([
    ['is_distinct', 'is distinct from'],
    ['overlaps', '&&'],
    ['strictly_left', '<<'],
    ['strictly_right', '>>'],
    ['not_extends_right', '&<'],
    ['not_extends_left', '&>'],
    ['adjacent', '-|-'],
  ] as const)('%s is %s, its value of the column type', async (operator, sql) => {
    expect(await where(cmp(operator, '[1,5)', RANGE, 'during'))).toEqual({ sql: `"t0"."during" ${sql} $1::"pg_catalog"."tstzrange"`, values: ['[1,5)'] });
  });

  it('is true / false / unknown, and nothing else', async () => {
    for (const value of ['true', 'false', 'unknown']) {
      expect(await where(cmp('is', value, t('bool'), 'ok'))).toEqual({ sql: `"t0"."ok" is ${value}`, values: [] });
    }
    await expect(where(cmp('is', 'maybe; drop table x', t('bool'), 'ok'))).rejects.toThrow(/true, false or unknown/);
  });

  it('compares a JSON path, its keys and indexes as parameters', async () => {
    const condition: Condition = {
      kind: 'compare',
      column: { column: 'data', type: TEXT, path: [{ arrow: '->', key: 'a' }, { arrow: '->', key: 0 }, { arrow: '->>', key: 'b' }] },
      operator: 'eq',
      value: 'x',
    };
    expect(await where(condition)).toEqual({
      sql: '("t0"."data"->$1::"pg_catalog"."text"->$2::"pg_catalog"."int4"->>$3::"pg_catalog"."text") = $4::"pg_catalog"."text"',
      values: ['a', 0, 'b', 'x'],
    });
  });

  it('any/all: one array parameter, for comparisons and patterns', async () => {
    expect(await where(cmp('eq', ['1', '2'], INT4, 'n', { quantifier: 'any' }))).toEqual({ sql: '"t0"."n" = any ($1::"pg_catalog"."int4"[])', values: [['1', '2']] });
    expect(await where(cmp('like', ['a%', 'b%'], TEXT, 's', { quantifier: 'all' }))).toEqual({ sql: '"t0"."s" like all ($1::"pg_catalog"."text"[])', values: [['a%', 'b%']] });
    await expect(where(cmp('has_key', ['a'], JSONB, 'data', { quantifier: 'any' }))).rejects.toThrow(/no any\/all/);
  });

  it('full-text search: a tsvector as it is, other columns through to_tsvector, the language as regconfig', async () => {
    expect(await where({ kind: 'text_search', column: { column: 'fulltext', type: t('tsvector') }, parser: 'websearch_to_tsquery', query: 'cat -dog' })).toEqual({
      sql: '"t0"."fulltext" @@ websearch_to_tsquery($1::"pg_catalog"."text")',
      values: ['cat -dog'],
    });
    expect(await where({ kind: 'text_search', column: { column: 'body', type: TEXT }, parser: 'plainto_tsquery', language: 'english', query: 'cats' })).toEqual({
      sql: 'to_tsvector($1::"pg_catalog"."regconfig", "t0"."body"::text) @@ plainto_tsquery($1::"pg_catalog"."regconfig", $2::"pg_catalog"."text")',
      values: ['english', 'cats'],
    });
  });
});

describe('selections', () => {
  it('a JSON path and a cast', async () => {
    const plan = read({ selection: [{ kind: 'column', key: 'b', column: 'data', type: INT4, path: [{ arrow: '->>', key: 'b' }], cast: INT4 }] });
    const { text, values } = compileRead(await authorized(plan), NUMBERS);
    expect(text).toContain('json_build_object($2::"pg_catalog"."text", ("t0"."data"->>$1::"pg_catalog"."text")::"pg_catalog"."int4")');
    expect(values).toEqual(['b', 'b']);
  });

  it('aggregates group by the other selected values, by position', async () => {
    const plan = read({
      selection: [
        { kind: 'column', key: 'rating', column: 'rating', type: TEXT },
        { kind: 'aggregate', key: 'count', fn: 'count' },
        { kind: 'aggregate', key: 'sum', fn: 'sum', column: { column: 'amount', type: NUMERIC } },
      ],
    });
    const { text } = compileRead(await authorized(plan), NUMBERS);
    expect(text).toContain('select "t0"."rating" as "c0", count(*) as "c1", sum("t0"."amount") as "c2" from "public"."doc" as "t0" group by 1');
    expect(text).toContain('json_build_object($1::"pg_catalog"."text", "g2"."c0", $2::"pg_catalog"."text", "g2"."c1", $3::"pg_catalog"."text", "g2"."c2") as r');
  });

  it('an aggregate alone has no group by; a cast applies to its result', async () => {
    const plan = read({ selection: [{ kind: 'aggregate', key: 'avg', fn: 'avg', column: { column: 'amount', type: NUMERIC }, cast: INT4 }] });
    const { text } = compileRead(await authorized(plan), NUMBERS);
    expect(text).toContain('select avg("t0"."amount")::"pg_catalog"."int4" as "c0" from "public"."doc" as "t0")');
    expect(text).not.toContain('group by');
  });

  it('a spread brings the related row\'s keys into the row, one scalar subquery each', async () => {
    const plan = read({
      selection: [
        { kind: 'column', key: 'id', column: 'id', type: INT4 },
        { kind: 'spread', join: toLanguage, plan: { kind: 'read', source: { kind: 'entity', entity: language }, selection: [{ kind: 'column', key: 'language', column: 'name', type: TEXT }], orderBy: [] } },
      ],
    });
    const { text, values } = compileRead(await authorized(plan), NUMBERS);
    expect(text).toContain('$2::"pg_catalog"."text", (select "t2"."name" from "public"."language" as "t2" where "t2"."language_id" = "t0"."language_id" limit 1)');
    expect(values.slice(0, 2)).toEqual(['id', 'language']);
  });

  it('PostGIS values as GeoJSON, through the extension\'s own schema', async () => {
    const geometry: TypeRef = { kind: 'scalar', schema: 'gis', name: 'geometry' };
    const plan = read({ selection: [{ kind: 'column', key: 'g', column: 'g', type: geometry }, { kind: 'column', key: 'gs', column: 'gs', type: { kind: 'array', element: geometry } }] });
    const { text } = compileRead(await authorized(plan), NUMBERS);
    expect(text).toContain('"gis"."st_asgeojson"("t0"."g")::json');
    expect(text).toContain('(select json_agg("gis"."st_asgeojson"("g")::json) from unnest("t0"."gs") as "g")');
  });
});

describe('compilePage', () => {
  it('the page as text, its row count, and the total without limit and offset', async () => {
    const plan = read({ where: cmp('gt', '5', INT4, 'id'), limit: 10, offset: 20 });
    const { text, values } = compilePage(await authorized(plan), NUMBERS, { total: true });
    expect(text).toBe(
      'select coalesce(json_agg("x1".r), \'[]\'::json)::text as result, count(*)::int4 as page, ' +
        '(select count(*) from "public"."doc" as "t2" where "t2"."id" > $4::"pg_catalog"."int4") as total ' +
        'from (select json_build_object($2::"pg_catalog"."text", "t0"."id") as r from "public"."doc" as "t0" where "t0"."id" > $1::"pg_catalog"."int4" limit 10 offset $3::"pg_catalog"."int8") as "x1"',
    );
    expect(values).toEqual(['5', 'id', 20, '5']);
  });

  it('no total when none is asked', async () => {
    const { text } = compilePage(await authorized(read()), NUMBERS, { total: false });
    expect(text).toContain('null::int8 as total');
  });
});

describe('writes and calls', () => {
  it('rowsOnly: the written rows as a JSON array, nothing around them', async () => {
    const plan: InsertPlan = { kind: 'insert', entity: doc, rows: [{ values: [{ column: 'id', type: INT4, value: 1 }] }], returning: { selection: [], rowsOnly: true } };
    const { text } = compileInsert(await authorized(plan), NUMBERS);
    expect(text).toBe('with "m" as (insert into "public"."doc" as "t0" ("id") values ($1::"pg_catalog"."int4") returning "t0".*) select (select coalesce(json_agg(json_build_object()), \'[]\'::json) from "m") as result');
    const none = await authorized({ ...plan, rows: [] });
    expect(compileInsert(none, NUMBERS).text).toBe('select \'[]\'::json as result');
  });

  it('a variadic argument is passed as its array with VARIADIC', async () => {
    const plan: CallPlan = {
      kind: 'call',
      fn: { schema: 'public', dbName: 'total' },
      args: [{ name: 'xs', type: { kind: 'array', element: INT4 }, value: [1, 2], variadic: true }],
      returns: { kind: 'value', type: INT4, set: false },
    };
    const { text, values } = compileCall(await authorized(plan), NUMBERS);
    expect(text).toBe('select to_json("public"."total"(variadic "xs" => $1::"pg_catalog"."int4"[])) as result');
    expect(values).toEqual([[1, 2]]);
  });
});

describe('compileCountEstimate', () => {
  it('explains the rows without limit, offset or order', async () => {
    const { compileCountEstimate } = await import('../../src/sql/index.js');
    const plan = read({ where: cmp('gt', '5', INT4, 'id'), limit: 10, offset: 20, orderBy: [{ target: { kind: 'column', column: 'id' }, direction: 'desc' }] });
    const { text, values } = compileCountEstimate(await authorized(plan), NUMBERS);
    expect(text).toBe('explain (format json) select json_build_object($2::"pg_catalog"."text", "t0"."id") as r from "public"."doc" as "t0" where "t0"."id" > $1::"pg_catalog"."int4"');
    expect(values).toEqual(['5', 'id']);
  });
});
