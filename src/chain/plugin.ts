import type { TypeGraph } from '../model/index.js';
import type { Plan } from '../plan/index.js';

/** Who is asking: filled in by `onRequest` plugins (JWT, API keys); anonymous by default. */
export interface Identity {
  readonly role: string;
  /** session variables (`x-hasura-user-id`, JWT claims…), lower-case keys */
  readonly session: Readonly<Record<string, string>>;
}

export const ANONYMOUS: Identity = { role: 'anonymous', session: {} };

/** What every hook sees of the request, whichever protocol it came by. */
export interface RequestInfo {
  readonly id: string;
  readonly protocol: 'graphql' | 'rest';
  readonly graph: TypeGraph;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RequestEvent {
  readonly request: RequestInfo;
  readonly identity: Identity;
  setIdentity(identity: Identity): void;
}

export interface PlanEvent<P extends Plan = Plan> {
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly plan: P;
  /** rewrite the Plan (add a row filter, drop a column…); later plugins see the new one */
  replacePlan(plan: P): void;
}

/**
 * A plugin of the authorization chain: a plain object of optional hooks, run in order.
 * A hook denies by throwing a PgduetError. The same hook runs for GraphQL and REST: a plugin
 * may read `request.protocol` for logging but must not decide by it.
 */
export interface PgduetPlugin {
  readonly name: string;
  readonly description: string;
  /** identify the caller */
  onRequest?(event: RequestEvent): void | Promise<void>;
  /** allow (return), deny (throw) or rewrite (replacePlan) a Plan */
  onPlan?(event: PlanEvent): void | Promise<void>;
}
