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
