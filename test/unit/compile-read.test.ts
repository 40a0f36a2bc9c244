import { describe, expect, it } from 'vitest';
import { Chain, type AuthorizedPlan } from '../../src/chain/index.js';
import type { TypeRef } from '../../src/model/index.js';
import type { AggregatePlan, CompareOperator, Condition, JoinPath, ReadPlan } from '../../src/plan/index.js';
import { compileAggregate, compileRead } from '../../src/sql/index.js';

const t = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });
const INT4 = t('int4');
const TEXT = t('text');
const JSONB = t('jsonb');
const NUMERIC = t('numeric');
const film = { schema: 'public', dbName: 'film' };
const actor = { schema: 'public', dbName: 'actor' };
const language = { schema: 'public', dbName: 'language' };

const toLanguage: JoinPath = { target: language, mapping: [{ from: 'language_id', to: 'language_id' }] };
const toActors: JoinPath = {
  target: actor,
  mapping: [{ from: 'film_id', to: 'film_id' }],
  through: { junction: { schema: 'public', dbName: 'film_actor' }, targetMapping: [{ from: 'actor_id', to: 'actor_id' }] },
};

const chain = new Chain();
async function authorized<P extends ReadPlan | AggregatePlan>(plan: P): Promise<AuthorizedPlan<P>> {
  return chain.authorize(plan, { id: 'test', protocol: 'graphql', graph: {} as never, headers: {} }, { role: 'anonymous', session: {}, authenticated: false });
}

const base = (extra: Partial<ReadPlan> = {}): ReadPlan => ({
  kind: 'read',
  source: { kind: 'entity', entity: film },
  selection: [{ kind: 'column', key: 'title', column: 'title', type: TEXT }],
  orderBy: [],
  ...extra,
});

/** The WHERE clause a condition compiles to, and its parameters (after the selection's key). */
async function where(condition: Condition): Promise<{ sql: string; values: readonly unknown[] }> {
  const { text, values } = compileRead(await authorized(base({ where: condition })));
  const match = / where (.*)\) as "x1"\) as result$/.exec(text);
  return { sql: match?.[1] ?? text, values: values.slice(0, -1) };
}

const cmp = (operator: CompareOperator, value: unknown, type: TypeRef = TEXT, column = 'title'): Condition => ({
  kind: 'compare',
  column: { column, type },
  operator,
  value,
});

describe('compileRead: the statement shape', () => {
  it('selects a JSON array of row objects, keys and values as parameters', async () => {
    const { text, values } = compileRead(await authorized(base()));
    expect(text).toBe(
      'select (select coalesce(json_agg("x1".r), \'[]\'::json) from (select json_build_object($1::"pg_catalog"."text", "t0"."title") as r from "public"."film" as "t0") as "x1") as result',
    );
    expect(values).toEqual(['title']);
  });

  it('renders int8 and numeric as text unless asked for exact JSON numbers', async () => {
    const plan = await authorized(base({ selection: [{ kind: 'column', key: 'rate', column: 'rental_rate', type: NUMERIC }, { kind: 'column', key: 'ids', column: 'ids', type: { kind: 'array', element: t('int8') } }] }));
    expect(compileRead(plan).text).toContain('"t0"."rental_rate"::text, $2::"pg_catalog"."text", "t0"."ids"::text[]');
    expect(compileRead(plan, { exactNumbersAsStrings: false }).text).toContain('"t0"."rental_rate", $2::"pg_catalog"."text", "t0"."ids")');
  });

  it('paginates with a small limit written out (the planner must see it) and the offset a parameter, and leaves out a zero offset', async () => {
    const { text, values } = compileRead(await authorized(base({ limit: 10, offset: 20 })));
    expect(text).toContain(' limit 10 offset $2::"pg_catalog"."int8")');
    expect(values).toEqual(['title', 20]);
    expect(compileRead(await authorized(base({ limit: 100 }))).text).toContain(' limit 100)');
    // a large limit stays a parameter: a shape makes at most 101 statements, whatever the limits asked
    for (const large of [101, 2 ** 53, 2 ** 63]) {
      const big = compileRead(await authorized(base({ limit: large })));
      expect(big.text).toContain(' limit $2::"pg_catalog"."int8")');
      expect(big.values).toEqual(['title', large]);
    }
    // a live query's statement serves cohorts whose limits differ: there, limits are parameters
    const live = compileRead(await authorized(base({ limit: 10, offset: 20 })), { exactNumbersAsStrings: true, limitsAsParameters: true });
    expect(live.text).toContain(' limit $2::"pg_catalog"."int8" offset $3::"pg_catalog"."int8")');
    expect(live.values).toEqual(['title', 10, 20]);
    expect(compileRead(await authorized(base({ limit: 5, offset: 0 }))).text).not.toContain('offset');
  });

  it('orders by columns, with nulls first/last, by a related column and by a related count', async () => {
    const { text } = compileRead(
      await authorized(
        base({
          orderBy: [
            { target: { kind: 'column', column: 'title' }, direction: 'desc', nulls: 'last' },
            { target: { kind: 'related_column', join: toLanguage, column: 'name' }, direction: 'asc' },
            { target: { kind: 'related_aggregate', join: toActors, fn: 'count' }, direction: 'desc', nulls: 'first' },
            { target: { kind: 'related_aggregate', join: toLanguage, fn: 'max', column: 'last_update' }, direction: 'asc' },
          ],
        }),
      ),
    );
    expect(text).toContain(
      ' order by "t0"."title" desc nulls last, ' +
        '(select "t2"."name" from "public"."language" as "t2" where "t2"."language_id" = "t0"."language_id" limit 1) asc, ' +
        '(select count(*) from "public"."actor" as "t3" join "public"."film_actor" as "j4" on "j4"."actor_id" = "t3"."actor_id" where "j4"."film_id" = "t0"."film_id") desc nulls first, ' +
        '(select max("t5"."last_update") from "public"."language" as "t5" where "t5"."language_id" = "t0"."language_id") asc',
    );
  });

  it('puts DISTINCT ON in front', async () => {
    const { text } = compileRead(await authorized(base({ distinctOn: ['rating', 'title'], orderBy: [{ target: { kind: 'column', column: 'rating' }, direction: 'asc' }] })));
    expect(text).toContain('select distinct on ("t0"."rating", "t0"."title") json_build_object(');
  });

  it('reads from a set-returning function with typed, named arguments', async () => {
    const { text, values } = compileRead(
      await authorized(base({ source: { kind: 'function', fn: { schema: 'public', dbName: 'search_films' }, args: [{ name: 'q', type: TEXT, value: 'dino' }, { name: null, type: INT4, value: 3 }] } })),
    );
    expect(text).toContain('from "public"."search_films"("q" => $1::"pg_catalog"."text", $2::"pg_catalog"."int4") as "t0"');
    expect(values.slice(0, 2)).toEqual(['dino', 3]);
  });

  it('nests object and array relationships (many-to-many through the junction) as subqueries', async () => {
    const { text } = compileRead(
      await authorized(
        base({
          selection: [
            { kind: 'relation', key: 'language', join: toLanguage, cardinality: 'one', plan: { kind: 'read', source: { kind: 'entity', entity: language }, selection: [{ kind: 'column', key: 'name', column: 'name', type: TEXT }], orderBy: [] } },
            { kind: 'relation', key: 'actors', join: toActors, cardinality: 'many', plan: { kind: 'read', source: { kind: 'entity', entity: actor }, selection: [{ kind: 'column', key: 'name', column: 'first_name', type: TEXT }], orderBy: [], limit: 2 } },
            { kind: 'computed', key: 'label', fn: { schema: 'public', dbName: 'film_label' }, type: TEXT },
          ],
        }),
      ),
    );
    expect(text).toContain('(select json_build_object($1::"pg_catalog"."text", "t2"."name") as r from "public"."language" as "t2" where "t2"."language_id" = "t0"."language_id" limit 1)');
    expect(text).toContain('from "public"."actor" as "t3" join "public"."film_actor" as "j4" on "j4"."actor_id" = "t3"."actor_id" where "j4"."film_id" = "t0"."film_id" limit 2');
    expect(text).toContain('"public"."film_label"("t0".*)');
  });

  it('builds objects wider than json_build_object allows in chunks', async () => {
    const selection = Array.from({ length: 120 }, (_v, i) => ({ kind: 'column' as const, key: `c${i}`, column: `c${i}`, type: TEXT }));
    const { text, values } = compileRead(await authorized(base({ selection })));
    expect(text.match(/json_build_object\(/g)).toHaveLength(3);
    expect(text).toContain('::jsonb || json_build_object(');
    expect(values).toHaveLength(120);
  });
});

describe('compileRead: conditions', () => {
  it.each([
    ['eq', '"t0"."title" = $1::"pg_catalog"."text"'],
    ['neq', '"t0"."title" <> $1::"pg_catalog"."text"'],
    ['gt', '"t0"."title" > $1::"pg_catalog"."text"'],
    ['gte', '"t0"."title" >= $1::"pg_catalog"."text"'],
    ['lt', '"t0"."title" < $1::"pg_catalog"."text"'],
    ['lte', '"t0"."title" <= $1::"pg_catalog"."text"'],
    ['like', '"t0"."title" like $1::"pg_catalog"."text"'],
    ['nlike', '"t0"."title" not like $1::"pg_catalog"."text"'],
    ['ilike', '"t0"."title" ilike $1::"pg_catalog"."text"'],
    ['nilike', '"t0"."title" not ilike $1::"pg_catalog"."text"'],
    ['similar', '"t0"."title" similar to $1::"pg_catalog"."text"'],
    ['nsimilar', '"t0"."title" not similar to $1::"pg_catalog"."text"'],
    ['regex', '"t0"."title" ~ $1::"pg_catalog"."text"'],
    ['nregex', '"t0"."title" !~ $1::"pg_catalog"."text"'],
    ['iregex', '"t0"."title" ~* $1::"pg_catalog"."text"'],
    ['niregex', '"t0"."title" !~* $1::"pg_catalog"."text"'],
  ] as const)('%s', async (operator, sql) => {
    expect(await where(cmp(operator, 'x'))).toEqual({ sql, values: ['x'] });
  });

  it('patterns on a column that is not text compare its text', async () => {
    expect(await where(cmp('ilike', 'p%', { kind: 'enum', schema: 'public', name: 'mpaa_rating' }, 'rating'))).toEqual({
      sql: '"t0"."rating"::text ilike $1::"pg_catalog"."text"',
      values: ['p%'],
    });
  });

  it('in / nin on an array column take one parameter per candidate array', async () => {
    const textArray: TypeRef = { kind: 'array', element: TEXT };
    expect(await where(cmp('in', [['a'], ['b', 'c']], textArray, 'tags'))).toEqual({
      sql: '"t0"."tags" in ($1::"pg_catalog"."text"[], $2::"pg_catalog"."text"[])',
      values: [['a'], ['b', 'c']],
    });
    expect(await where(cmp('nin', [['a']], textArray, 'tags'))).toEqual({ sql: '"t0"."tags" not in ($1::"pg_catalog"."text"[])', values: [['a']] });
    expect((await where(cmp('in', [], textArray, 'tags'))).sql).toBe('false');
    expect((await where(cmp('nin', [], textArray, 'tags'))).sql).toBe('true');
  });

  it('in / nin take one array parameter of the column type', async () => {
    expect(await where(cmp('in', [1, 2], INT4, 'length'))).toEqual({ sql: '"t0"."length" = any ($1::"pg_catalog"."int4"[])', values: [[1, 2]] });
    expect(await where(cmp('nin', [3], INT4, 'length'))).toEqual({ sql: '"t0"."length" <> all ($1::"pg_catalog"."int4"[])', values: [[3]] });
  });

  it('is_null needs no parameter', async () => {
    expect(await where(cmp('is_null', true))).toEqual({ sql: '"t0"."title" is null', values: [] });
    expect(await where(cmp('is_null', false))).toEqual({ sql: '"t0"."title" is not null', values: [] });
  });

  it('jsonb operators send JSON text and key lists', async () => {
    expect(await where(cmp('contains', { a: [1] }, JSONB, 'doc'))).toEqual({ sql: '"t0"."doc" @> $1::"pg_catalog"."jsonb"', values: ['{"a":[1]}'] });
    expect(await where(cmp('contained_in', { a: 1 }, JSONB, 'doc'))).toEqual({ sql: '"t0"."doc" <@ $1::"pg_catalog"."jsonb"', values: ['{"a":1}'] });
    expect(await where(cmp('has_key', 'a', JSONB, 'doc'))).toEqual({ sql: '"t0"."doc" ? $1::"pg_catalog"."text"', values: ['a'] });
    expect(await where(cmp('has_keys_any', ['a', 'b'], JSONB, 'doc'))).toEqual({ sql: '"t0"."doc" ?| $1::"pg_catalog"."text"[]', values: [['a', 'b']] });
    expect(await where(cmp('has_keys_all', ['a'], JSONB, 'doc'))).toEqual({ sql: '"t0"."doc" ?& $1::"pg_catalog"."text"[]', values: [['a']] });
  });

  it('array operators take an array of the element type', async () => {
    const textArray: TypeRef = { kind: 'array', element: TEXT };
    expect(await where(cmp('contains', ['Trailers'], textArray, 'special_features'))).toEqual({
      sql: '"t0"."special_features" @> $1::"pg_catalog"."text"[]',
      values: [['Trailers']],
    });
  });

  it('combines with and / or / not, with SQL meanings for empty lists', async () => {
    expect(
      await where({ kind: 'or', conditions: [cmp('eq', 'a'), { kind: 'not', condition: { kind: 'and', conditions: [cmp('eq', 'b'), cmp('is_null', false)] } }] }),
    ).toEqual({ sql: '("t0"."title" = $1::"pg_catalog"."text" or not ("t0"."title" = $2::"pg_catalog"."text" and "t0"."title" is not null))', values: ['a', 'b'] });
    expect((await where({ kind: 'and', conditions: [] })).sql).toBe('true');
    expect((await where({ kind: 'or', conditions: [] })).sql).toBe('false');
  });

  it('filters through relationships with EXISTS', async () => {
    expect(await where({ kind: 'related', join: toActors, condition: cmp('eq', 'PENELOPE', TEXT, 'first_name') })).toEqual({
      sql: 'exists (select 1 from "public"."actor" as "t2" join "public"."film_actor" as "j3" on "j3"."actor_id" = "t2"."actor_id" where "j3"."film_id" = "t0"."film_id" and "t2"."first_name" = $1::"pg_catalog"."text")',
      values: ['PENELOPE'],
    });
  });

  it('refuses an unsupported type rather than guessing', async () => {
    const bad = cmp('eq', 1, { kind: 'unsupported', schema: 'pg_catalog', name: 'anyelement' });
    await expect(where(bad)).rejects.toThrow('cannot use a value of type pg_catalog.anyelement');
  });
});

describe('compileRead: batches (one statement per relationship, limits per parent)', () => {
  it('unnests the parent keys and computes each parent\'s rows in a LATERAL subquery', async () => {
    const plan = base({
      source: { kind: 'entity', entity: actor },
      selection: [{ kind: 'column', key: 'first_name', column: 'first_name', type: TEXT }],
      limit: 2,
      batch: { join: toActors, cardinality: 'many', keys: [[1], [2]], keyTypes: [INT4] },
    });
    const { text, values } = compileRead(await authorized(plan));
    expect(text).toBe(
      'select coalesce(json_agg("l1".v order by "k0"."pgduet ordinality"), \'[]\'::json) as result ' +
        'from unnest($1::"pg_catalog"."int4"[]) with ordinality as "k0"("film_id", "pgduet ordinality") ' +
        'cross join lateral (select (select coalesce(json_agg("x4".r), \'[]\'::json) from (' +
        'select json_build_object($2::"pg_catalog"."text", "t2"."first_name") as r from "public"."actor" as "t2" join "public"."film_actor" as "j3" on "j3"."actor_id" = "t2"."actor_id" ' +
        'where "j3"."film_id" = "k0"."film_id" limit 2) as "x4") as v) as "l1"',
    );
    expect(values).toEqual([[1, 2], 'first_name']);
  });

  it('sends composite keys as one array per column, and gives objects for object relationships', async () => {
    const join: JoinPath = { target: { schema: 'public', dbName: 'edition' }, mapping: [{ from: 'book_id', to: 'book_id' }, { from: 'edition_no', to: 'edition_no' }] };
    const { text, values } = compileRead(
      await authorized(base({ source: { kind: 'entity', entity: join.target }, batch: { join, cardinality: 'one', keys: [[1, 2], [3, 4]], keyTypes: [INT4, INT4] } })),
    );
    expect(text).toContain('from unnest($1::"pg_catalog"."int4"[], $2::"pg_catalog"."int4"[]) with ordinality as "k0"("book_id", "edition_no", "pgduet ordinality")');
    expect(text).toContain('where "t2"."book_id" = "k0"."book_id" and "t2"."edition_no" = "k0"."edition_no" limit 1)');
    expect(values).toEqual([[1, 3], [2, 4], 'title']);
  });
});

describe('compileAggregate', () => {
  const aggregate = (extra: Partial<AggregatePlan> = {}): AggregatePlan => ({
    kind: 'aggregate',
    rows: base({ limit: 10 }),
    outputs: [
      {
        kind: 'aggregate',
        key: 'aggregate',
        aggregates: [
          { kind: 'count', key: 'count', distinct: false },
          { kind: 'count', key: 'n', columns: ['rating'], distinct: true },
          { kind: 'function', key: 'sum', fn: 'sum', columns: [{ kind: 'column', key: 'length', column: 'length', type: t('int2') }, { kind: 'column', key: 'rate', column: 'rental_rate', type: NUMERIC }] },
          { kind: 'function', key: 'max', fn: 'max', columns: [{ kind: 'column', key: 'title', column: 'title', type: TEXT }] },
        ],
      },
      { kind: 'nodes', key: 'nodes' },
    ],
    ...extra,
  });

  it('aggregates over the limited rows, carrying only the columns it needs', async () => {
    const { text } = compileAggregate(await authorized(aggregate()));
    expect(text).toContain('count(*)');
    expect(text).toContain('count(distinct "x1"."a0")');
    // the sum of an int2 column shows as the column's type (a JSON number, as Hasura)
    expect(text).toContain('sum("x1"."a1"), ');
    expect(text).toContain('sum("x1"."a2")::text');
    expect(text).toContain('max("x1"."a3")');
    expect(text).toContain('coalesce(json_agg("x1".r), \'[]\'::json)) as result from (select json_build_object(');
    expect(text).toContain('as r, "t0"."rating" as "a0", "t0"."length" as "a1", "t0"."rental_rate" as "a2", "t0"."title" as "a3" from "public"."film" as "t0" limit ');
  });

  it('leaves out what was not asked for', async () => {
    const plan = aggregate();
    const { text } = compileAggregate(await authorized({ ...plan, outputs: plan.outputs.filter((o) => o.kind !== 'nodes') }));
    expect(text).not.toContain('json_agg');
  });

  it('counts distinct combinations of several columns', async () => {
    const { text } = compileAggregate(await authorized(aggregate({ outputs: [{ kind: 'aggregate', key: 'aggregate', aggregates: [{ kind: 'count', key: 'count', columns: ['a', 'b'], distinct: true }] }] })));
    expect(text).toContain('count(distinct row("x1"."a0", "x1"."a1"))');
  });
});
