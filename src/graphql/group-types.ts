import {
  GraphQLList,
  GraphQLNonNull,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import type { Column, Entity, TypeRef } from '../model/index.js';
import type { AggregateFunction } from '../plan/index.js';
import type { GraphqlContext } from './context.js';
import type { FieldMeta } from './meta.js';
import { HasuraInt, isComparable, isNumeric, isOrdered } from './scalars.js';
import { listOf, nonNullIf, type SchemaBuilder } from './schema-builder.js';

/**
 * GROUP BY in GraphQL, in Hasura v2's words (issue 14, item 11). Per table `t`:
 *
 *     t_groups(group_by: [t_select_column!]!, where: t_bool_exp, having: t_group_bool_exp,
 *              order_by: [t_group_order_by!], limit: Int, offset: Int): [t_group!]!
 *     type t_group { keys: t_group_keys!  aggregate: t_aggregate_fields! }
 *
 * `aggregate` is `t_aggregate`'s own `t_aggregate_fields` (a fragment on it serves both); the
 * order of groups reuses `t_aggregate_order_by`, `having`'s count `t_aggregate_bool_exp_count`.
 * This module makes the types; group-plan.ts reads a request of them into a grouped ReadPlan.
 * Every name made here comes from `groupNames`, so a naming convention changes them in one place.
 */

/** The GraphQL names of a table's grouping types, in the schema's naming convention (`film_groups` | `filmGroups`). */
export function groupNames(builder: SchemaBuilder, entity: Entity) {
  const type = (suffix: string): string => builder.entityType(entity, suffix);
  // each name made when asked: at start-up only the root field and the names it must not
  // clash with are (groupTypeNames), for every table of the schema
  return {
    get field() {
      return builder.rootField(entity, undefined, 'groups');
    },
    get group() {
      return type('group');
    },
    get keys() {
      return type('group_keys');
    },
    get having() {
      return type('group_bool_exp');
    },
    /** the columns of `sum`, `avg`…, `max`/`min` in `having`, by how their aggregate compares (HavingKind) */
    havingColumns: (kind: HavingKind) => type(`group_${kind}_bool_exp`),
    get orderBy() {
      return type('group_order_by');
    },
    get keysOrderBy() {
      return type('group_keys_order_by');
    },
    /** the names a table called `film_group_numeric`… would also take */
    get kinds() {
      return (['numeric', 'float', 'ordered'] as const).map((kind) => type(`group_${kind}`));
    },
  };
}

const NUMERIC_FUNCTIONS = ['avg', 'stddev', 'stddev_pop', 'stddev_samp', 'sum', 'var_pop', 'var_samp', 'variance'] as const;
const ORDERED_FUNCTIONS = ['max', 'min'] as const;
const FLOAT8: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'float8' };

/**
 * The functions of `having` share three input types per table rather than one each (every
 * type is made again per table, and introspection lists them all): `numeric` — sum, of a
 * numeric column, compared as the column's type; `float` — avg and the deviations and
 * variances, compared as Float (Hasura's types for their answers); `ordered` — max and min of
 * an orderable column, compared as the column's type.
 */
type HavingKind = 'numeric' | 'float' | 'ordered';

function havingKind(fn: Exclude<AggregateFunction, 'count'>): HavingKind {
  if (fn === 'sum') return 'numeric';
  return fn === 'max' || fn === 'min' ? 'ordered' : 'float';
}

/** The resolvers the fields need (they live in resolvers.ts, which imports the planning of these types). */
export interface GroupResolvers {
  readonly byResponseKey: GraphQLFieldResolver<unknown, GraphqlContext>;
  readonly root: GraphQLFieldResolver<unknown, GraphqlContext>;
}

/**
 * The columns a table can be grouped by: PostgreSQL must be able to compare their values for
 * equality (not json, xml, point), and their value must be a scalar GraphQL shows as it is.
 */
export function groupableColumns(builder: SchemaBuilder, entity: Entity): Column[] {
  return builder.columns(entity).filter((c) => isComparable(c.type) && !isComposite(c.type));
}

function isComposite(type: TypeRef): boolean {
  return type.kind === 'composite' || (type.kind === 'array' && isComposite(type.element));
}

/**
 * The names the grouping types of `table` would take, which must not be taken already: a table
 * called `film_group` (or `film_group_keys`, `film_group_sum`…) makes types of those names.
 */
export function groupTypeNames(builder: SchemaBuilder, entity: Entity): { readonly field: string; readonly all: readonly string[] } {
  const names = groupNames(builder, entity);
  const field = names.field;
  return { field, all: [field, names.group, names.keys, ...names.kinds] };
}

/** The root field `<t>_groups`, or undefined when the table has no column to group by. */
export function groupsRootField(builder: SchemaBuilder, entity: Entity, resolvers: GroupResolvers): (() => GraphQLFieldConfig<unknown, GraphqlContext>) | undefined {
  if (groupableColumns(builder, entity).length === 0) return undefined;
  return () => ({
    type: listOf(groupType(builder, entity, resolvers)),
    args: {
      [builder.naming.field('group_by')]: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(builder.selectColumnEnum(entity)))), description: 'the columns whose values make a group (GROUP BY)' },
      having: { type: havingType(builder, entity), description: 'which groups to keep, by their aggregates (HAVING)' },
      limit: { type: HasuraInt, description: 'limit the number of groups returned' },
      offset: { type: HasuraInt, description: 'skip the first n groups. Use only with order_by' },
      [builder.naming.field('order_by')]: { type: new GraphQLList(new GraphQLNonNull(orderByType(builder, entity))), description: 'sort the groups by their keys or aggregates' },
      where: { type: builder.boolExpType(entity), description: 'filter the rows before they are grouped' },
    },
    resolve: resolvers.root,
    description: `fetch groups of rows of the table: "${entity.schema}.${entity.dbName}", with aggregates per group`,
    extensions: { pgduetRoot: { kind: 'select_groups', entity } },
  });
}

function field(type: GraphQLFieldConfig<unknown, GraphqlContext>['type'], meta: FieldMeta, resolvers: GroupResolvers, description?: string): GraphQLFieldConfig<unknown, GraphqlContext> {
  return { type, resolve: resolvers.byResponseKey, extensions: { pgduet: meta }, ...(description === undefined ? {} : { description }) };
}

/** `<t>_group { keys aggregate }` */
function groupType(builder: SchemaBuilder, entity: Entity, resolvers: GroupResolvers): GraphQLObjectType {
  const t = builder.typeName(entity);
  const names = groupNames(builder, entity);
  return builder.object(names.group, () => ({
    description: `a group of rows of "${t}": the values of its grouping columns and aggregates over its rows`,
    fields: () => ({
      aggregate: field(new GraphQLNonNull(builder.aggregateFieldsType(entity)), { kind: 'aggregate_fields' }, resolvers, 'aggregates over the rows of the group'),
      keys: field(new GraphQLNonNull(keysType(builder, entity, resolvers)), { kind: 'group_keys' }, resolvers, 'the values of the columns of group_by (the others may not be asked)'),
    }),
  }));
}

/**
 * `<t>_group_keys`: a field per groupable column, and per object relationship that joins on
 * groupable columns (`language`, when the group is one of `language_id`): the related row is
 * then the same for every row of the group.
 */
function keysType(builder: SchemaBuilder, entity: Entity, resolvers: GroupResolvers): GraphQLObjectType {
  const t = builder.typeName(entity);
  return builder.object(groupNames(builder, entity).keys, () => ({
    description: `the grouping columns of a group of "${t}"`,
    fields: () => {
      const columns = groupableColumns(builder, entity);
      const fields = Object.fromEntries(columns.map((c) => [c.name, field(nonNullIf(builder.columnOutputType(c), !c.nullable), { kind: 'column', column: c }, resolvers, c.description)]));
      for (const { relation, target } of keyRelations(builder, entity)) {
        fields[relation.name] = field(builder.objectType(target), { kind: 'relation', source: entity, relation, target }, resolvers, `the "${relation.name}" of the group: group by ${relation.mapping.map((p) => columns.find((c) => c.dbName === p.from)?.name ?? p.from).join(', ')}`);
      }
      return fields;
    },
  }));
}

/** The object relationships a group's keys may show: those that join on groupable columns only. */
export function keyRelations(builder: SchemaBuilder, entity: Entity): ReturnType<SchemaBuilder['relations']> {
  const groupable = new Set(groupableColumns(builder, entity).map((c) => c.dbName));
  return builder.relations(entity).filter(({ relation }) => relation.type === 'object' && relation.through === undefined && relation.mapping.every((p) => groupable.has(p.from)));
}

/** `<t>_group_order_by { keys: {<column>: order_by}, aggregate: <t>_aggregate_order_by }`: one key per object, as every order_by */
function orderByType(builder: SchemaBuilder, entity: Entity): GraphQLInputObjectType {
  const t = builder.typeName(entity);
  const names = groupNames(builder, entity);
  return builder.input(names.orderBy, () => ({
    description: `Ordering options of groups of "${t}": by a grouping column or by an aggregate.`,
    fields: () => ({
      aggregate: { type: builder.aggregateOrderByType(entity) },
      keys: {
        type: builder.input(names.keysOrderBy, () => ({
          fields: () => Object.fromEntries(groupableColumns(builder, entity).map((c) => [c.name, { type: builder.orderByEnum() }])),
        })),
      },
    }),
  }));
}

/**
 * `<t>_group_bool_exp`: `_and _or _not`; `count` as in Hasura's aggregate predicates
 * (`{arguments, distinct, filter, predicate}`); `sum avg max min stddev…: {<column>: <comparison>}`.
 */
function havingType(builder: SchemaBuilder, entity: Entity): GraphQLInputObjectType {
  const t = builder.typeName(entity);
  const names = groupNames(builder, entity);
  return builder.input(names.having, () => ({
    description: `Boolean expression over the aggregates of a group of "${t}" (HAVING). All fields are combined with a logical 'AND'.`,
    fields: () => {
      const self = havingType(builder, entity);
      const count = builder.aggregateBoolExpType(entity).getFields()['count']?.type;
      const fields: GraphQLInputFieldConfigMap = {
        _and: { type: new GraphQLList(new GraphQLNonNull(self)) },
        _not: { type: self },
        _or: { type: new GraphQLList(new GraphQLNonNull(self)) },
        ...(count === undefined ? {} : { count: { type: count } }),
      };
      const numeric = builder.columns(entity).filter((c) => isNumeric(c.type));
      const ordered = builder.columns(entity).filter((c) => isOrdered(c.type));
      for (const fn of [...NUMERIC_FUNCTIONS, ...ORDERED_FUNCTIONS]) {
        const kind = havingKind(fn);
        const columns = kind === 'ordered' ? ordered : numeric;
        if (columns.length === 0) continue;
        fields[builder.naming.field(fn)] = {
          type: builder.input(names.havingColumns(kind), () => ({
            description: `${kind === 'float' ? 'avg, stddev, variance… (compared as Float)' : kind === 'ordered' ? 'max and min' : 'sum'} of columns of "${t}"`,
            fields: () => Object.fromEntries(columns.map((c) => [c.name, { type: resultComparison(builder, kind, c) }])),
          })),
        };
      }
      return fields;
    },
  }));
}

/** What an aggregate's value is compared as: the type its answer shows (Hasura's: sum, max, min the column's; the others Float). */
function resultComparison(builder: SchemaBuilder, kind: HavingKind, column: Column): GraphQLInputType {
  return builder.comparisonType(kind === 'float' ? FLOAT8 : column.type);
}
