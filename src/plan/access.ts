import type { DbRef, TypeGraph } from '../model/index.js';
import type { Plan } from './types.js';
import { walkPlan } from './visit.js';

/**
 * What a Plan does to the database: `read` (a read replica may answer it) or `write` (only the
 * primary may). A write is an insert, update or delete, and any Plan that calls a volatile
 * function (it may write, and PostgreSQL runs it in a read-write transaction only); a function
 * the graph does not know is taken as volatile. Everything else is a read: tables, views,
 * stable and immutable functions, computed fields.
 */
export type PlanAccess = 'read' | 'write';

const known = new WeakMap<Plan, PlanAccess>();

/** The access of `plan`, against the graph it was planned on (remembered per Plan object). */
export function planAccess(plan: Plan, graph: TypeGraph): PlanAccess {
  const remembered = known.get(plan);
  if (remembered !== undefined) return remembered;
  let access: PlanAccess = plan.kind === 'insert' || plan.kind === 'update' || plan.kind === 'delete' ? 'write' : 'read';
  if (access === 'read') {
    walkPlan(plan, {
      function: (fn) => {
        if (mayWrite(fn, graph)) access = 'write';
      },
    });
  }
  known.set(plan, access);
  return access;
}

/** Whether any overload of `fn` is volatile (or none is known). */
function mayWrite(fn: DbRef, graph: TypeGraph): boolean {
  const overloads = graph.functions.filter((f) => f.schema === fn.schema && f.dbName === fn.dbName);
  return overloads.length === 0 || overloads.some((f) => f.volatility === 'volatile');
}
