import { findByQualifiedName, type Column, type DbRef, type FunctionDef, type TypeGraph } from '../../src/model/index.js';
import type { RolePermissions, TablePermissions } from './options.js';

/** The rules of one role, resolved against a graph: per entity, and which functions it may call. */
export interface RoleRules {
  readonly unrestricted: boolean;
  /** `schema.dbName` → the entity's rules (entities without rules are absent) */
  readonly tables: ReadonlyMap<string, TablePermissions>;
  readonly functions: (fn: FunctionDef) => boolean;
}

export function refKey(ref: DbRef): string {
  return `${ref.schema}.${ref.dbName}`;
}

/**
 * A role's permissions against a graph. Table keys name tables the way the rest of the config
 * does (`table` in the exposed schemas, or `schema.table`, database names); a key that names
 * nothing is ignored (the table may have been dropped: a reload must still succeed).
 */
export function resolveRules(graph: TypeGraph, role: RolePermissions | undefined): RoleRules {
  const tables = new Map<string, TablePermissions>();
  const byDbName = graph.entities.map((e) => ({ schema: e.schema, name: e.dbName, entity: e }));
  for (const [key, rules] of Object.entries(role?.tables ?? {})) {
    for (const { entity } of findByQualifiedName(key, byDbName, graph.schemas)) tables.set(refKey(entity), rules);
  }
  const allowed = role?.functions ?? [];
  const byName = graph.functions.map((f) => ({ schema: f.schema, name: f.dbName, fn: f }));
  const named = new Set(allowed === '*' ? [] : allowed.flatMap((key) => findByQualifiedName(key, byName, graph.schemas).map((x) => x.fn.oid)));
  return {
    unrestricted: role?.unrestricted ?? false,
    tables,
    functions: (fn) => allowed === '*' || named.has(fn.oid),
  };
}

/** Whether a rule's `columns` (database or API names, or `*`) includes `column`. */
export function allows(columns: '*' | readonly string[], column: Column): boolean {
  return columns === '*' || columns.includes(column.dbName) || columns.includes(column.name);
}
