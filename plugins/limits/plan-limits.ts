import { PgduetError } from '../../src/errors/index.js';
import { planDepth, type Plan, type ReadPlan } from '../../src/plan/index.js';
import type { Limits } from './options.js';

/**
 * A Plan within a role's limits: refused when its relationships nest deeper than `maxDepth`
 * (an embedding in REST, a relationship field in GraphQL: the same Plan), its top-level rows
 * bounded by `maxRows`, and given `defaultRows` when it asks for no limit. Counting depth on
 * the Plan, not on the request text, means both protocols are held to the same number.
 */
export function limitPlan(plan: Plan, limits: Limits): Plan {
  if (limits.maxDepth !== undefined) {
    const depth = planDepth(plan);
    if (depth > limits.maxDepth) {
      throw new PgduetError('PGD403', `the request nests relationships ${depth} deep; at most ${limits.maxDepth} are allowed`, {
        hint: 'ask for fewer nested resources in one request',
      });
    }
  }
  if (plan.kind === 'read') return boundRows(plan, limits);
  if (plan.kind === 'call' && plan.returns.kind === 'rows') return { ...plan, returns: { ...plan.returns, plan: boundRows(plan.returns.plan, limits) } };
  return plan;
}

function boundRows(plan: ReadPlan, limits: Limits): ReadPlan {
  if (plan.batch !== undefined) return plan;
  const asked = plan.limit ?? limits.defaultRows;
  const limit = asked === undefined ? limits.maxRows : limits.maxRows === undefined ? asked : Math.min(asked, limits.maxRows);
  // the same object when nothing changes: a Plan the chain lets through unchanged keeps its compiled statement
  return limit === undefined || limit === plan.limit ? plan : { ...plan, limit };
}
