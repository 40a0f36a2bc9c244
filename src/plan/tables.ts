import type { DbRef } from '../model/index.js';
import { walkPlan } from './visit.js';
import type { Plan } from './types.js';

/**
 * Every table, view and function the Plans touch, as `schema.name`, each once, in the order
 * first seen: the Plans' own entities and functions, the relations nested in their selections
 * (and `returning`), the parents and children of nested inserts, the tables a filter or an
 * ordering reaches through a relationship or `_exists` names, and many-to-many junctions. The audit log records
 * them; live queries are refetched when a write touches one of them.
 */
export function planTables(plans: Iterable<Plan>): string[] {
  const seen = new Set<string>();
  const add = (ref: DbRef): void => void seen.add(`${ref.schema}.${ref.dbName}`);
  for (const plan of plans) {
    walkPlan(plan, {
      read: (read) => {
        if (read.source.kind === 'entity') add(read.source.entity);
      },
      write: add,
      function: add,
      // `_exists` reads a table no relationship leads to
      condition: (condition) => {
        if (condition.kind === 'exists') add(condition.entity);
      },
      join: (join) => {
        add(join.target);
        if (join.through !== undefined) add(join.through.junction);
      },
    });
  }
  return [...seen];
}
