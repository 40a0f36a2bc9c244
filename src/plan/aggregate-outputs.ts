import type { AggregatePlan } from './types.js';

/** Whether an aggregate Plan computes any aggregate (not only rows or constants). */
export function computesAggregates(plan: AggregatePlan): boolean {
  return plan.outputs.some((o) => o.kind === 'aggregate');
}

/** Whether `key` is one of the aggregate's `nodes` outputs (each is the rows, shaped by `rows.selection`). */
export function isNodesKey(plan: AggregatePlan, key: string | undefined): boolean {
  return plan.outputs.some((o) => o.kind === 'nodes' && o.key === key);
}
