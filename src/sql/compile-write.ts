import type { AuthorizedPlan } from '../chain/index.js';
import type { DbRef, TypeRef } from '../model/index.js';
import {
  isNestedRow,
  type Assignment,
  type CallPlan,
  type Condition,
  type DeletePlan,
  type FunctionArgumentValue,
  type InsertPlan,
  type OnConflict,
  type OrderItem,
  type ReadPlan,
  type Returning,
  type UpdatePlan,
} from '../plan/index.js';
import { compileCondition } from './compile-condition.js';
import {
  buildObject,
  functionArgumentList,
  readStatement,
  DEFAULT_COMPILE_OPTIONS,
  orderBy,
  renderValue,
  rowObject,
  rowObjectQuery,
  sourceFrom,
  textLiteral,
  type CompileOptions,
  type Context,
} from './compile-read.js';
import { Aliases, Params, qualified, quoteIdentifier, type CompiledQuery } from './fragments.js';

/**
 * Write Plans and calls → one statement each, returning one row with one column, `result`:
 * the whole answer as JSON built by PostgreSQL, as reads do.
 *
 * Writes are a data-modifying CTE named `m` (`with "m" as (insert … returning "t0".*)`) and a
 * SELECT over it that follows the plan's `Returning`:
 * - `{ <affectedRowsKey>: count of m, <returningKey>: [row object of each row of m] }`;
 * - with `single`, the first row's object, or null.
 * The row objects are built by compile-read's row-object builder with `m` as the row, so
 * they may nest relationships; those subqueries read the other tables as they were before
 * the statement (one snapshot), as in Hasura and PostgREST.
 *
 * Repeated assignments to one column (UpdatePlan) compose, in plan order: each applies to the
 * result of the ones before it (`_append` then `_delete_key` on `doc` gives
 * `"doc" = ("t0"."doc" || $1) - $2`); a `set` replaces whatever came before it.
 */

const M = quoteIdentifier('m');
const INT4: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' };
const INT8: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int8' };
const TEXT: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'text' };
const TEXT_ARRAY: TypeRef = { kind: 'array', element: TEXT };

function newContext(options: CompileOptions): Context {
  return { params: new Params(), aliases: new Aliases(), options };
}

// ---------------------------------------------------------------------------------------------
// INSERT

/**
 * `with "m" as (insert into "s"."t" as "t0" ("a", "b") values ($1::T, default), (default, $2::U)
 * [on conflict …] returning "t0".*) select <Returning> as result`.
 *
 * The column list is the union of the rows' columns, in order of first appearance; a row
 * without one of them gets `default`. Rows with no values at all are inserted with every
 * column at its default. Zero rows touch nothing: the answer says 0 rows, `[]` (or null).
 */
export function compileInsert(plan: AuthorizedPlan<InsertPlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  const nested = plan.rows.findIndex(isNestedRow);
  if (nested >= 0) {
    throw new Error(`compileInsert: row ${nested} of an insert into ${describe(plan.entity)} nests parents or children; split it with splitNestedInsert`);
  }
  if (plan.rows.some((row) => row.values.some((value) => value.from !== undefined))) {
    throw new Error(`compileInsert: an insert into ${describe(plan.entity)} has a key still to be filled in (filledPart)`);
  }
  const ctx = newContext(options);
  if (plan.rows.length === 0) {
    return { text: `select ${emptyResult(plan.returning, ctx)} as result`, values: ctx.params.values };
  }
  const target = ctx.aliases.next();
  const columns: string[] = [];
  for (const [i, row] of plan.rows.entries()) {
    const seen = new Set<string>();
    for (const { column } of row.values) {
      if (seen.has(column)) throw new Error(`compileInsert: row ${i} of an insert into ${describe(plan.entity)} gives column "${column}" twice`);
      seen.add(column);
      if (!columns.includes(column)) columns.push(column);
    }
  }
  let source: string;
  if (columns.length === 0) {
    // every column at its default: `default values` inserts one row; a zero-column SELECT any number
    source = plan.rows.length === 1 ? 'default values' : `select from generate_series(1, ${ctx.params.add(plan.rows.length, INT4)})`;
  } else {
    const tuples = plan.rows.map((row) => {
      const cells = columns.map((column) => {
        const value = row.values.find((v) => v.column === column);
        return value === undefined ? 'default' : ctx.params.add(value.value, value.type);
      });
      return `(${cells.join(', ')})`;
    });
    source = `(${columns.map(quoteIdentifier).join(', ')}) values ${tuples.join(', ')}`;
  }
  const conflict = plan.onConflict === undefined ? '' : onConflictClause(plan.onConflict, target, ctx);
  // a row that ON CONFLICT DO UPDATE merged has the inserting transaction's xmax; a new one 0
  const inserted = plan.returning.countInserted === true ? `, (${target}.xmax = 0) as ${INSERTED}` : '';
  const write = `insert into ${qualified(plan.entity)} as ${target} ${source}${conflict} returning ${target}.*${inserted}`;
  return { text: withWrite(write, plan.returning, ctx, plan.check), values: ctx.params.values };
}

/**
 * ` on conflict [target] do nothing | do update set "x" = excluded."x", … [where …]`. An update
 * with no columns to update does nothing (as Hasura does); DO UPDATE needs a target.
 */
function onConflictClause(conflict: OnConflict, target: string, ctx: Context): string {
  const on =
    conflict.constraint !== undefined
      ? ` on constraint ${quoteIdentifier(conflict.constraint)}`
      : conflict.columns !== undefined && conflict.columns.length > 0
        ? ` (${conflict.columns.map(quoteIdentifier).join(', ')})`
        : '';
  if (conflict.action === 'ignore' || conflict.updateColumns.length === 0) return ` on conflict${on} do nothing`;
  if (on === '') throw new Error('compileInsert: on conflict do update needs a constraint or conflict columns');
  const set = conflict.updateColumns.map((c) => `${quoteIdentifier(c)} = excluded.${quoteIdentifier(c)}`).join(', ');
  const where = conflict.where === undefined ? '' : ` where ${compileCondition(conflict.where, target, ctx)}`;
  return ` on conflict${on} do update set ${set}${where}`;
}

// ---------------------------------------------------------------------------------------------
// UPDATE and DELETE

/**
 * `with "m" as (update "s"."t" as "t0" set … where … returning "t0".*) select <Returning>`.
 * No `where`: every row (the protocols refuse that unless allowed; the compiler does not).
 * With a `limit` (REST's bounded update), only the first rows in `orderBy` order; see `bounded`.
 * At least one assignment is required.
 */
export function compileUpdate(plan: AuthorizedPlan<UpdatePlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  if (plan.assignments.length === 0) throw new Error(`compileUpdate: an update of ${describe(plan.entity)} has no assignments`);
  const ctx = newContext(options);
  const target = ctx.aliases.next();
  const expressions = new Map<string, string>();
  for (const assignment of plan.assignments) {
    const previous = expressions.get(assignment.column);
    const current = previous === undefined ? `${target}.${quoteIdentifier(assignment.column)}` : `(${previous})`;
    expressions.set(assignment.column, assignmentValue(assignment, current, ctx));
  }
  const set = [...expressions].map(([column, value]) => `${quoteIdentifier(column)} = ${value}`).join(', ');
  const where = filter(plan.entity, plan.where, plan.orderBy, plan.limit, target, ctx);
  const write = `update ${qualified(plan.entity)} as ${target} set ${set}${where} returning ${target}.*`;
  return { text: withWrite(write, plan.returning, ctx, plan.check), values: ctx.params.values };
}

/** The new value of one assignment, applied to `current` (the column, or what earlier assignments made of it). */
function assignmentValue(assignment: Assignment, current: string, ctx: Context): string {
  switch (assignment.op) {
    case 'set':
      return ctx.params.add(assignment.value, assignment.type);
    case 'inc':
      return `${current} + ${ctx.params.add(assignment.value, assignment.type)}`;
    case 'append':
      return `${current} || ${ctx.params.add(assignment.value, assignment.type)}`;
    case 'prepend':
      return `${ctx.params.add(assignment.value, assignment.type)} || ${current}`;
    case 'delete_key':
      return `${current} - ${ctx.params.add(assignment.value, TEXT)}`;
    case 'delete_elem':
      return `${current} - ${ctx.params.add(assignment.value, INT4)}`;
    case 'delete_at_path':
      return `${current} #- ${ctx.params.add(assignment.value, TEXT_ARRAY)}`;
  }
}

/**
 * `with "m" as (delete from "s"."t" as "t0" where … returning "t0".*) select <Returning>`,
 * bounded by `orderBy` + `limit` like compileUpdate.
 */
export function compileDelete(plan: AuthorizedPlan<DeletePlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  const ctx = newContext(options);
  const target = ctx.aliases.next();
  const where = filter(plan.entity, plan.where, plan.orderBy, plan.limit, target, ctx);
  const write = `delete from ${qualified(plan.entity)} as ${target}${where} returning ${target}.*`;
  return { text: withWrite(write, plan.returning, ctx), values: ctx.params.values };
}

/**
 * The WHERE of an update or delete. Without a limit: the condition (`orderBy` alone means
 * nothing to a write and is ignored). With a limit: the rows are picked by a subquery that
 * filters, orders and limits, and matched by their physical address:
 * `where ("t0".tableoid, "t0".ctid) in (select "t1".tableoid, "t1".ctid from … limit $n)`.
 * `tableoid` is there because partitions of one partitioned table share ctids; PostgreSQL
 * still plans this as TID scans. Views have no ctid, so bounded writes need a table.
 */
function filter(
  entity: DbRef,
  condition: Condition | undefined,
  order: readonly OrderItem[] | undefined,
  limit: number | undefined,
  target: string,
  ctx: Context,
): string {
  if (limit === undefined) return condition === undefined ? '' : ` where ${compileCondition(condition, target, ctx)}`;
  const inner = ctx.aliases.next();
  const where = condition === undefined ? '' : ` where ${compileCondition(condition, inner, ctx)}`;
  return (
    ` where (${target}.tableoid, ${target}.ctid) in (select ${inner}.tableoid, ${inner}.ctid from ${qualified(entity)} as ${inner}` +
    `${where}${orderBy(order ?? [], inner, ctx)} limit ${ctx.params.add(limit, INT8)})`
  );
}

// ---------------------------------------------------------------------------------------------
// the answer of a write

/**
 * `with "m" as (<write>) select <Returning over m> as result`. With a `check`, a written row
 * that does not satisfy it makes the statement fail, so nothing is written: the answer is
 * then the cast of a text that is not a number, which raises 22P02 with CHECK_FAILED in its
 * message (`from-postgres.ts` reads that as a permission error). CASE evaluates only the
 * branch it takes, and the text depends on the rows, so it is never folded at plan time.
 */
function withWrite(write: string, returning: Returning, ctx: Context, check?: Condition): string {
  const result = returningResult(returning, ctx);
  if (check === undefined) return `with ${M} as (${write}) select ${result} as result`;
  const failing = `(select count(*) from ${M} where (${compileCondition(check, M, ctx)}) is not true)`;
  return `with ${M} as (${write}) select case when ${failing} = 0 then ${result} else ('${CHECK_FAILED}: ' || ${failing})::int::text::json end as result`;
}

/** The text of the error a failed check raises (no user text: a constant of pgduet's). */
export const CHECK_FAILED = 'pgduet check failed';

/** the column of `m` that says a row was inserted (not merged): a name no table column has */
const INSERTED = quoteIdentifier('?pgduet inserted');

function returningResult(returning: Returning, ctx: Context): string {
  // made only where it is used: a condition compiled and left out would leave its parameters untyped
  const rows = (): string => (returning.where === undefined ? `${M}` : `${M} where ${compileCondition(returning.where, M, ctx)}`);
  if (returning.single === true) return `(select ${rowObject(returning.selection, M, ctx)} from ${rows()} limit 1)`;
  if (returning.rowsOnly === true) {
    const array = `(select coalesce(json_agg(${rowObject(returning.selection, M, ctx)}), '[]'::json) from ${rows()})`;
    if (returning.countInserted !== true) return array;
    return `json_build_object('inserted', (select count(*) from ${M} where ${INSERTED}), 'rows', ${array})`;
  }
  const pairs: (readonly [string, string])[] = [];
  if (returning.affectedRowsKey !== undefined) pairs.push([returning.affectedRowsKey, `(select count(*) from ${M})`]);
  if (returning.returningKey !== undefined) {
    pairs.push([returning.returningKey, `(select coalesce(json_agg(${rowObject(returning.selection, M, ctx)}), '[]'::json) from ${rows()})`]);
  }
  for (const literal of returning.literals ?? []) pairs.push([literal.key, textLiteral(literal.value, ctx)]);
  return buildObject(pairs, ctx);
}

/** The answer of a write that writes no row, without touching the table. */
function emptyResult(returning: Returning, ctx: Context): string {
  if (returning.single === true) return 'null::json';
  if (returning.rowsOnly === true) return returning.countInserted === true ? `json_build_object('inserted', 0, 'rows', '[]'::json)` : `'[]'::json`;
  const pairs: (readonly [string, string])[] = [];
  if (returning.affectedRowsKey !== undefined) pairs.push([returning.affectedRowsKey, '0']);
  if (returning.returningKey !== undefined) pairs.push([returning.returningKey, `'[]'::json`]);
  for (const literal of returning.literals ?? []) pairs.push([literal.key, textLiteral(literal.value, ctx)]);
  return buildObject(pairs, ctx);
}

// ---------------------------------------------------------------------------------------------
// function calls

/**
 * A function call, by kind of result:
 * - `value`: `select to_json("s"."fn"(…)) as result`; a set → a JSON array
 *   (`select coalesce(json_agg("x0"."v"), '[]'::json) as result from (select "s"."fn"(…) as v) as "x0"`);
 *   int8/numeric as text per `options`;
 * - `rows`: the returned rows shaped like compileRead shapes them (the call's `fn` and `args`
 *   are the source, whatever source the rows plan names); `single` → the first row's object or null;
 * - `void`: `select null::json as result from "s"."fn"(…) as "f0"`.
 * Functions only: a procedure must be run with CALL, which this does not compile (PostgreSQL
 * answers 42809 "… is a procedure" when one reaches it).
 */
export function compileCall(plan: AuthorizedPlan<CallPlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  const returns = plan.returns;
  if (returns.kind === 'rows') {
    if (returns.plan.batch !== undefined) throw new Error(`compileCall: the rows of a call of ${describe(plan.fn)} cannot be batched`);
    const rows: ReadPlan = { ...returns.plan, source: { kind: 'function', fn: plan.fn, args: plan.args } };
    if (!returns.single) return readStatement(rows, options);
    const ctx = newContext(options);
    const alias = ctx.aliases.next();
    return { text: `select ${rowObjectQuery(rows, ctx, `${sourceFrom(rows, ctx)} as ${alias}`, alias, [])} as result`, values: ctx.params.values };
  }
  const ctx = newContext(options);
  const call = functionCall(plan.fn, plan.args, ctx);
  switch (returns.kind) {
    case 'void':
      return { text: `select null::json as result from ${call} as ${ctx.aliases.next('f')}`, values: ctx.params.values };
    case 'value': {
      if (!returns.set) return { text: `select to_json(${renderValue(call, returns.type, options)}) as result`, values: ctx.params.values };
      const x = ctx.aliases.next('x');
      const value = renderValue(`${x}.v`, returns.type, options);
      return { text: `select coalesce(json_agg(${value}), '[]'::json) as result from (select ${call} as v) as ${x}`, values: ctx.params.values };
    }
  }
}

/** `"s"."fn"("name" => $1::T, $2::U)`: named arguments by name, unnamed ones by position. */
function functionCall(fn: DbRef, args: readonly FunctionArgumentValue[], ctx: Context): string {
  return `${qualified(fn)}(${functionArgumentList(args, ctx)})`;
}

function describe(ref: DbRef): string {
  return `${ref.schema}.${ref.dbName}`;
}
