/**
 * Write Plans and calls against Pagila on a real PostgreSQL: Plans built by hand, compiled,
 * run with `pg`, and compared with the tables as hand-written SQL reads them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, Chain, type AuthorizedPlan } from '../../src/chain/index.js';
import { runInsertProgram } from '../../src/pipeline/nested-insert.js';
import { introspect } from '../../src/introspection/index.js';
import { buildTypeGraph, type DbRef, type Entity, type TypeGraph, type TypeRef } from '../../src/model/index.js';
import {
  joinOf,
  splitNestedInsert,
  type Assignment,
  type CallPlan,
  type ColumnValue,
  type Condition,
  type InsertPlan,
  type InsertRow,
  type JoinPath,
  type Plan,
  type ReadPlan,
  type Returning,
  type Selection,
} from '../../src/plan/index.js';
import { compileCall, compileDelete, compileInsert, compileUpdate, DEFAULT_COMPILE_OPTIONS, type CompiledQuery } from '../../src/sql/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const SETUP = `
create table public.scratch (
  id serial primary key,
  name text not null unique,
  n int4 not null default 0,
  doc jsonb not null default '{}',
  arr jsonb not null default '[]',
  big int8,
  price numeric(10,2),
  label text default 'none'
);
create function public.scratch_label(s public.scratch) returns text language sql stable as $$ select s.name || '#' || s.n $$;
create table public.all_defaults (id serial primary key, at timestamptz not null default now());
create table public.counter (id int4 primary key, n int8 not null);
insert into public.counter values (1, 0);
create function public.bump_counter(by int4) returns int8 language sql volatile as $$ update public.counter set n = n + by where id = 1 returning n $$;
create table public.note (id serial primary key, msg text not null);
create function public.add_note(msg text) returns void language sql volatile as $$ insert into public.note (msg) values (msg) $$;
create table public.tagged (label text, language_id int4 references public.language);
-- rewards_report looks at the month three months back: give customer 1 a good month there
do $$ declare s date := date_trunc('month', current_date - interval '3 month'); begin
  execute format('create table public.payment_recent partition of public.payment for values from (%L) to (%L)', s, s + interval '1 month');
end $$;
insert into public.payment (customer_id, staff_id, rental_id, amount, payment_date)
  select 1, 1, 1, 5.00, date_trunc('month', current_date - interval '3 month') + interval '1 day' from generate_series(1, 8);
`;

let db: TestDatabase | undefined;
let client: pg.Client;
let graph: TypeGraph;
const chain = new Chain();

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(SETUP);
  const { catalog, fingerprint } = await introspect(client, ['public']);
  graph = buildTypeGraph(catalog, fingerprint).graph;
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// helpers

const pub = (dbName: string): DbRef => ({ schema: 'public', dbName });
const scalar = (name: string): TypeRef => ({ kind: 'scalar', schema: 'pg_catalog', name });

function entity(table: string): Entity {
  const found = graph.entities.find((e) => e.schema === 'public' && e.dbName === table);
  if (found === undefined) throw new Error(`no entity public.${table}`);
  return found;
}

function typeOf(table: string, column: string): TypeRef {
  const found = entity(table).columns.find((c) => c.dbName === column);
  if (found === undefined) throw new Error(`no column ${table}.${column}`);
  return found.type;
}

function relation(table: string, name: string): JoinPath {
  const found = entity(table).relations.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no relation ${table}.${name}`);
  return joinOf(found);
}

const columns = (table: string, ...names: string[]): Selection[] => names.map((c) => ({ kind: 'column', key: c, column: c, type: typeOf(table, c) }));
const val = (table: string, column: string, value: unknown): ColumnValue => ({ column, type: typeOf(table, column), value });
const row = (table: string, values: Record<string, unknown>): InsertRow => ({ values: Object.entries(values).map(([c, v]) => val(table, c, v)) });
const cmp = (table: string, column: string, operator: 'eq' | 'lt' | 'like', value: unknown): Condition => ({
  kind: 'compare',
  column: { column, type: typeOf(table, column) },
  operator,
  value,
});
const read = (table: string, selection: Selection[], extra: Partial<ReadPlan> = {}): ReadPlan => ({
  kind: 'read',
  source: { kind: 'entity', entity: pub(table) },
  selection,
  orderBy: [],
  ...extra,
});
const many = (key: string, join: JoinPath, plan: ReadPlan): Selection => ({ kind: 'relation', key, join, cardinality: 'many', plan });
const one = (key: string, join: JoinPath, plan: ReadPlan): Selection => ({ kind: 'relation', key, join, cardinality: 'one', plan });
const returning = (selection: Selection[], extra: Partial<Returning> = {}): Returning => ({ selection, affectedRowsKey: 'affected_rows', returningKey: 'returning', ...extra });

function authorize<P extends Plan>(plan: P): Promise<AuthorizedPlan<P>> {
  return chain.authorize(plan, { id: 'test', protocol: 'graphql', graph, headers: {} }, ANONYMOUS);
}

/** Runs a compiled statement and gives back its one `result`. */
async function exec(query: CompiledQuery): Promise<unknown> {
  const { rows } = await client.query<{ result: unknown }>(query.text, [...query.values]);
  expect(rows).toHaveLength(1);
  return rows[0]?.result;
}

async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(text, values)).rows;
}

interface WriteAnswer {
  affected_rows: number;
  returning: Record<string, unknown>[];
}

const asAnswer = (value: unknown): WriteAnswer => value as WriteAnswer;
/** numbers in ascending order (Array#sort alone compares them as strings) */
const ascending = (list: readonly unknown[]): number[] => list.map(Number).sort((a, b) => a - b);

// ---------------------------------------------------------------------------------------------

describe('insert', () => {
  it('bulk: rows missing columns get their DEFAULT; int8/numeric come back as text; a computed field over the new row', async () => {
    const plan = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('scratch'),
      rows: [row('scratch', { name: 'bulk-a', n: 1 }), row('scratch', { doc: { x: [1, 'two'] }, name: 'bulk-b' }), row('scratch', { name: 'bulk-c', big: '9007199254740993', price: '12.3' })],
      returning: returning([...columns('scratch', 'id', 'name', 'n', 'doc', 'big', 'price', 'label'), { kind: 'computed', key: 'tag', fn: pub('scratch_label'), type: scalar('text') }]),
    });
    const answer = asAnswer(await exec(compileInsert(plan)));
    const stored = await sql(
      "select id, name, n, doc, big::text as big, price::text as price, label, name || '#' || n as tag from public.scratch where name like 'bulk-%' order by id",
    );
    expect(answer.affected_rows).toBe(3);
    expect(answer.returning).toEqual(stored);
    expect(stored.map((r) => [r['n'], r['doc'], r['big'], r['price'], r['label']])).toEqual([
      [1, {}, null, null, 'none'],
      [0, { x: [1, 'two'] }, null, null, 'none'],
      [0, {}, '9007199254740993', '12.30', 'none'],
    ]);
  });

  it('a film with its defaults, answering with its language through a relationship', async () => {
    const plan = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('film'),
      rows: [row('film', { title: 'WRITES TEST', language_id: 2, special_features: ['Trailers'] })],
      returning: {
        selection: [...columns('film', 'film_id', 'rental_duration', 'rental_rate', 'rating', 'special_features'), one('language', relation('film', 'language'), read('language', columns('language', 'name')))],
        single: true,
      },
    });
    const answer = (await exec(compileInsert(plan))) as Record<string, unknown>;
    const [stored] = await sql(
      "select f.film_id, f.rental_duration, f.rental_rate::text as rental_rate, f.rating::text as rating, f.special_features, json_build_object('name', l.name) as language from public.film f join public.language l using (language_id) where f.title = 'WRITES TEST'",
    );
    expect(answer).toEqual(stored);
    expect(answer).toMatchObject({ rental_duration: 3, rental_rate: '4.99', rating: 'G', special_features: ['Trailers'] });
  });

  it('rows with no values at all, and zero rows', async () => {
    const before = await sql<{ n: string }>('select count(*) as n from public.all_defaults');
    const plan = (rows: InsertRow[]): Promise<AuthorizedPlan<InsertPlan>> =>
      authorize<InsertPlan>({ kind: 'insert', entity: pub('all_defaults'), rows, returning: returning(columns('all_defaults', 'id')) });
    const three = asAnswer(await exec(compileInsert(await plan([{ values: [] }, { values: [] }, { values: [] }]))));
    expect(three.affected_rows).toBe(3);
    expect(new Set(three.returning.map((r) => r['id'])).size).toBe(3);
    expect(asAnswer(await exec(compileInsert(await plan([{ values: [] }])))).affected_rows).toBe(1);
    expect(await exec(compileInsert(await plan([])))).toEqual({ affected_rows: 0, returning: [] });
    const after = await sql<{ n: string }>('select count(*) as n from public.all_defaults');
    expect(Number(after[0]?.n) - Number(before[0]?.n)).toBe(4);
  });
});

describe('upsert', () => {
  beforeAll(async () => {
    await sql("insert into public.scratch (name, n) values ('up-1', 5), ('up-2', 50)");
  });

  const upsertRows = (rows: Record<string, unknown>[]): InsertRow[] => rows.map((r) => row('scratch', r));
  const stored = async (): Promise<Record<string, unknown>[]> => sql("select name, n from public.scratch where name like 'up-%' order by name");

  it('on conflict do update, only where the existing row matches', async () => {
    const plan = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('scratch'),
      rows: upsertRows([{ name: 'up-1', n: 6 }, { name: 'up-2', n: 51 }, { name: 'up-3', n: 1 }]),
      onConflict: { action: 'update', constraint: 'scratch_name_key', updateColumns: ['n'], where: cmp('scratch', 'n', 'lt', 10) },
      returning: returning(columns('scratch', 'name', 'n')),
    });
    expect(await exec(compileInsert(plan))).toEqual({ affected_rows: 2, returning: [{ name: 'up-1', n: 6 }, { name: 'up-3', n: 1 }] });
    expect(await stored()).toEqual([{ name: 'up-1', n: 6 }, { name: 'up-2', n: 50 }, { name: 'up-3', n: 1 }]);
  });

  it('on conflict do nothing, by columns; an update with no columns does nothing too', async () => {
    const ignore = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('scratch'),
      rows: upsertRows([{ name: 'up-1', n: 100 }, { name: 'up-4', n: 4 }]),
      onConflict: { action: 'ignore', columns: ['name'] },
      returning: returning(columns('scratch', 'name', 'n')),
    });
    expect(await exec(compileInsert(ignore))).toEqual({ affected_rows: 1, returning: [{ name: 'up-4', n: 4 }] });
    const noColumns = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('scratch'),
      rows: upsertRows([{ name: 'up-2', n: 7 }]),
      onConflict: { action: 'update', constraint: 'scratch_name_key', updateColumns: [] },
      returning: returning(columns('scratch', 'name')),
    });
    expect(await exec(compileInsert(noColumns))).toEqual({ affected_rows: 0, returning: [] });
    expect(await stored()).toEqual([{ name: 'up-1', n: 6 }, { name: 'up-2', n: 50 }, { name: 'up-3', n: 1 }, { name: 'up-4', n: 4 }]);
  });
});

describe('update', () => {
  const START = { n: 1, big: '1', label: 'none', doc: { a: 1, b: [1, 2, 3], c: { d: 1, e: 2 } }, arr: [1, 2, 3] };

  beforeAll(async () => {
    await sql("insert into public.scratch (name) values ('upd')");
  });

  const jsonb = scalar('jsonb');
  const cases: [string, Assignment[], Record<string, unknown>][] = [
    ['set', [{ op: 'set', column: 'label', type: scalar('text'), value: 'L' }], { label: 'L' }],
    ['inc', [{ op: 'inc', column: 'n', type: scalar('int4'), value: 2 }], { n: 3 }],
    ['inc int8 past 2^53', [{ op: 'inc', column: 'big', type: scalar('int8'), value: '9007199254740992' }], { big: '9007199254740993' }],
    ['append', [{ op: 'append', column: 'doc', type: jsonb, value: { z: true } }], { doc: { ...START.doc, z: true } }],
    ['prepend (the column wins)', [{ op: 'prepend', column: 'doc', type: jsonb, value: { a: 0, y: 'y' } }], { doc: { ...START.doc, y: 'y' } }],
    ['prepend to an array', [{ op: 'prepend', column: 'arr', type: jsonb, value: [0] }], { arr: [0, 1, 2, 3] }],
    ['delete_key', [{ op: 'delete_key', column: 'doc', type: jsonb, value: 'a' }], { doc: { b: [1, 2, 3], c: { d: 1, e: 2 } } }],
    ['delete_elem', [{ op: 'delete_elem', column: 'arr', type: jsonb, value: -1 }], { arr: [1, 2] }],
    ['delete_at_path', [{ op: 'delete_at_path', column: 'doc', type: jsonb, value: ['c', 'd'] }], { doc: { a: 1, b: [1, 2, 3], c: { e: 2 } } }],
    ['delete_at_path into an array', [{ op: 'delete_at_path', column: 'doc', type: jsonb, value: ['b', '0'] }], { doc: { a: 1, b: [2, 3], c: { d: 1, e: 2 } } }],
    [
      'append then delete_key on one column, and a second column',
      [
        { op: 'append', column: 'doc', type: jsonb, value: { z: 1 } },
        { op: 'delete_key', column: 'doc', type: jsonb, value: 'a' },
        { op: 'inc', column: 'n', type: scalar('int4'), value: 10 },
      ],
      { doc: { b: [1, 2, 3], c: { d: 1, e: 2 }, z: 1 }, n: 11 },
    ],
  ];

  it.each(cases)('%s', async (_name, assignments, expected) => {
    await sql("update public.scratch set n = $1, big = $2, label = $3, doc = $4, arr = $5 where name = 'upd'", [
      START.n,
      START.big,
      START.label,
      JSON.stringify(START.doc),
      JSON.stringify(START.arr),
    ]);
    const plan = await authorize({
      kind: 'update',
      entity: pub('scratch'),
      assignments,
      where: cmp('scratch', 'name', 'eq', 'upd'),
      returning: returning(columns('scratch', 'n', 'big', 'label', 'doc', 'arr')),
    } as const);
    const answer = asAnswer(await exec(compileUpdate(plan)));
    const stored = await sql("select n, big::text as big, label, doc, arr from public.scratch where name = 'upd'");
    expect(answer).toEqual({ affected_rows: 1, returning: stored });
    expect(stored[0]).toEqual({ ...START, ...expected });
  });

  it('bounded by order + limit: only the first rows in that order', async () => {
    const expected = await sql<{ rental_id: number }>('select rental_id from public.rental where customer_id = 5 order by rental_date, rental_id limit 3');
    const plan = await authorize({
      kind: 'update',
      entity: pub('rental'),
      assignments: [{ op: 'set', column: 'return_date', type: typeOf('rental', 'return_date'), value: '2030-01-01T00:00:00Z' }],
      where: cmp('rental', 'customer_id', 'eq', 5),
      orderBy: [
        { target: { kind: 'column', column: 'rental_date' }, direction: 'asc' },
        { target: { kind: 'column', column: 'rental_id' }, direction: 'asc' },
      ],
      limit: 3,
      returning: returning(columns('rental', 'rental_id')),
    } as const);
    const answer = asAnswer(await exec(compileUpdate(plan)));
    expect(answer.affected_rows).toBe(3);
    expect(ascending(answer.returning.map((r) => r['rental_id']))).toEqual(ascending(expected.map((r) => r.rental_id)));
    const changed = await sql<{ rental_id: number }>("select rental_id from public.rental where return_date = '2030-01-01T00:00:00Z' order by rental_id");
    expect(changed.map((r) => r.rental_id)).toEqual(ascending(expected.map((r) => r.rental_id)));
  });
});

describe('delete', () => {
  it('bounded by order + limit on a partitioned table (partitions share ctids)', async () => {
    const expected = await sql<{ payment_id: number }>('select payment_id from public.payment where customer_id = 5 order by payment_date desc, payment_id limit 4');
    const [before] = await sql<{ total: string; mine: string }>('select count(*) as total, count(*) filter (where customer_id = 5) as mine from public.payment');
    const plan = await authorize({
      kind: 'delete',
      entity: pub('payment'),
      where: cmp('payment', 'customer_id', 'eq', 5),
      orderBy: [
        { target: { kind: 'column', column: 'payment_date' }, direction: 'desc' },
        { target: { kind: 'column', column: 'payment_id' }, direction: 'asc' },
      ],
      limit: 4,
      returning: returning(columns('payment', 'payment_id', 'amount')),
    } as const);
    const answer = asAnswer(await exec(compileDelete(plan)));
    expect(answer.affected_rows).toBe(4);
    expect(ascending(answer.returning.map((r) => r['payment_id']))).toEqual(ascending(expected.map((r) => r.payment_id)));
    expect(answer.returning.every((r) => typeof r['amount'] === 'string')).toBe(true);
    const [after] = await sql<{ total: string; mine: string }>('select count(*) as total, count(*) filter (where customer_id = 5) as mine from public.payment');
    expect(Number(before?.total) - Number(after?.total)).toBe(4);
    expect(Number(before?.mine) - Number(after?.mine)).toBe(4);
    expect(await sql('select 1 from public.payment where payment_id = any ($1)', [expected.map((r) => r.payment_id)])).toEqual([]);
  });

  it('returns the deleted rows; single gives one object or null', async () => {
    await sql("insert into public.scratch (name, n) values ('del-1', 1), ('del-2', 2), ('del-3', 3)");
    const plan = async (where: Condition, single = false) =>
      authorize({ kind: 'delete', entity: pub('scratch'), where, returning: returning(columns('scratch', 'name', 'n'), single ? { single: true } : {}) } as const);
    expect(await exec(compileDelete(await plan(cmp('scratch', 'name', 'eq', 'del-3'), true)))).toEqual({ name: 'del-3', n: 3 });
    expect(await exec(compileDelete(await plan(cmp('scratch', 'name', 'eq', 'del-3'), true)))).toBeNull();
    const answer = asAnswer(await exec(compileDelete(await plan(cmp('scratch', 'name', 'like', 'del-%')))));
    expect(answer.affected_rows).toBe(2);
    expect(answer.returning.sort((a, b) => Number(a['n']) - Number(b['n']))).toEqual([{ name: 'del-1', n: 1 }, { name: 'del-2', n: 2 }]);
    expect(await sql("select 1 from public.scratch where name like 'del-%'")).toEqual([]);
  });
});

describe('call', () => {
  const callPlan = (fn: string, args: CallPlan['args'], returns: CallPlan['returns']): Promise<AuthorizedPlan<CallPlan>> =>
    authorize<CallPlan>({ kind: 'call', fn: pub(fn), args, returns });

  it('a value: last_day', async () => {
    const plan = await callPlan('last_day', [{ name: null, type: scalar('timestamptz'), value: '2024-02-10T12:00:00Z' }], { kind: 'value', type: scalar('date'), set: false });
    const [expected] = await sql<{ d: string }>("select last_day('2024-02-10T12:00:00Z'::timestamptz)::text as d");
    expect(await exec(compileCall(plan))).toBe(expected?.d);
    expect(expected?.d).toBe('2024-02-29');
  });

  it('a set of values: film_in_stock, as a JSON array', async () => {
    const args = [
      { name: 'p_film_id', type: scalar('int4'), value: 1 },
      { name: 'p_store_id', type: scalar('int4'), value: 1 },
    ];
    const plan = await callPlan('film_in_stock', args, { kind: 'value', type: scalar('int4'), set: true });
    const expected = await sql<{ p_film_count: number }>('select * from public.film_in_stock(1, 1)');
    expect(await exec(compileCall(plan))).toEqual(expected.map((r) => r.p_film_count));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('rows: rewards_report shaped like a read, and single', async () => {
    const args = [
      { name: 'min_monthly_purchases', type: scalar('int4'), value: 7 },
      { name: 'min_dollar_amount_purchased', type: scalar('numeric'), value: '20' },
    ];
    const rows = read('customer', columns('customer', 'customer_id', 'first_name', 'last_name'), { orderBy: [{ target: { kind: 'column', column: 'customer_id' }, direction: 'asc' }] });
    const expected = await sql('select customer_id, first_name, last_name from public.rewards_report(7, 20) order by customer_id');
    expect(expected).toEqual([{ customer_id: 1, first_name: 'MARY', last_name: 'SMITH' }]);
    expect(await exec(compileCall(await callPlan('rewards_report', args, { kind: 'rows', plan: rows, single: false })))).toEqual(expected);
    expect(await exec(compileCall(await callPlan('rewards_report', args, { kind: 'rows', plan: rows, single: true })))).toEqual(expected[0]);
  });

  it('a volatile function runs once per call; int8 as text unless asked otherwise', async () => {
    const plan = (by: number): Promise<AuthorizedPlan<CallPlan>> =>
      callPlan('bump_counter', [{ name: 'by', type: scalar('int4'), value: by }], { kind: 'value', type: scalar('int8'), set: false });
    expect(await exec(compileCall(await plan(2)))).toBe('2');
    expect(await exec(compileCall(await plan(3)))).toBe('5');
    expect(await exec(compileCall(await plan(4), { exactNumbersAsStrings: false }))).toBe(9);
    expect(await sql('select n::int4 as n from public.counter')).toEqual([{ n: 9 }]);
  });

  it('a void function: result null, its effect done', async () => {
    const plan = await callPlan('add_note', [{ name: 'msg', type: scalar('text'), value: 'hello' }], { kind: 'void' });
    expect(await exec(compileCall(plan))).toBeNull();
    expect(await sql('select msg from public.note')).toEqual([{ msg: 'hello' }]);
  });
});

describe('constraint violations keep their SQLSTATE', () => {
  const insert = async (table: string, values: Record<string, unknown>): Promise<unknown> =>
    exec(compileInsert(await authorize<InsertPlan>({ kind: 'insert', entity: pub(table), rows: [row(table, values)], returning: returning([]) })));

  it('23505 unique', async () => {
    await sql("insert into public.scratch (name) values ('dup')");
    await expect(insert('scratch', { name: 'dup' })).rejects.toMatchObject({ code: '23505', constraint: 'scratch_name_key' });
  });

  it('23503 foreign key', async () => {
    await expect(insert('film', { title: 'NO LANGUAGE', language_id: 9999 })).rejects.toMatchObject({ code: '23503', constraint: 'film_language_id_fkey' });
  });

  it('23502 not null', async () => {
    await expect(insert('film', { language_id: 1 })).rejects.toMatchObject({ code: '23502', column: 'title' });
  });
});

describe('nested inserts', () => {
  const run = (query: CompiledQuery): Promise<unknown> => exec(query);
  // as the pipeline runs one: split before the chain, each statement authorized, then run in order
  const nested = async (plan: InsertPlan): Promise<unknown> => {
    const program = splitNestedInsert(plan, graph);
    const steps = await Promise.all(program.steps.map((step) => authorize(step)));
    const readBack = program.readBack === undefined ? undefined : await authorize(program.readBack);
    return (await runInsertProgram({ steps, returning: program.returning, ...(readBack === undefined ? {} : { readBack }) }, run, DEFAULT_COMPILE_OPTIONS)).answer;
  };
  // the graph exists once beforeAll has run
  let films: JoinPath;
  let filmActors: JoinPath;
  let toLanguage: JoinPath;
  beforeAll(() => {
    films = relation('language', 'films');
    filmActors = relation('film', 'film_actors');
    toLanguage = relation('film', 'language');
  });
  const orderByTitle = [{ target: { kind: 'column', column: 'title' }, direction: 'asc' }] as const;

  it('a language with its films: children get the new key; the answer shows them', async () => {
    const plan = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('language'),
      rows: [{ ...row('language', { name: 'Klingon' }), children: [{ join: films, entity: pub('film'), rows: [row('film', { title: 'K ONE' }), row('film', { title: 'K TWO' })] }] }],
      returning: returning([...columns('language', 'language_id', 'name'), many('films', films, read('film', columns('film', 'title'), { orderBy: orderByTitle }))]),
    });
    const answer = asAnswer(await nested(plan));
    const [language] = await sql<{ language_id: number; name: string }>("select language_id, name from public.language where name = 'Klingon'");
    const stored = await sql('select title from public.film where language_id = $1 order by title', [language?.language_id]);
    expect(answer).toEqual({ affected_rows: 3, returning: [{ language_id: language?.language_id, name: language?.name, films: stored }] });
    expect(stored).toEqual([{ title: 'K ONE' }, { title: 'K TWO' }]);
  });

  it('a film with a parent language and film_actor children, two levels down from a language, single', async () => {
    const film = (title: string, actors: number[]): InsertRow => ({
      ...row('film', { title }),
      children: [{ join: filmActors, entity: pub('film_actor'), rows: actors.map((a) => row('film_actor', { actor_id: a })) }],
    });
    const withParent = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('film'),
      rows: [{ ...film('ELVISH FILM', [1, 2]), parents: [{ join: toLanguage, entity: pub('language'), row: row('language', { name: 'Elvish' }) }] }],
      returning: {
        selection: [
          ...columns('film', 'film_id', 'title'),
          one('language', toLanguage, read('language', columns('language', 'name'))),
          many('film_actors', filmActors, read('film_actor', columns('film_actor', 'actor_id'), { orderBy: [{ target: { kind: 'column', column: 'actor_id' }, direction: 'asc' }] })),
        ],
        single: true,
      },
    });
    const answer = (await nested(withParent)) as Record<string, unknown>;
    const [stored] = await sql<{ film_id: number; name: string }>("select f.film_id, l.name from public.film f join public.language l using (language_id) where f.title = 'ELVISH FILM'");
    expect(answer).toEqual({ film_id: stored?.film_id, title: 'ELVISH FILM', language: { name: stored?.name }, film_actors: [{ actor_id: 1 }, { actor_id: 2 }] });
    expect(stored?.name.trim()).toBe('Elvish');

    const deep = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('language'),
      rows: [{ ...row('language', { name: 'Dothraki' }), children: [{ join: films, entity: pub('film'), rows: [film('D ONE', [3]), film('D TWO', [4, 5])] }] }],
      returning: { selection: [], affectedRowsKey: 'affected_rows' },
    });
    expect(await nested(deep)).toEqual({ affected_rows: 6 });
    const actors = await sql(
      "select f.title, fa.actor_id from public.film f join public.language l using (language_id) join public.film_actor fa using (film_id) where l.name = 'Dothraki' order by 1, 2",
    );
    expect(actors).toEqual([
      { title: 'D ONE', actor_id: 3 },
      { title: 'D TWO', actor_id: 4 },
      { title: 'D TWO', actor_id: 5 },
    ]);
  });

  it('inside a transaction, a failing nested row leaves nothing behind', async () => {
    const plan = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('language'),
      rows: [
        {
          ...row('language', { name: 'Orcish' }),
          children: [
            {
              join: films,
              entity: pub('film'),
              rows: [
                row('film', { title: 'ORC OK' }),
                { ...row('film', { title: 'ORC BAD' }), children: [{ join: filmActors, entity: pub('film_actor'), rows: [row('film_actor', { actor_id: 99999 })] }] },
              ],
            },
          ],
        },
      ],
      returning: returning(columns('language', 'language_id')),
    });
    await client.query('begin');
    try {
      await expect(nested(plan)).rejects.toMatchObject({ code: '23503', constraint: 'film_actor_actor_id_fkey' });
    } finally {
      await client.query('rollback');
    }
    expect(await sql("select 1 from public.language where name = 'Orcish'")).toEqual([]);
    expect(await sql("select 1 from public.film where title like 'ORC %'")).toEqual([]);
  });

  it('a plan without nested rows is one flat insert', async () => {
    const plan = await authorize<InsertPlan>({ kind: 'insert', entity: pub('scratch'), rows: [row('scratch', { name: 'flat-via-nested' })], returning: returning(columns('scratch', 'name')) });
    expect(await nested(plan)).toEqual({ affected_rows: 1, returning: [{ name: 'flat-via-nested' }] });
  });

  it('refuses many-to-many, a key given twice, and reading back rows of an entity without a primary key', async () => {
    const actors = relation('film', 'actors');
    const m2m = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('film'),
      rows: [{ ...row('film', { title: 'M2M', language_id: 1 }), children: [{ join: actors, entity: pub('actor'), rows: [row('actor', { first_name: 'A', last_name: 'B' })] }] }],
      returning: returning([]),
    });
    await expect(nested(m2m)).rejects.toThrow(/many-to-many .* is not supported/);
    const twice = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('film'),
      rows: [{ ...row('film', { title: 'TWICE', language_id: 1 }), parents: [{ join: toLanguage, entity: pub('language'), row: row('language', { name: 'Twice' }) }] }],
      returning: returning([]),
    });
    await expect(nested(twice)).rejects.toThrow(/column "language_id" is given by the row and filled in by a relationship too/);
    const noKey = await authorize<InsertPlan>({
      kind: 'insert',
      entity: pub('tagged'),
      rows: [{ ...row('tagged', { label: 'x' }), parents: [{ join: relation('tagged', 'language'), entity: pub('language'), row: row('language', { name: 'Tagged' }) }] }],
      returning: returning(columns('tagged', 'label')),
    });
    await expect(nested(noKey)).rejects.toThrow(/has no primary key/);
  });
});
