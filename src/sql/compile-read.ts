import type { AuthorizedPlan } from '../chain/index.js';
import type { TypeRef } from '../model/index.js';
import type {
  AggregateFunction,
  AggregatePlan,
  AggregateSelection,
  Batch,
  FunctionArgumentValue,
  OrderItem,
  OrderTarget,
  ReadPlan,
  Selection,
} from '../plan/index.js';
import { aggregateResultType, INT8 } from './aggregate-type.js';
import { columnExpression, compileCondition, joinFrom, type Scope } from './compile-condition.js';
import { Aliases, Params, qualified, quoteIdentifier, sqlType, type CompiledQuery } from './fragments.js';
import { quoteQualified } from './identifier.js';

/**
 * ReadPlan / AggregatePlan → one statement that returns one row with one column, `result`:
 * the whole answer as JSON, built by PostgreSQL (json_build_object, json_agg), so PostgreSQL
 * renders every value (timestamps in ISO 8601 with offset) and Node only parses one text.
 *
 * - a plain ReadPlan gives a JSON array of row objects;
 * - an AggregatePlan gives one object of its outputs `{ aggregate: {...}, nodes: [...], … }`;
 * - with a `batch`, either gives a JSON array with one entry per batch key, in key order:
 *   the parents' related rows, each computed in a LATERAL subquery so that `limit` and
 *   `offset` apply per parent.
 */

export interface CompileOptions {
  /** int8 and numeric as JSON strings (the default: no digit is lost) or as JSON numbers */
  readonly exactNumbersAsStrings: boolean;
  /** float8 as JSON strings too (GraphQL's `stringifyNumericTypes`, as Hasura's switch does) */
  readonly floatsAsStrings?: boolean;
  /** row limits as parameters too (a live query's statement: compile-multiplexed.ts `multiplexedOptions`); else see `limit` */
  readonly limitsAsParameters?: boolean;
}

export const DEFAULT_COMPILE_OPTIONS: CompileOptions = { exactNumbersAsStrings: true };

/** What one statement's compilation carries: its parameters, aliases and options (shared with compile-write). */
export interface Context extends Scope {
  readonly options: CompileOptions;
}

/**
 * A read's row limit. A small one (a page, `limit 1` of a to-one relationship) is written into
 * the text, because the planner must see it: with `limit $n`, PostgreSQL's generic plan for a
 * named statement guesses a tenth of the rows, looks costlier than the custom plans, and every
 * execution is planned again (W4 of bench/rest.mjs: 320 custom plans out of 320, 2.55 ms per
 * execution against 2.0 with the plan kept). Only a checked integer up to WRITTEN_LIMITS is
 * written, so a shape makes at most that many statements (each limit is a named statement on
 * every connection); a larger limit, a live query's (`limitsAsParameters`) and an offset stay
 * parameters.
 */
function limit(rows: number, ctx: Context): string {
  const written = ctx.options.limitsAsParameters !== true && Number.isSafeInteger(rows) && rows >= 0 && rows <= WRITTEN_LIMITS;
  return written ? ` limit ${rows}` : ` limit ${ctx.params.add(rows, INT8)}`;
}

const WRITTEN_LIMITS = 100;

export function compileRead(plan: AuthorizedPlan<ReadPlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  return readStatement(plan, options);
}

/** A read's statement; within sql/ also for the rows of an authorized Plan that holds one (a call's). */
export function readStatement(plan: ReadPlan, options: CompileOptions): CompiledQuery {
  const ctx: Context = { params: new Params(), aliases: new Aliases(), options };
  const batch = plan.batch;
  const text = batch === undefined ? `select ${rowsArray(plan, ctx, [])} as result` : batched(batch, ctx, (row) => {
    const { from, where } = joinFrom(batch.join, row, ctx);
    return batch.cardinality === 'one'
      ? rowObjectQuery(plan, ctx, from.toString(), from.alias, where)
      : rowsArrayFrom(plan, ctx, from.toString(), from.alias, where);
  });
  return { text, values: ctx.params.values };
}

export function compileAggregate(plan: AuthorizedPlan<AggregatePlan>, options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  const ctx: Context = { params: new Params(), aliases: new Aliases(), options };
  const batch = plan.rows.batch;
  const text = batch === undefined ? aggregateQuery(plan, ctx, undefined, [], 'result') : batched(batch, ctx, (row) => {
    const { from, where } = joinFrom(batch.join, row, ctx);
    return `(${aggregateQuery(plan, ctx, from, where, 'v')})`;
  });
  return { text, values: ctx.params.values };
}

/**
 * A page of rows for a client that wants the text as it is (REST): one row with `result`, the
 * JSON array of the page as text, `page` the number of rows in it and, when `total` is asked,
 * `total` the number of rows the filters match, ignoring limit and offset (`Content-Range`).
 */
export function compilePage(plan: AuthorizedPlan<ReadPlan>, options: CompileOptions, page: { readonly total: boolean; readonly csv?: boolean }): CompiledQuery {
  if (plan.batch !== undefined) throw new Error('compilePage: a page cannot be batched');
  const ctx: Context = { params: new Params(), aliases: new Aliases(), options };
  const alias = ctx.aliases.next();
  const x = ctx.aliases.next('x');
  // a function is called once, even when its rows are also counted (a volatile one must not
  // run twice): its rows are materialized first
  const called = page.total && plan.source.kind === 'function' ? ctx.aliases.next('s') : undefined;
  const withCall = called === undefined ? '' : `with ${called} as materialized (select * from ${sourceFrom(plan, ctx)}) `;
  const source = (): string => called ?? sourceFrom(plan, ctx);
  const from = `${source()} as ${alias}`;
  const rows = rowsQuery(plan, ctx, from, alias, [], [], page.csv === true ? 'record' : 'json');
  let total = 'null::int8';
  if (page.total) {
    const counted = ctx.aliases.next();
    const countFrom = `${source()} as ${counted}`;
    if (hasAggregates(plan)) {
      // grouped rows are counted as groups: the rows the page is a slice of
      const { limit: _limit, offset: _offset, ...unbounded } = plan;
      total = `(select count(*) from (${rowsQuery({ ...unbounded, orderBy: [] }, ctx, countFrom, counted, [])}) as ${ctx.aliases.next('x')})`;
    } else {
      const where = plan.where === undefined ? '' : ` where ${compileCondition(plan.where, counted, ctx)}`;
      total = `(select count(*) from ${countFrom}${where})`;
    }
  }
  return {
    text: `${withCall}select ${page.csv === true ? csvLines(`${x}.r`) : `coalesce(json_agg(${x}.r), '[]'::json)::text`} as result, count(*)::int4 as page, ${total} as total from (${rows}) as ${x}`,
    values: ctx.params.values,
  };
}

/**
 * The rows as CSV lines, the way PostgREST writes them: each row's record in PostgreSQL's text
 * form without its parentheses (values in their text form, quoted where a record quotes them),
 * one line each. The header line is the caller's.
 */
function csvLines(record: string): string {
  return `coalesce(string_agg(substring(${record}::text, 2, length(${record}::text) - 2), chr(10)), '')`;
}

/**
 * The planner's estimate of how many rows a page is cut from (REST's `Prefer: count=planned`):
 * `explain (format json)` of the rows without limit and offset; the estimate is the top plan
 * node's "Plan Rows".
 */
export function compileCountEstimate(plan: AuthorizedPlan<ReadPlan>, options: CompileOptions): CompiledQuery {
  const ctx: Context = { params: new Params(), aliases: new Aliases(), options };
  const alias = ctx.aliases.next();
  const { limit: _limit, offset: _offset, ...unbounded } = plan;
  const rows = rowsQuery({ ...unbounded, orderBy: [] }, ctx, `${sourceFrom(plan, ctx)} as ${alias}`, alias, []);
  return { text: `explain (format json) ${rows}`, values: ctx.params.values };
}

/** One entry of a document: a Plan under an output key; `single` wants its first row or null. */
export interface DocumentField {
  readonly key: string;
  readonly plan: AuthorizedPlan<ReadPlan> | AuthorizedPlan<AggregatePlan>;
  readonly single?: boolean;
}

/**
 * Several Plans answered by one statement, as one JSON object `{ key: answer, … }` returned
 * as text: a whole GraphQL query whose every field PostgreSQL can shape, sent to the client
 * without being parsed in JavaScript (the way PostgREST answers).
 */
export function compileDocument(fields: readonly DocumentField[], options: CompileOptions = DEFAULT_COMPILE_OPTIONS): CompiledQuery {
  const ctx: Context = { params: new Params(), aliases: new Aliases(), options };
  const pairs = fields.map(({ key, plan, single }) => {
    if (plan.kind === 'aggregate') return [key, `(${aggregateQuery(plan, ctx, undefined, [], 'v')})`] as const;
    if (single !== true) return [key, rowsArray(plan, ctx, [])] as const;
    const alias = ctx.aliases.next();
    return [key, rowObjectQuery(plan, ctx, `${sourceFrom(plan, ctx)} as ${alias}`, alias, [])] as const;
  });
  return { text: `select ${buildObject(pairs, ctx)}::text as result`, values: ctx.params.values };
}

/** `select json_agg(v order by ord) from unnest(keys) with ordinality as k(...) cross join lateral (...)` */
function batched(batch: Batch, ctx: Context, perParent: (row: string) => string): string {
  const k = ctx.aliases.next('k');
  const ord = quoteIdentifier('pgduet ordinality');
  const columns = batch.join.mapping.map((p) => quoteIdentifier(p.from));
  const arrays = batch.join.mapping.map((_p, i) => ctx.params.addArray(batch.keys.map((key) => key[i] ?? null), batch.keyTypes[i] as TypeRef));
  const l = ctx.aliases.next('l');
  return (
    `select coalesce(json_agg(${l}.v order by ${k}.${ord}), '[]'::json) as result ` +
    `from unnest(${arrays.join(', ')}) with ordinality as ${k}(${columns.join(', ')}, ${ord}) ` +
    `cross join lateral (select ${perParent(k)} as v) as ${l}`
  );
}

/** The rows of a plan as a JSON array expression (a scalar subquery). */
function rowsArray(plan: ReadPlan, ctx: Context, tie: readonly string[]): string {
  const alias = ctx.aliases.next();
  return rowsArrayFrom(plan, ctx, `${sourceFrom(plan, ctx)} as ${alias}`, alias, tie);
}

export function rowsArrayFrom(plan: ReadPlan, ctx: Context, from: string, alias: string, tie: readonly string[]): string {
  const x = ctx.aliases.next('x');
  return `(select coalesce(json_agg(${x}.r), '[]'::json) from (${rowsQuery(plan, ctx, from, alias, tie)}) as ${x})`;
}

/** The first row of a plan as a JSON object expression, or null. */
export function rowObjectQuery(plan: ReadPlan, ctx: Context, from: string, alias: string, tie: readonly string[]): string {
  return `(${rowsQuery({ ...plan, limit: 1 }, ctx, from, alias, tie)})`;
}

/**
 * `select <row object> as r from … where … order by … limit … offset …`; with `shape`
 * `record`, `r` is a row of the values (`row(v1, v2, …)`) instead of a JSON object.
 */
function rowsQuery(plan: ReadPlan, ctx: Context, from: string, alias: string, tie: readonly string[], extra: readonly string[] = [], shape: 'json' | 'record' = 'json'): string {
  if (hasAggregates(plan)) return groupedRowsQuery(plan, ctx, from, alias, tie, shape);
  const where = [...tie];
  if (plan.where !== undefined) where.push(compileCondition(plan.where, alias, ctx));
  const distinct = plan.distinctOn !== undefined && plan.distinctOn.length > 0
    ? `distinct on (${plan.distinctOn.map((c) => `${alias}.${quoteIdentifier(c)}`).join(', ')}) `
    : '';
  const r = shape === 'record' ? rowRecord(objectPairs(plan.selection, alias, ctx)) : rowObject(plan.selection, alias, ctx);
  const columns = [`${r} as r`, ...extra];
  return (
    `select ${distinct}${columns.join(', ')} from ${from}` +
    (where.length > 0 ? ` where ${where.join(' and ')}` : '') +
    orderBy(plan.orderBy, alias, ctx) +
    (plan.limit !== undefined ? limit(plan.limit, ctx) : '') +
    (plan.offset !== undefined && plan.offset > 0 ? ` offset ${ctx.params.add(plan.offset, INT8)}` : '')
  );
}

/**
 * Whether the rows are grouped: aggregates at this level (or hoisted to it from a spread), or
 * grouping asked outright (`groupBy`, `having`, an order by an aggregate).
 */
function hasAggregates(plan: ReadPlan): boolean {
  return (
    plan.groupBy !== undefined ||
    plan.having !== undefined ||
    plan.orderBy.some((item) => item.target.kind === 'aggregate') ||
    plan.selection.some(aggregates)
  );
}

function aggregates(s: Selection): boolean {
  switch (s.kind) {
    case 'aggregate':
    case 'aggregates':
      return true;
    case 'object':
      return s.selection.some(aggregates);
    case 'spread':
      return s.plan.selection.some((inner) => inner.kind === 'aggregate');
    default:
      return false;
  }
}

/**
 * Rows with aggregates, grouped by `groupBy` and by the other selected values: the values are
 * computed in an inner query grouped by position (`group by 1, 2`: a JSON path's parameters
 * would make the same expression look different to PostgreSQL), filtered by `having`, ordered
 * and cut there, and the outer one builds the objects.
 */
function groupedRowsQuery(plan: ReadPlan, ctx: Context, from: string, alias: string, tie: readonly string[], shape: 'json' | 'record' = 'json'): string {
  const g = ctx.aliases.next('g');
  const values: string[] = [];
  const grouped: string[] = [];
  // a value of the inner query under a short name; one that is not an aggregate groups the rows
  const carry = (value: string, groups: boolean): string => {
    const name = quoteIdentifier(`c${values.length}`);
    values.push(`${value} as ${name}`);
    if (groups) grouped.push(String(values.length));
    return `${g}.${name}`;
  };
  const pairs = groupedPairs(plan.selection, alias, ctx, carry, plan.groupBy !== undefined);
  for (const column of plan.groupBy ?? []) grouped.push(`${alias}.${quoteIdentifier(column)}`);
  const where = [...tie];
  if (plan.where !== undefined) where.push(compileCondition(plan.where, alias, ctx));
  const inner =
    `select ${values.join(', ')} from ${from}` +
    (where.length > 0 ? ` where ${where.join(' and ')}` : '') +
    (grouped.length > 0 ? ` group by ${grouped.join(', ')}` : '') +
    (plan.having !== undefined ? ` having ${compileCondition(plan.having, alias, ctx)}` : '') +
    orderBy(plan.orderBy, alias, ctx) +
    (plan.limit !== undefined ? limit(plan.limit, ctx) : '') +
    (plan.offset !== undefined && plan.offset > 0 ? ` offset ${ctx.params.add(plan.offset, INT8)}` : '');
  return `select ${shape === 'record' ? rowRecord(pairs) : buildObject(pairs, ctx)} as r from (${inner}) as ${g}`;
}

/**
 * The keys of a grouped row and their values, read from the inner query (`carry`): columns,
 * computed fields, embedded resources (as jsonb: json has no equality) and the keys of spreads
 * group the rows; aggregates do not; objects nest their own keys; constants stay outside.
 * With `groupBy` said outright, a related row is one the grouping columns determine (GraphQL's
 * `keys { language { … } }` under `group_by: [language_id]`): it groups nothing and stays
 * json, its keys in the order asked (jsonb would sort them).
 */
function groupedPairs(selection: readonly Selection[], alias: string, ctx: Context, carry: (value: string, groups: boolean) => string, explicit: boolean): (readonly [string, string])[] {
  return selection.flatMap((s): (readonly [string, string])[] => {
    switch (s.kind) {
      case 'spread':
        return s.plan.selection.flatMap((inner): (readonly [string, string])[] => {
          if (inner.kind === 'aggregate') return [[inner.key, carry(hoistedAggregate(s, inner, alias, ctx), false)]];
          const pairs = inner.kind === 'spread' ? spreadPairs({ ...s, plan: { ...s.plan, selection: [inner] } }, alias, ctx) : [[inner.key, spreadValue(s, (row) => selectionValue(inner, row, ctx), alias, ctx)] as const];
          return pairs.map(([key, value]) => [key, carry(s.many === true ? `${value}::jsonb` : value, true)] as const);
        });
      case 'object':
        return [[s.key, buildObject(groupedPairs(s.selection, alias, ctx, carry, explicit), ctx)]];
      case 'literal':
        return [[s.key, textLiteral(s.value, ctx)]];
      case 'relation':
      case 'relation_aggregate':
        return [[s.key, explicit ? carry(selectionValue(s, alias, ctx), false) : carry(`${selectionValue(s, alias, ctx)}::jsonb`, true)]];
      case 'aggregate':
      case 'aggregates':
        return [[s.key, carry(selectionValue(s, alias, ctx), false)]];
      default:
        return [[s.key, carry(selectionValue(s, alias, ctx), true)]];
    }
  });
}

/** The values of a row object's pairs as a record: `row(v1, v2, …)`. */
function rowRecord(pairs: readonly (readonly [string, string])[]): string {
  return `row(${pairs.map(([, value]) => value).join(', ')})`;
}

export function sourceFrom(plan: ReadPlan, ctx: Context): string {
  const source = plan.source;
  if (source.kind === 'entity') return qualified(source.entity);
  return `${qualified(source.fn)}(${functionArgumentList(source.args, ctx)})`;
}

/** `"name" => $1::T, $2::U, variadic "v" => $3::T[]`: named arguments by name, unnamed ones by position. */
export function functionArgumentList(args: readonly FunctionArgumentValue[], ctx: Context): string {
  return args
    .map((a) => {
      const value = ctx.params.add(a.value, a.type);
      const named = a.name === null ? value : `${quoteIdentifier(a.name)} => ${value}`;
      return a.variadic === true ? `variadic ${named}` : named;
    })
    .join(', ');
}

export function orderBy(items: readonly OrderItem[], alias: string, ctx: Context): string {
  if (items.length === 0) return '';
  return ` order by ${items.map((item) => `${orderExpression(item, alias, ctx)} ${item.direction}${item.nulls === undefined ? '' : ` nulls ${item.nulls}`}`).join(', ')}`;
}

function orderExpression(item: OrderItem, alias: string, ctx: Context): string {
  return orderTargetExpression(item.target, alias, ctx);
}

function orderTargetExpression(target: OrderTarget, alias: string, ctx: Context): string {
  switch (target.kind) {
    case 'column':
      return columnExpression(alias, target, ctx);
    case 'related_column': {
      const { from, where } = joinFrom(target.join, alias, ctx);
      return `(select ${from.alias}.${quoteIdentifier(target.column)} from ${from} where ${where.join(' and ')} limit 1)`;
    }
    case 'related_aggregate': {
      const { from, where } = joinFrom(target.join, alias, ctx);
      const value = target.fn === 'count' ? 'count(*)' : `${target.fn}(${from.alias}.${quoteIdentifier(target.column ?? '')})`;
      return `(select ${value} from ${from} where ${where.join(' and ')})`;
    }
    case 'related': {
      const { from, where } = joinFrom(target.join, alias, ctx);
      return `(select ${orderTargetExpression(target.target, from.alias, ctx)} from ${from} where ${where.join(' and ')} limit 1)`;
    }
    case 'aggregate':
      // of the rows of a group: only in a grouped read (hasAggregates)
      return `${target.fn}(${target.column === undefined ? '*' : `${alias}.${quoteIdentifier(target.column)}`})`;
  }
}

/** The JSON object of one row: `json_build_object(key, value, …)`. */
export function rowObject(selection: readonly Selection[], alias: string, ctx: Context): string {
  return buildObject(objectPairs(selection, alias, ctx), ctx);
}

/** The keys and value expressions of a row object; a spread brings its related row's keys. */
function objectPairs(selection: readonly Selection[], alias: string, ctx: Context): (readonly [string, string])[] {
  return selection.flatMap((s): (readonly [string, string])[] => (s.kind === 'spread' ? spreadPairs(s, alias, ctx) : [[s.key, selectionValue(s, alias, ctx)]]));
}

/** The keys a spread brings, each with its value; a spread inside a spread brings its keys up too. */
function spreadPairs(s: Extract<Selection, { kind: 'spread' }>, alias: string, ctx: Context): (readonly [string, string])[] {
  return s.plan.selection.flatMap((inner): (readonly [string, string])[] => {
    if (inner.kind !== 'spread') return [[inner.key, spreadValue(s, (row) => selectionValue(inner, row, ctx), alias, ctx)]];
    // each key of the inner spread, read through this one's related row(s)
    return spreadKeys(inner).map((key, i) => [key, spreadValue(s, (row) => (spreadPairs(only(inner, i), row, ctx)[0] as readonly [string, string])[1], alias, ctx)] as const);
  });
}

/** The keys a spread brings up, in order (a spread inside it brings its own). */
function spreadKeys(s: Extract<Selection, { kind: 'spread' }>): string[] {
  return s.plan.selection.flatMap((inner) => (inner.kind === 'spread' ? spreadKeys(inner) : [inner.key]));
}

/** The spread narrowed to its `i`-th key (counting the keys of spreads inside it). */
function only(s: Extract<Selection, { kind: 'spread' }>, i: number): Extract<Selection, { kind: 'spread' }> {
  let index = i;
  for (const inner of s.plan.selection) {
    const count = inner.kind === 'spread' ? spreadKeys(inner).length : 1;
    if (index < count) return { ...s, plan: { ...s.plan, selection: [inner.kind === 'spread' ? only(inner, index) : inner] } };
    index -= count;
  }
  throw new Error('compileRead: a spread key out of range');
}

/**
 * One key of a spread: a scalar subquery, as the related row is at most one and each key stays
 * a plain value; of to-many rows, the array of their values (in the spread's order and range).
 */
function spreadValue(s: Extract<Selection, { kind: 'spread' }>, value: (row: string) => string, alias: string, ctx: Context): string {
  const { from, where } = joinFrom(s.join, alias, ctx);
  const conditions = s.plan.where === undefined ? where : [...where, compileCondition(s.plan.where, from.alias, ctx)];
  if (s.many !== true) return `(select ${value(from.alias)} from ${from} where ${conditions.join(' and ')} limit 1)`;
  const x = ctx.aliases.next('x');
  const rows =
    `select ${value(from.alias)} as v from ${from} where ${conditions.join(' and ')}` +
    orderBy(s.plan.orderBy, from.alias, ctx) +
    (s.plan.limit !== undefined ? limit(s.plan.limit, ctx) : '') +
    (s.plan.offset !== undefined && s.plan.offset > 0 ? ` offset ${ctx.params.add(s.plan.offset, INT8)}` : '');
  return `(select coalesce(json_agg(${x}.v), '[]'::json) from (${rows}) as ${x})`;
}

/**
 * An aggregate inside a spread (`client_id,...invoices(total.sum())`), hoisted to the level
 * that spreads it, as PostgREST does: computed over the related rows of each row, then
 * combined over the rows of each group (a count or sum summed, min of mins, max of maxes; an
 * average as the sum of sums over the sum of counts).
 */
function hoistedAggregate(s: Extract<Selection, { kind: 'spread' }>, inner: Extract<Selection, { kind: 'aggregate' }>, alias: string, ctx: Context): string {
  const { from, where } = joinFrom(s.join, alias, ctx);
  const conditions = s.plan.where === undefined ? where : [...where, compileCondition(s.plan.where, from.alias, ctx)];
  const over = (fn: Extract<Selection, { kind: 'aggregate' }>['fn']): string => `(select ${selectionValue({ ...inner, fn }, from.alias, ctx)} from ${from} where ${conditions.join(' and ')})`;
  switch (inner.fn) {
    case 'count':
      return `sum(${over('count')})::int8`;
    case 'sum':
      return `sum(${over('sum')})`;
    case 'avg':
      return `(sum(${over('sum')}) / nullif(sum(${over('count')}), 0))`;
    default:
      return `${inner.fn}(${over(inner.fn)})`;
  }
}

function selectionValue(selection: Exclude<Selection, { kind: 'spread' }>, alias: string, ctx: Context): string {
  switch (selection.kind) {
    case 'column': {
      const value = columnExpression(alias, selection, ctx);
      return renderValue(selection.cast === undefined ? value : `${value}::${sqlType(selection.cast)}`, selection.type, ctx.options);
    }
    case 'aggregate': {
      const column = selection.column;
      let argument = '*';
      if (column !== undefined) {
        const value = columnExpression(alias, column, ctx);
        argument = column.cast === undefined ? value : `${value}::${sqlType(column.cast)}`;
      }
      const call = `${selection.fn}(${argument})`;
      if (selection.cast !== undefined) return renderValue(`${call}::${sqlType(selection.cast)}`, selection.cast, ctx.options);
      const input = column === undefined ? INT8 : (column.cast ?? column.type);
      const type = selection.fn === 'count' ? INT8 : aggregateResultType(selection.fn, input);
      return renderValue(call, type, ctx.options);
    }
    case 'key':
      return `${alias}.${quoteIdentifier(selection.column)}::text`;
    case 'literal':
      return textLiteral(selection.value, ctx);
    case 'computed':
      return renderValue(`${qualified(selection.fn)}(${[`${alias}.*`, ...(selection.args === undefined || selection.args.length === 0 ? [] : [functionArgumentList(selection.args, ctx)])].join(', ')})`, selection.type, ctx.options);
    case 'relation': {
      const { from, where } = joinFrom(selection.join, alias, ctx);
      return selection.cardinality === 'one'
        ? rowObjectQuery(selection.plan, ctx, from.toString(), from.alias, where)
        : rowsArrayFrom(selection.plan, ctx, from.toString(), from.alias, where);
    }
    case 'relation_aggregate': {
      const { from, where } = joinFrom(selection.join, alias, ctx);
      return `(${aggregateQuery(selection.plan, ctx, from, where, 'v')})`;
    }
    case 'object':
      return rowObject(selection.selection, alias, ctx);
    case 'aggregates':
      // over the rows of the group (a grouped read: hasAggregates)
      return buildObject(selection.aggregates.map((a) => [a.key, aggregateValue(a, (column) => `${alias}.${quoteIdentifier(column)}`, ctx)] as const), ctx);
  }
}

/**
 * `select <aggregate object> as <column> from (<the rows>)`: the aggregates are computed over
 * an inner query of the rows with where/order/limit applied (as Hasura does: `limit` bounds
 * what is counted).
 */
function aggregateQuery(
  plan: AggregatePlan,
  ctx: Context,
  join: { toString(): string; alias: string } | undefined,
  tie: readonly string[],
  column: string,
): string {
  const alias = join?.alias ?? ctx.aliases.next();
  const from = join === undefined ? `${sourceFrom(plan.rows, ctx)} as ${alias}` : join.toString();
  const x = ctx.aliases.next('x');
  // every column an aggregate reads is carried out of the inner query under a short name
  const carried = new Map<string, string>();
  const carry = (column: string): string => {
    let name = carried.get(column);
    if (name === undefined) {
      name = quoteIdentifier(`a${carried.size}`);
      carried.set(column, name);
    }
    return `${x}.${name}`;
  };
  const parts = plan.outputs.map((output): readonly [string, string] => {
    switch (output.kind) {
      case 'aggregate':
        return [output.key, buildObject(output.aggregates.map((a) => [a.key, aggregateValue(a, carry, ctx)] as const), ctx)];
      case 'nodes':
        return [output.key, `coalesce(json_agg(${x}.r), '[]'::json)`];
      case 'literal':
        return [output.key, textLiteral(output.value, ctx)];
    }
  });
  const outer = buildObject(parts, ctx);
  const extra = [...carried.entries()].map(([column, name]) => `${alias}.${quoteIdentifier(column)} as ${name}`);
  return `select ${outer} as ${column} from (${rowsQuery(plan.rows, ctx, from, alias, tie, extra)}) as ${x}`;
}

function aggregateValue(a: AggregateSelection, carry: (column: string) => string, ctx: Context): string {
  if (a.kind === 'literal') return textLiteral(a.value, ctx);
  if (a.kind === 'count') {
    const columns = a.columns ?? [];
    const distinct = a.distinct ? 'distinct ' : '';
    if (columns.length === 0) return 'count(*)';
    const value = columns.length === 1 ? carry(columns[0] as string) : `row(${columns.map(carry).join(', ')})`;
    return `count(${distinct}${value})`;
  }
  return buildObject(
    a.columns.map((c) => [c.key, c.kind === 'literal' ? textLiteral(c.value, ctx) : renderValue(`${a.fn}(${carry(c.column)})`, shownType(a.fn, c.type), ctx.options)] as const),
    ctx,
  );
}

/** A constant text (`__typename`), as a parameter. */
export function textLiteral(value: string, ctx: Context): string {
  return ctx.params.add(value, { kind: 'scalar', schema: 'pg_catalog', name: 'text' });
}

/**
 * The type an aggregate's answer shows (Hasura's): sum, max and min that of the column — the
 * sum of an integer column is a JSON number, even though PostgreSQL's sum of it is a bigint —
 * the others PostgreSQL's result type.
 */
function shownType(fn: Exclude<AggregateFunction, 'count'>, column: TypeRef): TypeRef {
  return fn === 'sum' || fn === 'max' || fn === 'min' ? column : aggregateResultType(fn, column);
}

const EXACT = new Set(['int8', 'numeric']);

/**
 * A value as the JSON answer shows it: PostGIS geometry and geography as GeoJSON; int8 and
 * numeric (and arrays of them) as text when `exactNumbersAsStrings`, so JSON keeps every digit.
 */
export function renderValue(expression: string, type: TypeRef, options: CompileOptions): string {
  if (type.kind === 'scalar' && isGeometry(type)) {
    // ST_AsGeoJSON of the schema PostGIS lives in: no dependency on the search_path
    return `${quoteQualified(type.schema, 'st_asgeojson')}(${expression})::json`;
  }
  if (type.kind === 'array' && type.element.kind === 'scalar' && isGeometry(type.element)) {
    const g = quoteIdentifier('g');
    return `(select json_agg(${quoteQualified(type.element.schema, 'st_asgeojson')}(${g})::json) from unnest(${expression}) as ${g})`;
  }
  if (!options.exactNumbersAsStrings) return expression;
  const stringified = (name: string): boolean => EXACT.has(name) || (options.floatsAsStrings === true && name === 'float8');
  if (type.kind === 'scalar' && type.schema === 'pg_catalog' && stringified(type.name)) return `${expression}::text`;
  if (type.kind === 'array' && type.element.kind === 'scalar' && type.element.schema === 'pg_catalog' && stringified(type.element.name)) {
    return `${expression}::text[]`;
  }
  return expression;
}

/** PostGIS's geometry and geography types (wherever the extension is installed). */
export function isGeometry(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.schema !== 'pg_catalog' && (type.name === 'geometry' || type.name === 'geography');
}

/**
 * `json_build_object(k1, v1, …)` with the keys as parameters. json_build_object takes at most
 * 100 arguments, so wider objects are built in chunks and merged as jsonb.
 */
export function buildObject(pairs: readonly (readonly [string, string])[], ctx: Context): string {
  const TEXT: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'text' };
  const chunk = (list: readonly (readonly [string, string])[]): string =>
    `json_build_object(${list.map(([key, value]) => `${ctx.params.add(key, TEXT)}, ${value}`).join(', ')})`;
  if (pairs.length <= 50) return chunk(pairs);
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) chunks.push(`${chunk(pairs.slice(i, i + 50))}::jsonb`);
  return `(${chunks.join(' || ')})::json`;
}

