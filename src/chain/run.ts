import type { Plan } from '../plan/index.js';
import { markAuthorized, type AuthorizedPlan } from './authorized.js';
import { ANONYMOUS, type Identity, type PgduetPlugin, type RequestInfo } from './plugin.js';

/**
 * Runs the plugins in order. With no plugins every request is anonymous and every Plan is
 * allowed as it is — the default until the authorization issue adds the built-in plugins.
 */
export class Chain {
  readonly plugins: readonly PgduetPlugin[];

  constructor(plugins: readonly PgduetPlugin[] = []) {
    this.plugins = plugins;
  }

  async identify(request: RequestInfo): Promise<Identity> {
    let identity = ANONYMOUS;
    for (const plugin of this.plugins) {
      await plugin.onRequest?.({
        request,
        identity,
        setIdentity: (next) => {
          identity = next;
        },
      });
    }
    return identity;
  }

  /** The only way to an AuthorizedPlan: every plugin's onPlan, in order. */
  async authorize<P extends Plan>(plan: P, request: RequestInfo, identity: Identity): Promise<AuthorizedPlan<P>> {
    let current = plan;
    for (const plugin of this.plugins) {
      await plugin.onPlan?.({
        request,
        identity,
        plan: current,
        replacePlan: (next: Plan) => {
          // a plugin may rewrite a Plan, not turn it into another kind of Plan
          if (next.kind !== current.kind) throw new Error(`plugin ${plugin.name} changed a ${current.kind} plan into a ${next.kind} plan`);
          current = next as P;
        },
      });
    }
    return markAuthorized(current);
  }
}
