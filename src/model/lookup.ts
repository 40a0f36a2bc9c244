import type { DbRef, Entity, FunctionDef, TypeGraph } from './type-graph.js';

/** The entity a DbRef points at (relations and functions refer to entities this way). */
export function findEntity(graph: TypeGraph, ref: DbRef): Entity | undefined {
  return entityIndex(graph).get(entityKeyOf(ref));
}

/** Entities by schema and name, per graph: the GraphQL schema looks up every relationship's target (20,000 at 10,000 tables). */
const entityIndexes = new WeakMap<TypeGraph, Map<string, Entity>>();

const entityKeyOf = (ref: DbRef): string => `${ref.schema}\u0000${ref.dbName}`;

function entityIndex(graph: TypeGraph): Map<string, Entity> {
  let index = entityIndexes.get(graph);
  if (index === undefined) {
    index = new Map();
    // the first of a name wins, as Array.find did
    for (const entity of graph.entities) if (!index.has(entityKeyOf(entity))) index.set(entityKeyOf(entity), entity);
    entityIndexes.set(graph, index);
  }
  return index;
}

/** Functions of one exposed name in a schema (several when overloaded). */
export function findFunction(graph: TypeGraph, schema: string, name: string): FunctionDef[] {
  return graph.functions.filter((f) => f.schema === schema && f.name === name);
}
