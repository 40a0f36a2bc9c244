import type { TypeGraph } from '../model/index.js';
import type { Plan } from '../plan/index.js';
import { markAuthorized, type AuthorizedPlan } from './authorized.js';
import {
  ANONYMOUS,
  type ExecuteEvent,
  type Identity,
  type PgduetPlugin,
  type RequestInfo,
  type ResponseEvent,
} from './plugin.js';

/**
 * Runs the plugins' hooks in the order the plugins are listed. With no plugins every request
 * is anonymous, every role sees the whole graph and every Plan is allowed as it is.
 */
export class Chain {
  readonly plugins: readonly PgduetPlugin[];
  readonly #graphs = new WeakMap<TypeGraph, Map<string, TypeGraph>>();
  readonly #anonymous: Identity;

  constructor(plugins: readonly PgduetPlugin[] = [], options: { readonly anonymous?: Identity } = {}) {
    this.plugins = plugins;
    this.#anonymous = options.anonymous ?? ANONYMOUS;
  }

  /** Whether any plugin post-processes answers: then they are parsed before going out. */
  get hasResultHooks(): boolean {
    return this.plugins.some((p) => p.onResult !== undefined);
  }

  /** Whether any plugin is told of responses (then writes count the rows they touch). */
  get hasResponseHooks(): boolean {
    return this.plugins.some((p) => p.onResponse !== undefined);
  }

  /** Whether any plugin works inside the request's transaction (then every request has one). */
  get hasExecuteHooks(): boolean {
    return this.plugins.some((p) => p.onExecute !== undefined);
  }

  /** `onRequest` of every plugin, in order: who is asking (or a thrown refusal). */
  async identify(request: RequestInfo): Promise<Identity> {
    let identity = this.#anonymous;
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

  /**
   * What `role` may see of `graph`: every `onGraph` in order, once per role and graph (the
   * GraphQL schema, the REST planner and the OpenAPI document are all built from it, so they
   * are cached by this object too). A reload brings a new graph; the old views go with it.
   */
  graphFor(graph: TypeGraph, role: string): TypeGraph {
    if (!this.plugins.some((p) => p.onGraph !== undefined)) return graph;
    let views = this.#graphs.get(graph);
    if (views === undefined) this.#graphs.set(graph, (views = new Map()));
    let view = views.get(role);
    if (view === undefined) {
      view = graph;
      for (const plugin of this.plugins) if (plugin.onGraph !== undefined) view = plugin.onGraph({ graph: view, role });
      views.set(role, view);
    }
    return view;
  }

  /** The only way to an AuthorizedPlan: every plugin's onPlan, in order. */
  async authorize<P extends Plan>(plan: P, request: RequestInfo, identity: Identity, requestPlans: readonly Plan[] = [plan]): Promise<AuthorizedPlan<P>> {
    let current = plan;
    for (const plugin of this.plugins) {
      await plugin.onPlan?.({
        request,
        identity,
        requestPlans,
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

  /**
   * Every Plan of a request, authorized before any of them runs (GraphQL's root fields): a
   * refusal of one refuses the request, and nothing has been written.
   */
  async authorizeAll<P extends Plan>(plans: readonly P[], request: RequestInfo, identity: Identity): Promise<AuthorizedPlan<P>[]> {
    const authorized: AuthorizedPlan<P>[] = [];
    for (const plan of plans) authorized.push(await this.authorize(plan, request, identity, plans));
    return authorized;
  }

  /** `onExecute` of every plugin, in the request's transaction, before its statements. */
  async execute(request: RequestInfo, identity: Identity, statements: Pick<ExecuteEvent, 'query' | 'prepend'>): Promise<void> {
    for (const plugin of this.plugins) await plugin.onExecute?.({ request, identity, query: statements.query, prepend: statements.prepend });
  }

  /** `onResult` of every plugin, in order, each seeing the previous one's answer. */
  async result(plan: Plan, result: unknown, request: RequestInfo, identity: Identity): Promise<unknown> {
    let current = result;
    for (const plugin of this.plugins) {
      await plugin.onResult?.({
        request,
        identity,
        plan,
        result: current,
        setResult: (next) => {
          current = next;
        },
      });
    }
    return current;
  }

  /** `onError` of every plugin; a hook that throws is ignored (the error is answered as it is). */
  error(error: unknown, request: RequestInfo, identity: Identity): void {
    for (const plugin of this.plugins) {
      try {
        plugin.onError?.({ request, identity, error });
      } catch {
        // an error while reporting an error must not replace it
      }
    }
  }

  /** `onReload` of every plugin (they may all run at once); a failure is reported to `onFailure`. */
  async reload(onFailure: (plugin: string, error: unknown) => void): Promise<void> {
    await Promise.all(this.plugins.map((p) => p.onReload?.().catch((error: unknown) => onFailure(p.name, error))));
  }

  /** `onClose` of every plugin, at shutdown; a failure is reported to `onFailure`. */
  async close(onFailure: (plugin: string, error: unknown) => void): Promise<void> {
    await Promise.all(this.plugins.map((p) => p.onClose?.().catch((error: unknown) => onFailure(p.name, error))));
  }

  /** `onResponse` of every plugin, after the response; a hook that throws is ignored. */
  response(event: ResponseEvent): void {
    for (const plugin of this.plugins) {
      try {
        plugin.onResponse?.(event);
      } catch {
        // the response is gone: nothing to fail any more
      }
    }
  }
}
