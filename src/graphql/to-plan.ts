import { getArgumentValues, print, type FieldNode, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { invalidRequest, notSupported } from '../errors/index.js';
import { optional, type Column, type Entity, type FunctionDef, type TypeRef } from '../model/index.js';
import {
  boolExpCondition,
  functionArguments,
  joinOf,
  type AggregateColumn,
  type AggregateFunction,
  type AggregateOutput,
  type AggregatePlan,
  type AggregateSelection,
  type Condition,
  type FunctionArgumentValue,
  type JsonPathStep,
  type OrderItem,
  type OrderTarget,
  type ReadPlan,
  type Selection,
  type Source,
} from '../plan/index.js';
import { collectFields, subSelections, type CollectContext } from './collect-fields.js';
import { parseJsonPath } from './json-path.js';
import { metaOf } from './meta.js';
import type { SchemaBuilder } from './schema-builder.js';

/**
 * GraphQL arguments and selection sets → Plans. This is where Hasura's dialect (bool_exp,
 * order_by, distinct_on, aggregate fields) is read; what comes out speaks no GraphQL.
 */

/** Arguments shared by list fields: where, order_by, limit, offset, distinct_on. */
export interface SelectArgs {
  readonly where?: Record<string, unknown> | null;
  readonly order_by?: readonly Record<string, unknown>[] | Record<string, unknown> | null;
  readonly limit?: number | null;
  readonly offset?: number | null;
  readonly distinct_on?: readonly string[] | null;
}

export interface PlanContext extends CollectContext {
  readonly builder: SchemaBuilder;
  /**
   * Why PostgreSQL cannot shape this request's answer exactly as GraphQL would (renamed enum
   * labels, composite values, avg…): planning notes each reason here and goes on, so the Plan
   * is always the whole request. With any reason noted, the request is answered by resolvers
   * over the authorized Plan instead of by one statement.
   */
  readonly unshaped: string[];
}

/** Values GraphQL would serialize differently from PostgreSQL's JSON (composite subselections). */
function noteUnshaped(type: TypeRef, ctx: PlanContext, what: string): void {
  if (type.kind === 'array') return noteUnshaped(type.element, ctx, what);
  if (type.kind === 'composite') ctx.unshaped.push(`${what}: composite value`);
}

/** A ReadPlan for the rows of `entity` that `nodes` (one response key's field nodes) ask for. */
export function readPlan(entity: Entity, nodes: readonly FieldNode[], args: SelectArgs, ctx: PlanContext, source?: Source): ReadPlan {
  const type = ctx.builder.objectType(entity);
  return {
    kind: 'read',
    source: source ?? { kind: 'entity', entity: { schema: entity.schema, dbName: entity.dbName } },
    selection: selectionOf(entity, type, subSelections(nodes), ctx),
    ...listArgs(entity, args, ctx.builder),
  };
}

/** where/order_by/limit/offset/distinct_on as the optional parts of a ReadPlan. */
export function listArgs(entity: Entity, args: SelectArgs, builder: SchemaBuilder): Omit<ReadPlan, 'kind' | 'source' | 'selection'> {
  const where = args.where == null ? undefined : conditionOf(entity, args.where, builder);
  const orderBy = orderOf(entity, args.order_by ?? [], builder);
  const distinctOn = args.distinct_on ?? undefined;
  const limit = args.limit ?? undefined;
  const offset = args.offset ?? undefined;
  if (limit !== undefined && limit < 0) throw invalidRequest('"limit" must not be negative');
  if (offset !== undefined && offset < 0) throw invalidRequest('"offset" must not be negative');
  let order = orderBy;
  if (distinctOn !== undefined && distinctOn.length > 0) {
    const columns = distinctOn.map((name) => columnNamed(entity, name, builder).dbName);
    const leading = order.slice(0, columns.length).map((o) => (o.target.kind === 'column' ? o.target.column : undefined));
    if (order.length === 0) order = columns.map((column) => ({ target: { kind: 'column', column }, direction: 'asc' }));
    else if (leading.length !== columns.length || !columns.every((c) => leading.includes(c))) {
      throw invalidRequest('"distinct_on" columns must match initial "order_by" columns');
    }
    return { orderBy: order, distinctOn: columns, ...optional('where', where), ...optional('limit', limit), ...optional('offset', offset) };
  }
  return { orderBy: order, ...optional('where', where), ...optional('limit', limit), ...optional('offset', offset) };
}

/** The Selection of each response key, relationship fields as nested Plans. */
export function selectionOf(entity: Entity, type: GraphQLObjectType, selectionSets: Parameters<typeof collectFields>[2], ctx: PlanContext): Selection[] {
  const out: Selection[] = [];
  for (const [key, nodes] of collectFields(ctx, type, selectionSets)) {
    const name = nodes[0]?.name.value ?? '';
    if (name === '__typename') {
      out.push({ kind: 'literal', key, value: type.name });
      continue;
    }
    const field = type.getFields()[name];
    const meta = field === undefined ? undefined : metaOf(field);
    switch (meta?.kind) {
      case 'column': {
        noteUnshaped(meta.column.type, ctx, name);
        const path = jsonPathArgument(field, nodes, ctx);
        out.push({ kind: 'column', key, column: meta.column.dbName, type: meta.column.type, ...(path === undefined ? {} : { path }) });
        break;
      }
      case 'computed':
        if (meta.fn.returns.kind !== 'value') break;
        noteUnshaped(meta.fn.returns.type, ctx, name);
        out.push({ kind: 'computed', key, fn: meta.fn, type: meta.fn.returns.type, ...computedArgs(meta.fn, field, nodes, ctx) });
        break;
      case 'relation':
      case 'relation_aggregate':
      {
        const node = nodes[0];
        if (field === undefined || node === undefined) break;
        const args = getArgumentValues(field, node, ctx.variableValues as Record<string, unknown>) as SelectArgs;
        const join = joinOf(meta.relation);
        if (meta.kind === 'relation_aggregate') {
          out.push({ kind: 'relation_aggregate', key, join, plan: aggregatePlan(meta.target, nodes, args, ctx) });
        } else {
          const one = meta.relation.type === 'object';
          out.push({ kind: 'relation', key, join, cardinality: one ? 'one' : 'many', plan: readPlan(meta.target, nodes, one ? {} : args, ctx) });
        }
        break;
      }
      default:
        throw notSupported(`field "${name}" of "${type.name}"`);
    }
  }
  return out;
}

/**
 * An AggregatePlan for an `<x>_aggregate` field: its `aggregate { … }`, `nodes { … }` and
 * `__typename`, each under as many aliases as asked. Every `nodes` output is the same rows,
 * shaped by the fields all of them ask (graphql-js then gives each alias its own fields); one
 * statement shapes them only when they ask the same fields.
 */
export function aggregatePlan(entity: Entity, nodes: readonly FieldNode[], args: SelectArgs, ctx: PlanContext, source?: Source): AggregatePlan {
  const aggregateType = ctx.builder.aggregateType(entity);
  const fieldsType = ctx.builder.aggregateFieldsType(entity);
  const outputs: AggregateOutput[] = [];
  const nodesFields: FieldNode[][] = [];
  for (const [key, fieldNodes] of collectFields(ctx, aggregateType, subSelections(nodes))) {
    const name = fieldNodes[0]?.name.value;
    if (name === '__typename') outputs.push({ kind: 'literal', key, value: aggregateType.name });
    else if (name === 'aggregate') outputs.push({ kind: 'aggregate', key, aggregates: aggregateSelections(entity, fieldsType, fieldNodes, ctx) });
    else if (name === 'nodes') {
      outputs.push({ kind: 'nodes', key });
      nodesFields.push(fieldNodes);
    }
  }
  const allNodes = nodesFields.flat();
  if (nodesFields.length > 1) sameKeysSameFields(ctx, ctx.builder.objectType(entity), allNodes);
  const printed = new Set(nodesFields.map((list) => list.map((n) => (n.selectionSet === undefined ? '' : print(n.selectionSet))).join('|')));
  if (printed.size > 1) ctx.unshaped.push('several "nodes" asking different fields');
  return {
    kind: 'aggregate',
    rows: {
      kind: 'read',
      source: source ?? { kind: 'entity', entity: { schema: entity.schema, dbName: entity.dbName } },
      selection: allNodes.length === 0 ? [] : selectionOf(entity, ctx.builder.objectType(entity), subSelections(allNodes), ctx),
      ...listArgs(entity, args, ctx.builder),
    },
    outputs,
  };
}

/** Several `nodes` share one selection: a response key must mean the same field in each. */
function sameKeysSameFields(ctx: PlanContext, type: GraphQLObjectType, nodes: readonly FieldNode[]): void {
  for (const [key, fieldNodes] of collectFields(ctx, type, subSelections(nodes))) {
    const meanings = new Set(fieldNodes.map((n) => `${n.name.value}(${(n.arguments ?? []).map((a) => print(a)).join(',')})`));
    if (meanings.size > 1) throw notSupported(`"${key}" asks different fields in several "nodes" of one aggregate`);
  }
}

export function aggregateSelections(entity: Entity, type: GraphQLObjectType, nodes: readonly FieldNode[], ctx: PlanContext): AggregateSelection[] {
  const out: AggregateSelection[] = [];
  for (const [key, fieldNodes] of collectFields(ctx, type, subSelections(nodes))) {
    const first = fieldNodes[0];
    if (first === undefined) continue;
    if (first.name.value === '__typename') {
      out.push({ kind: 'literal', key, value: type.name });
      continue;
    }
    const field = type.getFields()[first.name.value];
    const meta = field === undefined ? undefined : metaOf(field);
    if (field === undefined || meta === undefined) continue;
    if (meta.kind === 'count') {
      const args = getArgumentValues(field, first, ctx.variableValues as Record<string, unknown>) as { columns?: string[] | null; distinct?: boolean | null };
      const columns = (args.columns ?? []).map((name) => columnNamed(entity, name, ctx.builder).dbName);
      out.push({ kind: 'count', key, distinct: args.distinct === true, ...(columns.length > 0 ? { columns } : {}) });
    } else if (meta.kind === 'aggregate_function') {
      // avg, stddev and variance are Float in GraphQL but exact numerics in PostgreSQL
      if (!['sum', 'max', 'min'].includes(meta.fn)) ctx.unshaped.push(`aggregate ${meta.fn}`);
      const columnsType = field.type as GraphQLObjectType;
      const columns = [...collectFields(ctx, columnsType, subSelections(fieldNodes))].flatMap(([columnKey, columnNodes]): AggregateColumn[] => {
        const columnName = columnNodes[0]?.name.value ?? '';
        if (columnName === '__typename') return [{ kind: 'literal', key: columnKey, value: columnsType.name }];
        const columnField = columnsType.getFields()[columnName];
        const columnMeta = columnField === undefined ? undefined : metaOf(columnField);
        return columnMeta?.kind === 'aggregate_column' ? [{ kind: 'column', key: columnKey, column: columnMeta.column.dbName, type: columnMeta.column.type }] : [];
      });
      out.push({ kind: 'function', key, fn: meta.fn, columns });
    }
  }
  return out;
}

// ---------------------------------------------------------------- where

/** A `<t>_bool_exp` value as a Condition (the reading is plan/'s, over the names GraphQL shows). */
export function conditionOf(entity: Entity, where: Record<string, unknown>, builder: SchemaBuilder): Condition {
  return boolExpCondition(entity, where, {
    columns: (e) => builder.columns(e),
    relations: (e) => builder.relations(e),
    computed: (e) => builder.filterableComputedFields(e),
    table: (schema, name) => builder.entities.find((e) => e.dbName === name && e.schema === (schema === '' ? builder.graph.schemas[0] : schema)),
  });
}

function columnNamed(entity: Entity, name: string, builder: SchemaBuilder): Column {
  const column = builder.columns(entity).find((c) => c.name === name);
  if (column === undefined) throw invalidRequest(`no column "${name}" in "${entity.name}"`);
  return column;
}

// ---------------------------------------------------------------- order_by

const DIRECTIONS: Readonly<Record<string, Pick<OrderItem, 'direction' | 'nulls'>>> = {
  asc: { direction: 'asc' },
  desc: { direction: 'desc' },
  asc_nulls_first: { direction: 'asc', nulls: 'first' },
  asc_nulls_last: { direction: 'asc', nulls: 'last' },
  desc_nulls_first: { direction: 'desc', nulls: 'first' },
  desc_nulls_last: { direction: 'desc', nulls: 'last' },
};

/**
 * A list of `<t>_order_by` objects. GraphQL hands input objects over in the schema's field
 * order, not the order they were written in, so an object may name one key only (at every
 * level); a list says the order: `[{rating: asc}, {title: desc}]`.
 */
export function orderOf(entity: Entity, orderBy: readonly Record<string, unknown>[] | Record<string, unknown>, builder: SchemaBuilder): OrderItem[] {
  const list = Array.isArray(orderBy) ? orderBy : [orderBy];
  const out: OrderItem[] = [];
  for (const item of list) {
    for (const [key, value] of singleKey(item as Record<string, unknown>)) {
      if (typeof value === 'string') {
        const computed = builder.columns(entity).some((c) => c.name === key) ? undefined : builder.filterableComputedFields(entity).find((fn) => fn.name === key);
        const target: OrderTarget = computed === undefined
          ? { kind: 'column', column: columnNamed(entity, key, builder).dbName }
          : { kind: 'column', column: computed.dbName, computed: { schema: computed.schema, dbName: computed.dbName } };
        out.push({ target, ...direction(value) });
        continue;
      }
      const relations = builder.relations(entity);
      const objectRelation = relations.find((r) => r.relation.name === key && r.relation.type === 'object');
      if (objectRelation !== undefined) {
        // the related row's own order, computed there: columns, further relationships, aggregates
        const join = joinOf(objectRelation.relation);
        for (const inner of orderOf(objectRelation.target, value as Record<string, unknown>, builder)) {
          const target: OrderTarget = inner.target.kind === 'column' && inner.target.path === undefined
            ? { kind: 'related_column', join, column: inner.target.column }
            : { kind: 'related', join, target: inner.target };
          out.push({ ...inner, target });
        }
        continue;
      }
      const arrayRelation = relations.find((r) => `${r.relation.name}_aggregate` === key && r.relation.type === 'array');
      if (arrayRelation === undefined) throw invalidRequest(`cannot order "${entity.name}" by "${key}"`);
      for (const [fn, spec] of singleKey(value as Record<string, unknown>)) {
        const join = joinOf(arrayRelation.relation);
        if (fn === 'count') {
          out.push({ target: { kind: 'related_aggregate', join, fn: 'count' }, ...direction(spec as string) });
          continue;
        }
        for (const [column, dir] of singleKey(spec as Record<string, unknown>)) {
          if (typeof dir !== 'string') continue;
          out.push({
            target: {
              kind: 'related_aggregate',
              join,
              fn: fn as AggregateFunction,
              column: columnNamed(arrayRelation.target, column, builder).dbName,
            },
            ...direction(dir),
          });
        }
      }
    }
  }
  return out;
}

/** The one set key of an order_by object (none is fine: it orders by nothing). */
export function singleKey(object: Record<string, unknown>): [string, unknown][] {
  const set = Object.entries(object).filter(([, v]) => v !== undefined && v !== null);
  if (set.length > 1) {
    throw invalidRequest(
      `an order_by object takes one key, got ${set.map(([k]) => k).join(', ')}`,
      'GraphQL does not keep the order of keys in an object: give a list, e.g. [{a: asc}, {b: desc}]',
    );
  }
  return set;
}

export function direction(value: string): Pick<OrderItem, 'direction' | 'nulls'> {
  const found = DIRECTIONS[value];
  if (found === undefined) throw invalidRequest(`unknown ordering "${value}"`);
  return found;
}

/** `{ <pk column>: { _eq: value }, … }` from a `_by_pk` field's arguments. */
export function pkWhere(entity: Entity, args: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    entity.primaryKey.map((dbName) => {
      const name = entity.columns.find((c) => c.dbName === dbName)?.name ?? dbName;
      return [name, { _eq: args[name] }];
    }),
  );
}

/** A json/jsonb column's `path: "$.a.b"` as steps into the value (none asked: undefined). */
function jsonPathArgument(field: GraphQLField<unknown, unknown> | undefined, nodes: readonly FieldNode[], ctx: PlanContext): JsonPathStep[] | undefined {
  const node = nodes[0];
  if (field === undefined || node === undefined || !field.args.some((a) => a.name === 'path')) return undefined;
  const path = getArgumentValues(field, node, ctx.variableValues as Record<string, unknown>)['path'];
  if (typeof path !== 'string') return undefined;
  const steps = parseJsonPath(path);
  return steps.length === 0 ? undefined : steps;
}

/** The `args` of a computed field, after the row: by name, defaults left out. */
function computedArgs(fn: FunctionDef, field: GraphQLField<unknown, unknown> | undefined, nodes: readonly FieldNode[], ctx: PlanContext): { args?: FunctionArgumentValue[] } {
  const node = nodes[0];
  if (fn.args.length < 2 || field === undefined || node === undefined) return {};
  const given = getArgumentValues(field, node, ctx.variableValues as Record<string, unknown>)['args'] as Record<string, unknown> | undefined;
  return { args: functionArguments({ ...fn, args: fn.args.slice(1) }, given ?? {}) };
}
