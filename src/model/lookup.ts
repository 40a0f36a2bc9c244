import type { DbRef, Entity, FunctionDef, TypeGraph } from './type-graph.js';

/** The entity a DbRef points at (relations and functions refer to entities this way). */
export function findEntity(graph: TypeGraph, ref: DbRef): Entity | undefined {
  return graph.entities.find((e) => e.schema === ref.schema && e.dbName === ref.dbName);
}

/** Functions of one exposed name in a schema (several when overloaded). */
export function findFunction(graph: TypeGraph, schema: string, name: string): FunctionDef[] {
  return graph.functions.filter((f) => f.schema === schema && f.name === name);
}
