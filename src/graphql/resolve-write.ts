import { getNamedType, type FieldNode, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { invalidRequest, notSupported } from '../errors/index.js';
import { findEntity, type Entity } from '../model/index.js';
import { joinOf, type Assignment, type Condition, type InsertRow, type OnConflict, type Returning } from '../plan/index.js';
import { collectFields, subSelections } from './collect-fields.js';
import type { GraphqlContext } from './context.js';
import { metaOf } from './meta.js';
import { guarded } from './resolve-read.js';
import { conditionOf, selectionOf, type PlanContext } from './to-plan.js';

/**
 * Resolvers of mutations: GraphQL arguments → InsertPlan / UpdatePlan / DeletePlan. They run
 * inside the request's transaction (see useMutationTransaction); relationship fields of
 * `returning` are then loaded in that same transaction, so they see what was just written.
 */

type Args = Readonly<Record<string, unknown>>;

function planContext(ctx: GraphqlContext, info: GraphQLResolveInfo): PlanContext {
  return { builder: ctx.builder, fragments: info.fragments, variableValues: info.variableValues };
}

/**
 * What the mutation gives back. `single`: the field returns the row itself (`_one`,
 * `_by_pk`); else a `<t>_mutation_response` with affected_rows and returning.
 */
function returningOf(entity: Entity, info: GraphQLResolveInfo, ctx: GraphqlContext, single: boolean): Returning {
  const plans = planContext(ctx, info);
  const objectType = ctx.builder.objectType(entity);
  if (single) return { selection: selectionOf(entity, objectType, subSelections(info.fieldNodes), plans), single: true };
  // `<t>_mutation_response`, also inside update_many's list
  const responseType = getNamedType(info.returnType) as GraphQLObjectType;
  let affectedRowsKey: string | undefined;
  let returningKey: string | undefined;
  let returningNodes: FieldNode[] = [];
  for (const [key, nodes] of collectFields(plans, responseType, subSelections(info.fieldNodes))) {
    const field = responseType.getFields()[nodes[0]?.name.value ?? ''];
    const meta = field === undefined ? undefined : metaOf(field);
    if (meta?.kind === 'affected_rows') affectedRowsKey = key;
    if (meta?.kind === 'returning') {
      if (returningKey !== undefined) throw notSupported('more than one "returning" field in one mutation');
      returningKey = key;
      returningNodes = nodes;
    }
  }
  return {
    selection: returningKey === undefined ? [] : selectionOf(entity, objectType, subSelections(returningNodes), plans),
    ...(affectedRowsKey === undefined ? {} : { affectedRowsKey }),
    ...(returningKey === undefined ? {} : { returningKey }),
  };
}

export function insertResolver(entity: Entity, single: boolean): GraphQLFieldResolver<unknown, GraphqlContext, Args> {
  return guarded(async (_source, args: Args, ctx, info) => {
    const objects = (single ? [args['object']] : (args['objects'] as unknown[])) as Args[];
    return ctx.run({
      kind: 'insert',
      entity: { schema: entity.schema, dbName: entity.dbName },
      rows: objects.map((object) => insertRow(entity, object, ctx)),
      ...onConflictOf(entity, args['on_conflict'] as Args | null | undefined, ctx),
      returning: returningOf(entity, info, ctx, single),
    });
  });
}

/** One `<t>_insert_input` object: its columns, and nested rows of its relationships. */
function insertRow(entity: Entity, object: Args, ctx: GraphqlContext): InsertRow {
  const values: InsertRow['values'][number][] = [];
  const parents: NonNullable<InsertRow['parents']>[number][] = [];
  const children: NonNullable<InsertRow['children']>[number][] = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    const column = entity.columns.find((c) => c.name === key);
    if (column !== undefined) {
      values.push({ column: column.dbName, type: column.type, value });
      continue;
    }
    const relation = entity.relations.find((r) => r.name === key);
    const target = relation === undefined ? undefined : findEntity(ctx.graph, relation.target);
    if (relation === undefined || target === undefined) throw invalidRequest(`no column or relationship "${key}" in "${entity.name}"`);
    // a null relationship inserts nothing
    if (value === null) continue;
    const data = (value as Args)['data'];
    // the side that holds the foreign key is inserted second: a parent when this row holds
    // it (many-to-one), a child otherwise (one-to-many, and the far side of a one-to-one)
    if (relation.type === 'object' && relation.foreignKeyOn === 'source') {
      parents.push({ join: joinOf(relation), entity: relation.target, row: insertRow(target, data as Args, ctx) });
    } else {
      const rows = relation.type === 'object' ? [data as Args] : (data as Args[]);
      children.push({ join: joinOf(relation), entity: relation.target, rows: rows.map((row) => insertRow(target, row, ctx)) });
    }
  }
  return { values, ...(parents.length > 0 ? { parents } : {}), ...(children.length > 0 ? { children } : {}) };
}

function onConflictOf(entity: Entity, onConflict: Args | null | undefined, ctx: GraphqlContext): { onConflict?: OnConflict } {
  if (onConflict === null || onConflict === undefined) return {};
  const constraint = onConflict['constraint'] as string;
  const updateColumns = (onConflict['update_columns'] as string[] | undefined) ?? [];
  const where = onConflict['where'] as Args | null | undefined;
  if (updateColumns.length === 0) return { onConflict: { action: 'ignore', constraint } };
  return {
    onConflict: {
      action: 'update',
      constraint,
      updateColumns,
      ...(where === null || where === undefined ? {} : { where: conditionOf(entity, where, ctx.builder) }),
    },
  };
}

const OPERATORS = {
  _set: 'set',
  _inc: 'inc',
  _append: 'append',
  _prepend: 'prepend',
  _delete_key: 'delete_key',
  _delete_elem: 'delete_elem',
  _delete_at_path: 'delete_at_path',
} as const;

/** The assignments of `_set`, `_inc`, `_append`… in that order. */
function assignmentsOf(entity: Entity, args: Args): Assignment[] {
  const out: Assignment[] = [];
  for (const [arg, op] of Object.entries(OPERATORS)) {
    const values = args[arg] as Args | null | undefined;
    if (values === null || values === undefined) continue;
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const column = entity.columns.find((c) => c.name === key);
      if (column === undefined) throw invalidRequest(`no column "${key}" in "${entity.name}"`);
      if (value === null && op !== 'set') throw invalidRequest(`"${arg}" of "${key}" cannot be null`);
      out.push({ op, column: column.dbName, type: column.type, value } as Assignment);
    }
  }
  if (out.length === 0) throw invalidRequest('at least one of _set, _inc, _append, _prepend, _delete_key, _delete_elem, _delete_at_path is expected');
  return out;
}

function pkCondition(entity: Entity, values: Args): Condition {
  return {
    kind: 'and',
    conditions: entity.primaryKey.map((dbName) => {
      const column = entity.columns.find((c) => c.dbName === dbName);
      if (column === undefined) throw notSupported(`the primary key column ${dbName} is not exposed`);
      return { kind: 'compare' as const, column: { column: dbName, type: column.type }, operator: 'eq' as const, value: values[column.name] };
    }),
  };
}

export function updateResolver(entity: Entity, byPk: boolean): GraphQLFieldResolver<unknown, GraphqlContext, Args> {
  return guarded(async (_source, args: Args, ctx, info) =>
    ctx.run({
      kind: 'update',
      entity: { schema: entity.schema, dbName: entity.dbName },
      assignments: assignmentsOf(entity, args),
      where: byPk ? pkCondition(entity, args['pk_columns'] as Args) : conditionOf(entity, args['where'] as Args, ctx.builder),
      returning: returningOf(entity, info, ctx, byPk),
    }),
  );
}

export function updateManyResolver(entity: Entity): GraphQLFieldResolver<unknown, GraphqlContext, Args> {
  return guarded(async (_source, args: Args, ctx, info) => {
    const results: unknown[] = [];
    // one after the other, in the request's transaction: a later update sees the earlier ones
    for (const update of args['updates'] as Args[]) {
      results.push(
        await ctx.run({
          kind: 'update',
          entity: { schema: entity.schema, dbName: entity.dbName },
          assignments: assignmentsOf(entity, update),
          where: conditionOf(entity, update['where'] as Args, ctx.builder),
          returning: returningOf(entity, info, ctx, false),
        }),
      );
    }
    return results;
  });
}

export function deleteResolver(entity: Entity, byPk: boolean): GraphQLFieldResolver<unknown, GraphqlContext, Args> {
  return guarded(async (_source, args: Args, ctx, info) =>
    ctx.run({
      kind: 'delete',
      entity: { schema: entity.schema, dbName: entity.dbName },
      where: byPk ? pkCondition(entity, args) : conditionOf(entity, args['where'] as Args, ctx.builder),
      returning: returningOf(entity, info, ctx, byPk),
    }),
  );
}
