import type { Plan } from '../plan/index.js';

declare const authorized: unique symbol;

/**
 * A Plan that has passed the plugin chain. The brand exists only in the type system: the SQL
 * compiler accepts nothing else, and only the chain's runner (`runChain`) makes one, so a
 * Plan cannot reach SQL without passing the chain.
 */
export type AuthorizedPlan<P extends Plan = Plan> = P & { readonly [authorized]: true };

/** The one place a Plan becomes an AuthorizedPlan. Called by the chain runner only. */
export function markAuthorized<P extends Plan>(plan: P): AuthorizedPlan<P> {
  return plan as AuthorizedPlan<P>;
}

/**
 * A sub-plan derived mechanically from an already authorized plan (the statements a nested
 * insert is split into, the read-back of rows it wrote, the rows a function call returns) is
 * authorized too: it writes or reads nothing the parent plan did not, with the same values,
 * so it needs no second pass through the chain. Only the executor and compiler use this, and
 * only for sub-plans they build themselves from `parent`; never for a Plan from a request.
 */
export function deriveAuthorized<P extends Plan>(parent: AuthorizedPlan, child: P): AuthorizedPlan<P> {
  void parent;
  return markAuthorized(child);
}
