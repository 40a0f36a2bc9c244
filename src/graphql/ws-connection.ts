import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { GraphQLParams } from 'graphql-yoga';
import { ANONYMOUS, type Chain, type RequestInfo } from '../chain/index.js';
import { PgduetError, toGraphqlError } from '../errors/index.js';
import type { GraphSource, RequestScope } from '../http/index.js';
import type { BuiltSchema } from './build-schema.js';
import { splitBySource, subscribeAcrossSources, type GraphqlNamespaces } from './namespaces.js';
import { persistedId, resolvePersisted } from './limits.js';
import { prepareOperation, startSubscription, type LiveDeps, type OperationRequest, type Prepared, type RunningSubscription } from './live-operation.js';

/**
 * One WebSocket connection, whichever subprotocol it speaks: who it runs as (decided once, at
 * `connection_init`, by the same chain as an HTTP request), and its operations. The two
 * protocol adapters (ws-transport.ts) only translate messages to and from this.
 */
export interface ConnectionDeps {
  readonly chain: Chain;
  readonly holder: GraphSource;
  /** the schema of a connection's role (the first source's: with the other sources' namespaces) */
  readonly schemaFor: (scope: RequestScope) => Promise<BuiltSchema>;
  readonly live: LiveDeps;
  /** the role's schema as it is now, when it can change without this connection's reload (the first source's, with namespaces) */
  readonly currentSchema?: (scope: RequestScope) => BuiltSchema | undefined;
  /** the other sources' namespaces, on the first source's endpoint: a subscription under one is that source's (namespaces.ts) */
  readonly namespaces?: GraphqlNamespaces;
  /** a query or mutation over the socket: answered as the same request over HTTP would be */
  readonly executeOnce: (scope: RequestScope, request: OperationRequest) => Promise<ExecutionResult>;
  /** the open connections (a reload moves their subscriptions to the new schema) */
  readonly connections: Set<Connection>;
}

/** Why a connection is closed: the close code, and a reason a client can show. */
export interface Refusal {
  readonly code: number;
  readonly reason: string;
}

export class Connection {
  scope: RequestScope;
  #built: BuiltSchema;
  /** subscriptions running on it (its per-role bound; a reload moves them) */
  readonly running = { count: 0, running: new Set<RunningSubscription>() };
  readonly #deps: ConnectionDeps;

  private constructor(deps: ConnectionDeps, scope: RequestScope, built: BuiltSchema) {
    this.#deps = deps;
    this.scope = scope;
    this.#built = built;
  }

  /**
   * The identity of a connection: the credentials of `connection_init`'s payload (Hasura's
   * `{headers: {Authorization, x-hasura-admin-secret…}}`, or the same keys at its top level)
   * over the upgrade request's headers, through the chain's onRequest hooks (JWT, API keys,
   * IP lists, rate limits) exactly as an HTTP request's.
   */
  static async open(deps: ConnectionDeps, req: IncomingMessage, payload: unknown): Promise<Connection> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const snapshot = deps.holder.current;
    const request: RequestInfo = {
      id: randomUUID(),
      protocol: 'graphql',
      graph: snapshot.graph,
      headers: connectionHeaders(req, payload),
      method: 'GET',
      path: q === -1 ? url : url.slice(0, q),
      ip: req.socket.remoteAddress ?? '',
    };
    let identity;
    try {
      identity = await deps.chain.identify(request);
    } catch (error) {
      deps.chain.error(error, request, ANONYMOUS);
      throw error;
    }
    const scope: RequestScope = { request, identity, graph: deps.chain.graphFor(request.graph, identity.role) };
    const connection = new Connection(deps, scope, await deps.schemaFor(scope));
    deps.connections.add(connection);
    return connection;
  }

  /** The socket closed. */
  close(): void {
    this.#deps.connections.delete(this);
  }

  /**
   * After a reload: the same identity on the new graph; each subscription goes on over the new
   * schema, or ends with a clear error if its fields went away.
   */
  async reload(): Promise<void> {
    const whole = this.#deps.holder.current.graph;
    if (whole === this.scope.request.graph) return;
    const graph = this.#deps.chain.graphFor(whole, this.scope.identity.role);
    const scope: RequestScope = { ...this.scope, request: { ...this.scope.request, graph: whole }, graph };
    this.#built = await this.#deps.schemaFor(scope);
    this.scope = scope;
    await Promise.all([...this.running.running].map((one) => one.restart({ scope: this.scope, built: this.built })));
  }

  /**
   * The role's schema now: on the first source's endpoint, with the other sources' namespaces
   * as they are now (another source reloads on its own, without this connection's reload).
   */
  get built(): BuiltSchema {
    return this.#deps.currentSchema?.(this.scope) ?? this.#built;
  }

  /** When the credentials stop being valid (a JWT's `exp`), in ms since the epoch. */
  get expiresAt(): number | undefined {
    const exp = this.scope.identity.claims?.['exp'];
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  }

  /**
   * Parsed and validated with the connection's role's rules; for a role that may run persisted
   * queries only, the document its id names (or a refusal), as over HTTP (limits.ts).
   */
  prepare(request: OperationRequest): Prepared {
    const rules = this.#deps.live.rulesFor(this.scope.identity.role);
    const persisted = rules === undefined ? undefined : resolvePersisted(rules, persistedId(request as GraphQLParams), request.query);
    if (persisted !== undefined && 'refused' in persisted) return { kind: 'errors', errors: [persisted.refused] };
    const query = persisted === undefined ? request.query : persisted.query;
    if (typeof query !== 'string') return { kind: 'errors', errors: [toGraphqlError(new PgduetError('PGD103', 'the operation has no query'))] };
    return prepareOperation(this.built, { ...request, query }, rules);
  }

  /**
   * One prepared operation: a subscription's results as an async iterator, or one result (a
   * query, a mutation, or a refusal).
   */
  async operate(prepared: Exclude<Prepared, { kind: 'errors' }>): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
    const { request } = prepared;
    if (prepared.kind === 'execute') return this.#deps.executeOnce(this.scope, request);
    const namespaces = this.#deps.namespaces;
    const split = namespaces === undefined ? undefined : splitBySource(this.built.schema, prepared.document, request.operationName, request.variables, namespaces);
    if (split !== undefined) return subscribeAcrossSources(split, this.scope.request, this.scope.identity, this.running);
    const started = await startSubscription(this.#deps.live, this.scope, this.built, prepared.document, request, this.running);
    return 'results' in started ? started.results : started;
  }
}

/**
 * The headers the chain reads for a connection: the upgrade request's, then `connection_init`'s
 * payload (its `headers` object, and string values at its top level), names lower-cased.
 */
export function connectionHeaders(req: IncomingMessage, payload: unknown): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  const take = (source: unknown): void => {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
    for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
  };
  if (typeof payload === 'object' && payload !== null) {
    take(payload);
    take((payload as Record<string, unknown>)['headers']);
  }
  return headers;
}
