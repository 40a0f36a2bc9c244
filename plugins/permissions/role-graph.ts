import type { Entity, FunctionDef, TypeGraph } from '../../src/model/index.js';
import { allows, refKey, type RoleRules } from './rules.js';

/**
 * What a role sees of the graph: the tables it may select from, with the columns it may
 * select, the operations it has rules for, the relationships between tables it sees, and the
 * functions it may call whose rows it may read. Everything downstream — the GraphQL schema,
 * the REST planner, the OpenAPI document — is built from this view, so a hidden table or
 * column does not exist for the role: it cannot be selected, filtered, ordered or embedded,
 * and introspection does not show it.
 *
 * Write-only access (insert rules on a table without select rules, or insert columns the role
 * may not select) is not expressed by the view yet: such columns cannot be written either.
 */
export function roleGraph(graph: TypeGraph, rules: RoleRules): TypeGraph {
  if (rules.unrestricted) return graph;
  const entities: Entity[] = [];
  for (const entity of graph.entities) {
    const table = rules.tables.get(refKey(entity));
    const select = table?.select;
    if (table === undefined || select === undefined) continue;
    entities.push({
      ...entity,
      columns: entity.columns.filter((c) => allows(select.columns, c)),
      operations: {
        select: entity.operations.select,
        insert: entity.operations.insert && table.insert !== undefined,
        update: entity.operations.update && table.update !== undefined,
        delete: entity.operations.delete && table.delete !== undefined,
      },
    });
  }
  const visible = new Set(entities.map(refKey));
  const withRelations = entities.map((entity) => ({
    ...entity,
    relations: entity.relations.filter((r) => visible.has(refKey(r.target)) && (r.through === undefined || visible.has(refKey(r.through.junction)))),
  }));
  const functions = graph.functions.filter((fn) => rules.functions(fn) && functionVisible(fn, visible));
  return { ...graph, entities: withRelations, functions };
}

function functionVisible(fn: FunctionDef, visible: ReadonlySet<string>): boolean {
  if (fn.computedFieldOf !== undefined && !visible.has(refKey(fn.computedFieldOf))) return false;
  return fn.returns.kind !== 'entity' || visible.has(refKey(fn.returns.entity));
}
