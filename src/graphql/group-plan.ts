import { getNamedType, type FieldNode, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { invalidRequest, notSupported } from '../errors/index.js';
import { optional, type Column, type Entity } from '../model/index.js';
import { BOOL_EXP_OPERATORS, joinOf, type AggregateFunction, type CompareOperator, type Condition, type OrderItem, type ReadPlan, type Selection } from '../plan/index.js';
import { collectFields, subSelections } from './collect-fields.js';
import { groupableColumns } from './group-types.js';
import { metaOf, type FieldMeta } from './meta.js';
import { aggregateSelections, conditionOf, direction, readPlan, singleKey, type PlanContext } from './to-plan.js';

/**
 * `<t>_groups(…) { keys { … } aggregate { … } }` → a grouped ReadPlan: the Plan REST's
 * `select=rating,count()` makes, with its grouping columns said outright (`groupBy`), a
 * `having`, and orders by keys or aggregates. The chain authorizes it and sql/ compiles it as
 * it does every grouped read: nothing here knows SQL.
 */

/** The arguments of a `<t>_groups` field, as graphql-js coerced them. */
export interface GroupArgs {
  readonly group_by?: readonly string[] | null;
  readonly where?: Record<string, unknown> | null;
  readonly having?: Record<string, unknown> | null;
  readonly order_by?: readonly Record<string, unknown>[] | Record<string, unknown> | null;
  readonly limit?: number | null;
  readonly offset?: number | null;
}

/** The operators a `having` comparison may use: those with a meaning for one aggregated value. */
const HAVING_OPERATORS: ReadonlySet<CompareOperator> = new Set<CompareOperator>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'is_null', 'like', 'nlike', 'ilike', 'nilike', 'similar', 'nsimilar', 'regex', 'nregex', 'iregex', 'niregex']);

export function groupsPlan(entity: Entity, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], args: GroupArgs, ctx: PlanContext): ReadPlan {
  const builder = ctx.builder;
  const groupable = groupableColumns(builder, entity);
  const byName = (name: string, what: string): Column => {
    const column = groupable.find((c) => c.name === name);
    if (column === undefined) throw invalidRequest(`cannot ${what} "${entity.name}" by "${name}": it is no column that groups (json, xml and point values have no equality; composite columns do not group)`);
    return column;
  };
  const groupBy = [...new Set((args.group_by ?? []).map((name) => byName(name, 'group').dbName))];
  if (groupBy.length === 0) throw invalidRequest('"group_by" needs at least one column', 'for aggregates over all the rows, use the table\'s _aggregate field');
  const limit = args.limit ?? undefined;
  const offset = args.offset ?? undefined;
  if (limit !== undefined && limit < 0) throw invalidRequest('"limit" must not be negative');
  if (offset !== undefined && offset < 0) throw invalidRequest('"offset" must not be negative');
  const grouped = (name: string, what: string): Column => {
    const column = byName(name, what);
    if (!groupBy.includes(column.dbName)) throw invalidRequest(`"${name}" is not a grouping key of this "${field.name}"`, `add "${name}" to group_by`);
    return column;
  };
  const where = args.where == null ? undefined : conditionOf(entity, args.where, builder);
  const having = args.having == null ? undefined : havingCondition(entity, args.having, ctx);
  return {
    kind: 'read',
    source: { kind: 'entity', entity: { schema: entity.schema, dbName: entity.dbName } },
    selection: groupSelection(entity, getNamedType(field.type) as GraphQLObjectType, nodes, grouped, ctx),
    groupBy,
    orderBy: groupOrder(entity, args.order_by ?? [], grouped, ctx),
    ...optional('where', where),
    ...optional('having', having),
    ...optional('limit', limit),
    ...optional('offset', offset),
  };
}

/** `__typename`, `keys { <grouping columns> }` and `aggregate { … }`, each under as many aliases as asked. */
function groupSelection(entity: Entity, type: GraphQLObjectType, nodes: readonly FieldNode[], grouped: (name: string, what: string) => Column, ctx: PlanContext): Selection[] {
  const out: Selection[] = [];
  for (const [key, fieldNodes] of collectFields(ctx, type, subSelections(nodes))) {
    const name = fieldNodes[0]?.name.value ?? '';
    if (name === '__typename') {
      out.push({ kind: 'literal', key, value: type.name });
      continue;
    }
    const field = type.getFields()[name];
    const meta = field === undefined ? undefined : metaOf(field);
    if (field === undefined || meta === undefined) continue;
    const inner = getNamedType(field.type) as GraphQLObjectType;
    if (meta.kind === 'aggregate_fields') {
      out.push({ kind: 'aggregates', key, aggregates: aggregateSelections(entity, inner, fieldNodes, ctx) });
    } else if (meta.kind === 'group_keys') {
      const keys: Selection[] = [];
      for (const [columnKey, columnNodes] of collectFields(ctx, inner, subSelections(fieldNodes))) {
        const columnName = columnNodes[0]?.name.value ?? '';
        const keyField = inner.getFields()[columnName];
        const keyMeta = keyField === undefined ? undefined : metaOf(keyField);
        if (columnName === '__typename') keys.push({ kind: 'literal', key: columnKey, value: inner.name });
        else if (keyMeta?.kind === 'relation') keys.push(keyRelation(keyMeta, columnKey, columnNodes, grouped, ctx));
        else {
          const column = grouped(columnName, 'show a group of');
          keys.push({ kind: 'column', key: columnKey, column: column.dbName, type: column.type });
        }
      }
      out.push({ kind: 'object', key, selection: keys });
    }
  }
  return out;
}

/**
 * An object relationship in a group's keys: allowed when every column it joins on groups (the
 * related row is then the group's); its row shaped by the related table's own fields, columns
 * only (a relationship further on would be loaded apart from the group, by the resolvers).
 */
function keyRelation(meta: Extract<FieldMeta, { kind: 'relation' }>, key: string, nodes: readonly FieldNode[], grouped: (name: string, what: string) => Column, ctx: PlanContext): Selection {
  for (const pair of meta.relation.mapping) {
    const column = meta.source.columns.find((c) => c.dbName === pair.from);
    grouped(column?.name ?? pair.from, `show "${meta.relation.name}" of a group of`);
  }
  const plan = readPlan(meta.target, nodes, {}, ctx);
  if (plan.selection.some((s) => s.kind === 'relation' || s.kind === 'relation_aggregate')) {
    throw notSupported(`a relationship inside "${meta.relation.name}" of a group's keys`, { hint: 'ask for its columns, or ask the related rows apart' });
  }
  return { kind: 'relation', key, join: joinOf(meta.relation), cardinality: 'one', plan };
}

/**
 * A list of `<t>_group_order_by` objects, one key each (GraphQL keeps no key order in an
 * object): `[{keys: {rating: asc}}, {aggregate: {count: desc}}, {aggregate: {sum: {length: desc}}}]`.
 */
function groupOrder(entity: Entity, orderBy: readonly Record<string, unknown>[] | Record<string, unknown>, grouped: (name: string, what: string) => Column, ctx: PlanContext): OrderItem[] {
  const out: OrderItem[] = [];
  for (const item of Array.isArray(orderBy) ? orderBy : [orderBy]) {
    for (const [part, spec] of singleKey(item as Record<string, unknown>)) {
      for (const [name, value] of singleKey(spec as Record<string, unknown>)) {
        if (part === 'keys') {
          out.push({ target: { kind: 'column', column: grouped(name, 'order groups of').dbName }, ...direction(value as string) });
        } else if (name === 'count') {
          out.push({ target: { kind: 'aggregate', fn: 'count' }, ...direction(value as string) });
        } else {
          for (const [columnName, dir] of singleKey(value as Record<string, unknown>)) {
            const column = ctx.builder.columns(entity).find((c) => c.name === columnName);
            if (column === undefined) throw invalidRequest(`no column "${columnName}" in "${entity.name}"`);
            out.push({ target: { kind: 'aggregate', fn: name as AggregateFunction, column: column.dbName }, ...direction(dir as string) });
          }
        }
      }
    }
  }
  return out;
}

/** A `<t>_group_bool_exp` as a Condition whose leaves are aggregates of the group's rows. */
function havingCondition(entity: Entity, having: Readonly<Record<string, unknown>>, ctx: PlanContext): Condition {
  const conditions: Condition[] = [];
  for (const [key, value] of Object.entries(having)) {
    if (value === undefined || value === null) continue;
    switch (key) {
      case '_and':
      case '_or': {
        const list = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
        conditions.push({ kind: key === '_and' ? 'and' : 'or', conditions: list.map((one) => havingCondition(entity, one, ctx)) });
        break;
      }
      case '_not':
        conditions.push({ kind: 'not', condition: havingCondition(entity, value as Record<string, unknown>, ctx) });
        break;
      case 'count': {
        const { arguments: names, distinct, filter, predicate } = value as { arguments?: readonly string[] | null; distinct?: boolean | null; filter?: Record<string, unknown> | null; predicate?: Record<string, unknown> };
        const columns = (names ?? []).map((name) => columnOf(entity, name, ctx));
        conditions.push({
          kind: 'group_aggregate',
          fn: 'count',
          ...(columns.length > 0 ? { columns: columns.map((c) => ({ column: c.dbName, type: c.type })) } : {}),
          ...(distinct === true ? { distinct: true } : {}),
          ...(filter == null ? {} : { condition: conditionOf(entity, filter, ctx.builder) }),
          predicate: comparisons('count', predicate ?? {}),
        });
        break;
      }
      default:
        for (const [name, comparison] of Object.entries(value as Record<string, unknown>)) {
          if (comparison === undefined || comparison === null) continue;
          const column = columnOf(entity, name, ctx);
          conditions.push({ kind: 'group_aggregate', fn: key as AggregateFunction, columns: [{ column: column.dbName, type: column.type }], predicate: comparisons(`${key}.${name}`, comparison as Record<string, unknown>) });
        }
    }
  }
  return conditions.length === 1 ? (conditions[0] as Condition) : { kind: 'and', conditions };
}

function columnOf(entity: Entity, name: string, ctx: PlanContext): Column {
  const column = ctx.builder.columns(entity).find((c) => c.name === name);
  if (column === undefined) throw invalidRequest(`no column "${name}" in "${entity.name}"`);
  return column;
}

/** `{_gt: 1, _lte: 9}` as the predicate of one aggregate; an operator without a value (a variable not given) is refused. */
function comparisons(what: string, comparison: Readonly<Record<string, unknown>>): { readonly operator: CompareOperator; readonly value: unknown }[] {
  const out = Object.entries(comparison)
    .filter(([, operand]) => operand !== undefined)
    .map(([op, operand]) => {
      const operator = BOOL_EXP_OPERATORS[op];
      if (operator === undefined || !HAVING_OPERATORS.has(operator)) throw invalidRequest(`"${op}" cannot compare an aggregate (having: ${what})`);
      if (operand === null) throw invalidRequest(`"${op}" of having: ${what} cannot be null`, 'use _is_null');
      return { operator, value: operand };
    });
  if (out.length === 0) throw invalidRequest(`no operator in having: ${what} (a variable that was not given?)`);
  return out;
}
