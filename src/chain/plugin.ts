import type { TypeGraph } from '../model/index.js';
import type { Plan } from '../plan/index.js';

/**
 * Who is asking: filled in by `onRequest` plugins (JWT, API keys); the anonymous role until
 * one of them says otherwise.
 */
export interface Identity {
  /** the role whose permissions apply (and, in PostgreSQL-native mode, the database role) */
  readonly role: string;
  /**
   * session variables, lower-case keys (`x-hasura-user-id`, or a claim's name): what row
   * filters and column presets read
   */
  readonly session: Readonly<Record<string, string>>;
  /** true when a credential (a token, a key) was verified; false for the anonymous role */
  readonly authenticated: boolean;
  /** the verified JWT claims, as they were signed (`request.jwt.claims` in PostgreSQL-native mode) */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** who, for the audit log: the token's `sub`, or the API key's owner */
  readonly subject?: string;
  /** the id (never the secret) of the API key used */
  readonly keyId?: string;
}

export const ANONYMOUS: Identity = { role: 'anonymous', session: {}, authenticated: false };

/** What every hook sees of the request, whichever protocol it came by. */
export interface RequestInfo {
  readonly id: string;
  readonly protocol: 'graphql' | 'rest';
  /** the whole type graph as loaded (a role's view of it is `Chain.graphFor`) */
  readonly graph: TypeGraph;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly method?: string;
  /** the path, without the query string */
  readonly path?: string;
  /** the client's address (the socket's; proxies are not trusted unless configured) */
  readonly ip?: string;
}

/** `onGraph`: what one role may see of the graph. */
export interface GraphEvent {
  readonly graph: TypeGraph;
  readonly role: string;
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
  /**
   * every Plan of the request, as planned, this one among them: one for REST, one per root
   * field for GraphQL (two for `update_<t>_many` with two updates). The chain sees the whole
   * request before any of it runs, whichever way it is then answered: a rule over the whole
   * request (a budget across root fields) reads these.
   */
  readonly requestPlans: readonly Plan[];
  /** rewrite the Plan (add a row filter, drop a column…); later plugins see the new one */
  replacePlan(plan: P): void;
}

/** `onExecute`: inside the request's transaction, before its statements run. */
export interface ExecuteEvent {
  readonly request: RequestInfo;
  readonly identity: Identity;
  /** runs a statement on the request's connection, in its transaction (values are parameters) */
  query(text: string, values?: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  /**
   * queues one statement whose rows are not needed (settings): it goes with the request's first
   * statement, in the same round trip (or with COMMIT when none runs), and its error is that
   * statement's; one command only (the extended protocol), `query` takes several without values
   */
  prepend(text: string, values?: readonly unknown[]): void;
}

/** `onResult`: the answer of one Plan, parsed, before it goes to the client. */
export interface ResultEvent {
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly plan: Plan;
  /** the JSON answer (rows, an object, a scalar) as the protocol shapes it */
  readonly result: unknown;
  setResult(result: unknown): void;
}

export interface ErrorEvent {
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly error: unknown;
}

/** `onResponse`: after the response is sent (audit, metrics). */
export interface ResponseEvent {
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly status: number;
  readonly durationMs: number;
  /** the Plans the request ran, as authorized */
  readonly plans: readonly Plan[];
  /** rows its writes inserted, updated or deleted (absent when it wrote nothing) */
  readonly rowsAffected?: number;
}

/**
 * A plugin of the authorization chain: a plain object of optional hooks, run in the order the
 * plugins are listed. A hook denies by throwing a PgduetError. The same hook runs for GraphQL
 * and REST: a plugin may read `request.protocol` for logging but must not decide by it.
 */
export interface PgduetPlugin {
  readonly name: string;
  readonly description: string;
  /** at build time, once per role and graph: what the role may see (hidden tables and columns do not exist for it) */
  onGraph?(event: GraphEvent): TypeGraph;
  /** identify the caller (or refuse the request: a bad token, a blocked address, a spent rate limit) */
  onRequest?(event: RequestEvent): void | Promise<void>;
  /** allow (return), deny (throw) or rewrite (replacePlan) a Plan */
  onPlan?(event: PlanEvent): void | Promise<void>;
  /** just before the statements run, inside the request's transaction (set the role, claims, timeouts) */
  onExecute?(event: ExecuteEvent): void | Promise<void>;
  /** post-process a Plan's answer (mask a column); its presence makes the answer parsed */
  onResult?(event: ResultEvent): void | Promise<void>;
  /** told of an error (it is still answered as it is) */
  onError?(event: ErrorEvent): void;
  /** told of the response once it is sent */
  onResponse?(event: ResponseEvent): void;
  /** the server reloads (SIGUSR1, NOTIFY, DDL): re-read what the plugin keeps (API keys from a table) */
  onReload?(): Promise<void>;
  /** the server stops: flush and close (an audit file, a Redis connection) */
  onClose?(): Promise<void>;
}
