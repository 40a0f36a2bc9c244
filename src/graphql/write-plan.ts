import { getNamedType, type FieldNode, type GraphQLObjectType, type GraphQLOutputType } from 'graphql';
import { invalidRequest, notSupported } from '../errors/index.js';
import { findEntity, type Entity, type TypeGraph } from '../model/index.js';
import { nestInsert, type Assignment, type Condition, type DeletePlan, type InsertPlan, type InsertRow, type OnConflict, type Returning, type UpdatePlan } from '../plan/index.js';
import { collectFields, subSelections } from './collect-fields.js';
import { metaOf } from './meta.js';
import type { GraphqlNaming } from './naming.js';
import { conditionOf, selectionOf, type PlanContext } from './to-plan.js';

/**
 * Mutation root fields: GraphQL arguments → InsertPlan / UpdatePlan / DeletePlan. Pure
 * planning; what runs them is graphql/answer-operation.ts.
 */

type Args = Readonly<Record<string, unknown>>;


/**
 * What the mutation gives back. `single`: the field returns the row itself (`_one`,
 * `_by_pk`); else a `<t>_mutation_response` with affected_rows and returning.
 */
function returningOf(entity: Entity, nodes: readonly FieldNode[], returnType: GraphQLOutputType, plans: PlanContext, single: boolean): Returning {
  const objectType = plans.builder.objectType(entity);
  if (single) return { selection: selectionOf(entity, objectType, subSelections(nodes), plans), single: true };
  // `<t>_mutation_response`, also inside update_many's list
  const responseType = getNamedType(returnType) as GraphQLObjectType;
  let affectedRowsKey: string | undefined;
  let returningKey: string | undefined;
  let returningNodes: FieldNode[] = [];
  const literals: { key: string; value: string }[] = [];
  for (const [key, fieldNodes] of collectFields(plans, responseType, subSelections(nodes))) {
    if (fieldNodes[0]?.name.value === '__typename') {
      literals.push({ key, value: responseType.name });
      continue;
    }
    const field = responseType.getFields()[fieldNodes[0]?.name.value ?? ''];
    const meta = field === undefined ? undefined : metaOf(field);
    if (meta?.kind === 'affected_rows') affectedRowsKey = key;
    if (meta?.kind === 'returning') {
      if (returningKey !== undefined) throw notSupported('more than one "returning" field in one mutation');
      returningKey = key;
      returningNodes = fieldNodes;
    }
  }
  return {
    selection: returningKey === undefined ? [] : selectionOf(entity, objectType, subSelections(returningNodes), plans),
    ...(affectedRowsKey === undefined ? {} : { affectedRowsKey }),
    ...(returningKey === undefined ? {} : { returningKey }),
    ...(literals.length === 0 ? {} : { literals }),
  };
}

/** A mutation root field: which write, on which table. */
export interface WriteRoot {
  readonly kind: 'insert' | 'insert_one' | 'update' | 'update_by_pk' | 'delete' | 'delete_by_pk';
  readonly entity: Entity;
}

/** The Plan of one mutation root field (update_many makes one per update). */
export function writePlan(root: WriteRoot, args: Args, nodes: readonly FieldNode[], returnType: GraphQLOutputType, plans: PlanContext, graph: TypeGraph): InsertPlan | UpdatePlan | DeletePlan {
  const { entity, kind } = root;
  const ref = { schema: entity.schema, dbName: entity.dbName };
  const single = kind === 'insert_one' || kind === 'update_by_pk' || kind === 'delete_by_pk';
  const returning = returningOf(entity, nodes, returnType, plans, single);
  switch (kind) {
    case 'insert':
    case 'insert_one': {
      const objects = (kind === 'insert_one' ? [args['object']] : (args['objects'] as unknown[])) as Args[];
      return {
        kind: 'insert',
        entity: ref,
        rows: objects.map((object) => insertRow(entity, object, graph, plans.builder)),
        ...onConflictOf(entity, args[plans.builder.naming.field('on_conflict')] as Args | null | undefined, plans.builder),
        returning,
      };
    }
    case 'update':
    case 'update_by_pk':
      return {
        kind: 'update',
        entity: ref,
        assignments: assignmentsOf(entity, args, plans.builder.naming),
        where: kind === 'update_by_pk' ? pkCondition(entity, args[plans.builder.naming.field('pk_columns')] as Args) : conditionOf(entity, args['where'] as Args, plans.builder),
        returning,
      };
    case 'delete':
    case 'delete_by_pk':
      return {
        kind: 'delete',
        entity: ref,
        where: kind === 'delete_by_pk' ? pkCondition(entity, args) : conditionOf(entity, args['where'] as Args, plans.builder),
        returning,
      };
  }
}

/** One `<t>_insert_input` object: its columns, and nested rows of its relationships. */
function insertRow(entity: Entity, object: Args, graph: TypeGraph, builder: PlanContext['builder']): InsertRow {
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
    const target = relation === undefined ? undefined : findEntity(graph, relation.target);
    if (relation === undefined || target === undefined) throw invalidRequest(`no column or relationship "${key}" in "${entity.name}"`);
    // a null relationship inserts nothing
    if (value === null) continue;
    const data = (value as Args)['data'];
    const rows = relation.type === 'object' ? [data as Args] : (data as Args[]);
    const { onConflict } = onConflictOf(target, (value as Args)[builder.naming.field('on_conflict')] as Args | null | undefined, builder);
    nestInsert(relation, rows.map((row) => insertRow(target, row, graph, builder)), { parents, children }, onConflict);
  }
  return { values, ...(parents.length > 0 ? { parents } : {}), ...(children.length > 0 ? { children } : {}) };
}

function onConflictOf(entity: Entity, onConflict: Args | null | undefined, builder: PlanContext['builder']): { onConflict?: OnConflict } {
  if (onConflict === null || onConflict === undefined) return {};
  const constraint = onConflict['constraint'] as string;
  const updateColumns = (onConflict[builder.naming.field('update_columns')] as string[] | undefined) ?? [];
  const where = onConflict['where'] as Args | null | undefined;
  if (updateColumns.length === 0) return { onConflict: { action: 'ignore', constraint } };
  return {
    onConflict: {
      action: 'update',
      constraint,
      updateColumns,
      ...(where === null || where === undefined ? {} : { where: conditionOf(entity, where, builder) }),
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

/** The assignments of `_set`, `_inc`, `_append`… in that order (`_deleteKey`… in graphql-default). */
function assignmentsOf(entity: Entity, args: Args, naming: GraphqlNaming): Assignment[] {
  const out: Assignment[] = [];
  for (const [operator, op] of Object.entries(OPERATORS)) {
    const arg = naming.field(operator);
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
  if (out.length === 0) throw invalidRequest(`at least one of ${Object.keys(OPERATORS).map((o) => naming.field(o)).join(', ')} is expected`);
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

/** `update_<t>_many`: one UpdatePlan per entry of `updates`, run in order. */
export function updateManyPlans(entity: Entity, args: Args, nodes: readonly FieldNode[], returnType: GraphQLOutputType, plans: PlanContext, graph: TypeGraph): UpdatePlan[] {
  return (args['updates'] as Args[]).map((update) => writePlan({ kind: 'update', entity }, update, nodes, returnType, plans, graph) as UpdatePlan);
}
