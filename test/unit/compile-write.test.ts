import { describe, expect, it } from 'vitest';
import { Chain, type AuthorizedPlan } from '../../src/chain/index.js';
import type { TypeRef } from '../../src/model/index.js';
import type { Assignment, CallPlan, DeletePlan, InsertPlan, InsertRow, JoinPath, Plan, ReadPlan, Returning, UpdatePlan } from '../../src/plan/index.js';
import { compileCall, compileDelete, compileInsert, compileUpdate } from '../../src/sql/index.js';

const t = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });
const INT4 = t('int4');
const INT8 = t('int8');
const TEXT = t('text');
const JSONB = t('jsonb');
const NUMERIC = t('numeric');
const DATE = t('date');
const TIMESTAMPTZ = t('timestamptz');
const film = { schema: 'public', dbName: 'film' };
const language = { schema: 'public', dbName: 'language' };
const toLanguage: JoinPath = { target: language, mapping: [{ from: 'language_id', to: 'language_id' }] };

const chain = new Chain();
async function authorized<P extends Plan>(plan: P): Promise<AuthorizedPlan<P>> {
  return chain.authorize(plan, { id: 'test', protocol: 'graphql', graph: {} as never, headers: {} }, { role: 'anonymous', session: {}, authenticated: false });
}

const q = (s: string): string => `"pg_catalog"."${s}"`;
const idOnly: Returning = { selection: [{ kind: 'column', key: 'id', column: 'film_id', type: INT4 }], affectedRowsKey: 'affected_rows', returningKey: 'returning' };
/**
 * The SELECT over "m" that `idOnly` compiles to, its key parameters from $n on (the values of
 * an object are compiled before its keys, so the inner key comes first).
 */
const idOnlyResult = (n: number): string =>
  `select json_build_object($${n + 1}::${q('text')}, (select count(*) from "m"), $${n + 2}::${q('text')}, ` +
  `(select coalesce(json_agg(json_build_object($${n}::${q('text')}, "m"."film_id")), '[]'::json) from "m")) as result`;

const insert = (rows: readonly InsertRow[], extra: Partial<InsertPlan> = {}): InsertPlan => ({ kind: 'insert', entity: film, rows, returning: idOnly, ...extra });
const v = (column: string, value: unknown, type: TypeRef = TEXT): { column: string; type: TypeRef; value: unknown } => ({ column, type, value });

describe('compileInsert', () => {
  it('inserts one row and answers affected rows and the returning objects', async () => {
    const { text, values } = compileInsert(await authorized(insert([{ values: [v('title', 'Dune'), v('language_id', 1, INT4)] }])));
    expect(text).toBe(
      `with "m" as (insert into "public"."film" as "t0" ("title", "language_id") values ($1::${q('text')}, $2::${q('int4')}) returning "t0".*) ` + idOnlyResult(3),
    );
    expect(values).toEqual(['Dune', 1, 'id', 'affected_rows', 'returning']);
  });

  it('bulk: the column list is the union of the rows, holes are DEFAULT', async () => {
    const { text, values } = compileInsert(
      await authorized(insert([{ values: [v('title', 'A'), v('length', 90, INT4)] }, { values: [v('description', 'd'), v('title', 'B')] }, { values: [] }])),
    );
    expect(text).toContain(
      `insert into "public"."film" as "t0" ("title", "length", "description") values ` +
        `($1::${q('text')}, $2::${q('int4')}, default), ($3::${q('text')}, default, $4::${q('text')}), (default, default, default) returning "t0".*`,
    );
    expect(values.slice(0, 4)).toEqual(['A', 90, 'B', 'd']);
  });

  it('rows with no values at all: DEFAULT VALUES for one, a zero-column SELECT for several', async () => {
    expect(compileInsert(await authorized(insert([{ values: [] }]))).text).toContain('insert into "public"."film" as "t0" default values returning "t0".*');
    const { text, values } = compileInsert(await authorized(insert([{ values: [] }, { values: [] }, { values: [] }])));
    expect(text).toContain(`insert into "public"."film" as "t0" select from generate_series(1, $1::${q('int4')}) returning "t0".*`);
    expect(values[0]).toBe(3);
  });

  it('zero rows: touches no table, answers 0 and [] (or null when single)', async () => {
    const { text, values } = compileInsert(await authorized(insert([])));
    expect(text).toBe(`select json_build_object($1::${q('text')}, 0, $2::${q('text')}, '[]'::json) as result`);
    expect(values).toEqual(['affected_rows', 'returning']);
    expect(compileInsert(await authorized(insert([], { returning: { ...idOnly, single: true } }))).text).toBe('select null::json as result');
  });

  it('sends json values as JSON text, cast to jsonb', async () => {
    const { text, values } = compileInsert(await authorized(insert([{ values: [v('doc', { a: [1, 2] }, JSONB)] }])));
    expect(text).toContain(`values ($1::${q('jsonb')})`);
    expect(values[0]).toBe('{"a":[1,2]}');
  });

  it.each([
    [{ action: 'ignore' }, ' on conflict do nothing returning'],
    [{ action: 'ignore', columns: ['title', 'language_id'] }, ' on conflict ("title", "language_id") do nothing returning'],
    [{ action: 'ignore', constraint: 'film_pkey' }, ' on conflict on constraint "film_pkey" do nothing returning'],
    [{ action: 'update', constraint: 'film_pkey', updateColumns: [] }, ' on conflict on constraint "film_pkey" do nothing returning'],
    [
      { action: 'update', constraint: 'film_pkey', updateColumns: ['title', 'length'] },
      ' on conflict on constraint "film_pkey" do update set "title" = excluded."title", "length" = excluded."length" returning',
    ],
    [{ action: 'update', columns: ['film_id'], updateColumns: ['title'] }, ' on conflict ("film_id") do update set "title" = excluded."title" returning'],
  ] as const)('on conflict %j', async (onConflict, sql) => {
    expect(compileInsert(await authorized(insert([{ values: [v('title', 'x')] }], { onConflict }))).text).toContain(sql);
  });

  it('on conflict do update where: a condition over the existing row, parameters in text order', async () => {
    const { text, values } = compileInsert(
      await authorized(
        insert([{ values: [v('title', 'x')] }], {
          onConflict: {
            action: 'update',
            constraint: 'film_pkey',
            updateColumns: ['title'],
            where: { kind: 'compare', column: { column: 'length', type: INT4 }, operator: 'lt', value: 100 },
          },
        }),
      ),
    );
    expect(text).toContain(` on conflict on constraint "film_pkey" do update set "title" = excluded."title" where "t0"."length" < $2::${q('int4')} returning "t0".*)`);
    expect(values.slice(0, 2)).toEqual(['x', 100]);
  });

  it('refuses do update without a conflict target, nested rows and a column given twice', async () => {
    await expect(async () => compileInsert(await authorized(insert([{ values: [v('title', 'x')] }], { onConflict: { action: 'update', updateColumns: ['title'] } })))).rejects.toThrow(
      /needs a constraint or conflict columns/,
    );
    const nested: InsertRow = { values: [v('title', 'x')], parents: [{ join: toLanguage, entity: language, row: { values: [v('name', 'Klingon')] } }] };
    await expect(async () => compileInsert(await authorized(insert([nested])))).rejects.toThrow(/row 0 .* nests parents or children; split it with splitNestedInsert/);
    await expect(async () => compileInsert(await authorized(insert([{ values: [v('title', 'x'), v('title', 'y')] }])))).rejects.toThrow(/gives column "title" twice/);
  });

  it('single: the first row object or null; int8/numeric as text unless asked otherwise', async () => {
    const returning: Returning = {
      selection: [
        { kind: 'column', key: 'id', column: 'film_id', type: INT8 },
        { kind: 'column', key: 'rate', column: 'rental_rate', type: NUMERIC },
      ],
      single: true,
    };
    const plan = await authorized(insert([{ values: [v('title', 'x')] }], { returning }));
    expect(compileInsert(plan).text).toContain(`select (select json_build_object($2::${q('text')}, "m"."film_id"::text, $3::${q('text')}, "m"."rental_rate"::text) from "m" limit 1) as result`);
    expect(compileInsert(plan, { exactNumbersAsStrings: false }).text).toContain(`"m"."film_id", $3::${q('text')}, "m"."rental_rate") from "m" limit 1) as result`);
  });

  it('the returning objects nest relationships and computed fields over "m"', async () => {
    const languagePlan: ReadPlan = { kind: 'read', source: { kind: 'entity', entity: language }, selection: [{ kind: 'column', key: 'name', column: 'name', type: TEXT }], orderBy: [] };
    const returning: Returning = {
      selection: [
        { kind: 'relation', key: 'language', join: toLanguage, cardinality: 'one', plan: languagePlan },
        { kind: 'computed', key: 'label', fn: { schema: 'public', dbName: 'film_label' }, type: TEXT },
      ],
      returningKey: 'returning',
    };
    const { text } = compileInsert(await authorized(insert([{ values: [v('title', 'x')] }], { returning })));
    expect(text).toContain(`from "public"."language" as "t1" where "t1"."language_id" = "m"."language_id" limit 1)`);
    expect(text).toContain('"public"."film_label"("m".*)');
    expect(text).toMatch(/ from "m"\)\) as result$/);
  });

  it('no affected/returning keys: an empty object', async () => {
    const { text } = compileInsert(await authorized(insert([{ values: [v('title', 'x')] }], { returning: { selection: [] } })));
    expect(text).toMatch(/\) select json_build_object\(\) as result$/);
  });
});

const update = (assignments: readonly Assignment[], extra: Partial<UpdatePlan> = {}): UpdatePlan => ({ kind: 'update', entity: film, assignments, returning: idOnly, ...extra });

describe('compileUpdate', () => {
  it.each([
    [{ op: 'set', column: 'title', type: TEXT, value: 'x' }, `"title" = $1::${q('text')}`, 'x'],
    [{ op: 'inc', column: 'length', type: INT4, value: 5 }, `"length" = "t0"."length" + $1::${q('int4')}`, 5],
    [{ op: 'append', column: 'doc', type: JSONB, value: { a: 1 } }, `"doc" = "t0"."doc" || $1::${q('jsonb')}`, '{"a":1}'],
    [{ op: 'prepend', column: 'doc', type: JSONB, value: [0] }, `"doc" = $1::${q('jsonb')} || "t0"."doc"`, '[0]'],
    [{ op: 'delete_key', column: 'doc', type: JSONB, value: 'a' }, `"doc" = "t0"."doc" - $1::${q('text')}`, 'a'],
    [{ op: 'delete_elem', column: 'doc', type: JSONB, value: -1 }, `"doc" = "t0"."doc" - $1::${q('int4')}`, -1],
    [{ op: 'delete_at_path', column: 'doc', type: JSONB, value: ['a', '0'] }, `"doc" = "t0"."doc" #- $1::${q('text')}[]`, ['a', '0']],
  ] as const)('%j', async (assignment, sql, value) => {
    const { text, values } = compileUpdate(await authorized(update([assignment])));
    expect(text).toBe(`with "m" as (update "public"."film" as "t0" set ${sql} returning "t0".*) ` + idOnlyResult(2));
    expect(values[0]).toEqual(value);
  });

  it('several assignments to one column compose in plan order; a set replaces what came before', async () => {
    const { text, values } = compileUpdate(
      await authorized(
        update([
          { op: 'append', column: 'doc', type: JSONB, value: { b: 2 } },
          { op: 'inc', column: 'length', type: INT4, value: 1 },
          { op: 'delete_key', column: 'doc', type: JSONB, value: 'a' },
          { op: 'prepend', column: 'doc', type: JSONB, value: { z: 0 } },
          { op: 'set', column: 'title', type: TEXT, value: 'old' },
          { op: 'set', column: 'title', type: TEXT, value: 'new' },
        ]),
      ),
    );
    expect(text).toContain(
      `set "doc" = $4::${q('jsonb')} || (("t0"."doc" || $1::${q('jsonb')}) - $3::${q('text')}), "length" = "t0"."length" + $2::${q('int4')}, "title" = $6::${q('text')} returning`,
    );
    expect(values.slice(0, 6)).toEqual(['{"b":2}', 1, 'a', '{"z":0}', 'old', 'new']);
  });

  it('filters with where; no where updates every row', async () => {
    const where = { kind: 'compare', column: { column: 'film_id', type: INT4 }, operator: 'eq', value: 7 } as const;
    const { text, values } = compileUpdate(await authorized(update([{ op: 'set', column: 'title', type: TEXT, value: 'x' }], { where })));
    expect(text).toContain(`set "title" = $1::${q('text')} where "t0"."film_id" = $2::${q('int4')} returning "t0".*)`);
    expect(values.slice(0, 2)).toEqual(['x', 7]);
    expect(compileUpdate(await authorized(update([{ op: 'set', column: 'title', type: TEXT, value: 'x' }]))).text).toContain(`set "title" = $1::${q('text')} returning`);
  });

  it('bounded by order + limit: rows picked by (tableoid, ctid) in a filtered, ordered, limited subquery', async () => {
    const { text, values } = compileUpdate(
      await authorized(
        update([{ op: 'set', column: 'title', type: TEXT, value: 'x' }], {
          where: { kind: 'compare', column: { column: 'rating', type: TEXT }, operator: 'eq', value: 'PG' },
          orderBy: [{ target: { kind: 'column', column: 'title' }, direction: 'desc', nulls: 'last' }],
          limit: 3,
        }),
      ),
    );
    expect(text).toContain(
      `set "title" = $1::${q('text')} where ("t0".tableoid, "t0".ctid) in (select "t1".tableoid, "t1".ctid from "public"."film" as "t1" ` +
        `where "t1"."rating" = $2::${q('text')} order by "t1"."title" desc nulls last limit $3::${q('int8')}) returning "t0".*)`,
    );
    expect(values.slice(0, 3)).toEqual(['x', 'PG', 3]);
  });

  it('refuses an update with no assignments', async () => {
    await expect(async () => compileUpdate(await authorized(update([])))).rejects.toThrow(/has no assignments/);
  });
});

const del = (extra: Partial<DeletePlan> = {}): DeletePlan => ({ kind: 'delete', entity: film, returning: idOnly, ...extra });

describe('compileDelete', () => {
  it('deletes with where and returns the deleted rows', async () => {
    const { text, values } = compileDelete(await authorized(del({ where: { kind: 'compare', column: { column: 'film_id', type: INT4 }, operator: 'in', value: [1, 2] } })));
    expect(text).toBe(`with "m" as (delete from "public"."film" as "t0" where "t0"."film_id" = any ($1::${q('int4')}[]) returning "t0".*) ` + idOnlyResult(2));
    expect(values[0]).toEqual([1, 2]);
  });

  it('no where deletes every row; single answers the first row or null', async () => {
    const { text } = compileDelete(await authorized(del({ returning: { ...idOnly, single: true } })));
    expect(text).toBe(`with "m" as (delete from "public"."film" as "t0" returning "t0".*) select (select json_build_object($1::${q('text')}, "m"."film_id") from "m" limit 1) as result`);
  });

  it('bounded by order + limit (order alone is ignored)', async () => {
    const orderBy = [{ target: { kind: 'column', column: 'film_id' }, direction: 'asc' }] as const;
    const { text, values } = compileDelete(await authorized(del({ orderBy, limit: 2 })));
    expect(text).toContain(
      `delete from "public"."film" as "t0" where ("t0".tableoid, "t0".ctid) in (select "t1".tableoid, "t1".ctid from "public"."film" as "t1" order by "t1"."film_id" asc limit $1::${q('int8')}) returning`,
    );
    expect(values[0]).toBe(2);
    expect(compileDelete(await authorized(del({ orderBy }))).text).toContain('delete from "public"."film" as "t0" returning');
  });
});

const lastDay = { schema: 'public', dbName: 'last_day' };
const call = (returns: CallPlan['returns'], extra: Partial<CallPlan> = {}): CallPlan => ({
  kind: 'call',
  fn: lastDay,
  args: [{ name: null, type: TIMESTAMPTZ, value: '2022-02-10T00:00:00Z' }],
  returns,
  ...extra,
});

describe('compileCall', () => {
  it('value: to_json of the call, arguments by position or name', async () => {
    const { text, values } = compileCall(await authorized(call({ kind: 'value', type: DATE, set: false })));
    expect(text).toBe(`select to_json("public"."last_day"($1::${q('timestamptz')})) as result`);
    expect(values).toEqual(['2022-02-10T00:00:00Z']);
    const named = compileCall(await authorized(call({ kind: 'value', type: NUMERIC, set: false }, { args: [{ name: 'p', type: INT4, value: 1 }, { name: 'd', type: TIMESTAMPTZ, value: null }] })));
    expect(named.text).toBe(`select to_json("public"."last_day"("p" => $1::${q('int4')}, "d" => $2::${q('timestamptz')})::text) as result`);
    expect(named.values).toEqual([1, null]);
    expect(compileCall(await authorized(call({ kind: 'value', type: NUMERIC, set: false })), { exactNumbersAsStrings: false }).text).toBe(
      `select to_json("public"."last_day"($1::${q('timestamptz')})) as result`,
    );
  });

  it('value, set-returning: a JSON array', async () => {
    const { text } = compileCall(await authorized(call({ kind: 'value', type: INT8, set: true })));
    expect(text).toBe(`select coalesce(json_agg("x0".v::text), '[]'::json) as result from (select "public"."last_day"($1::${q('timestamptz')}) as v) as "x0"`);
  });

  it('void: the call in FROM, result null', async () => {
    expect(compileCall(await authorized(call({ kind: 'void' }))).text).toBe(`select null::json as result from "public"."last_day"($1::${q('timestamptz')}) as "f0"`);
  });

  it('rows: shaped like a read over the call (the call is the source); single: the first row or null', async () => {
    const fn = { schema: 'public', dbName: 'rewards_report' };
    const args = [
      { name: 'min_monthly_purchases', type: INT4, value: 7 },
      { name: 'min_dollar_amount_purchased', type: NUMERIC, value: '20' },
    ];
    const rows: ReadPlan = {
      kind: 'read',
      source: { kind: 'function', fn, args: [] },
      selection: [{ kind: 'column', key: 'id', column: 'customer_id', type: INT4 }],
      orderBy: [{ target: { kind: 'column', column: 'customer_id' }, direction: 'asc' }],
      limit: 2,
    };
    const many = compileCall(await authorized(call({ kind: 'rows', plan: rows, single: false }, { fn, args })));
    expect(many.text).toBe(
      `select (select coalesce(json_agg("x1".r), '[]'::json) from (select json_build_object($3::${q('text')}, "t0"."customer_id") as r ` +
        `from "public"."rewards_report"("min_monthly_purchases" => $1::${q('int4')}, "min_dollar_amount_purchased" => $2::${q('numeric')}) as "t0" ` +
        `order by "t0"."customer_id" asc limit 2) as "x1") as result`,
    );
    expect(many.values).toEqual([7, '20', 'id']);
    const one = compileCall(await authorized(call({ kind: 'rows', plan: rows, single: true }, { fn, args })));
    expect(one.text).toBe(
      `select (select json_build_object($3::${q('text')}, "t0"."customer_id") as r ` +
        `from "public"."rewards_report"("min_monthly_purchases" => $1::${q('int4')}, "min_dollar_amount_purchased" => $2::${q('numeric')}) as "t0" ` +
        `order by "t0"."customer_id" asc limit 1) as result`,
    );
    expect(one.values).toEqual([7, '20', 'id']);
  });
});
