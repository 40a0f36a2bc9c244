import { GraphQLError, OperationTypeNode, getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ResponseCache } from '../cache/index.js';
import type { Identity, RequestInfo } from '../chain/index.js';
import { SubscriptionLimits } from '../live/index.js';
import { planTables } from '../plan/index.js';
import { prepareOperation, startSubscription, type LiveDeps, type OperationRequest, type RunningSubscription } from './live-operation.js';
import { graphqlUpgrade } from './ws-transport.js';
import type { Connection } from './ws-connection.js';
import { CancelController, RequestTransaction, beginLazily, checkout, endLazily, type PoolClient } from '../db/index.js';
import { PgduetError, hasuraResponsePath, isUnexpected, toGraphqlError } from '../errors/index.js';
import { hasuraParseError, hasuraRequestError } from './hasura-errors.js';
import type { RunPlanContext } from '../pipeline/index.js';
import { answerCors, answerInTransaction, hasuraCors, keptBody, readSession, requestDatabase, scopeRequest, type Mount, type MountContext, type RequestContext, type RequestScope } from '../http/index.js';
import type { CompileOptions } from '../sql/index.js';
import type { BuiltSchema } from './build-schema.js';
import type { GraphqlContext } from './context.js';
import { createFastPath } from './fast-path.js';
import { graphqlLimitsOf, useGraphqlLimits, type GraphqlLimits } from './limits.js';
import { cacheKey, cachedOf } from './cached.js';
import { answerInOneStatement, authorizeOperation, operationError, planningErrors, rootResultHooks } from './answer-operation.js';
import { planOperation } from './plan-operation.js';
import { operationsAccess, queryAccess } from './operation-access.js';
import { capRows } from './row-cap.js';
import { useValidation } from './validate.js';
import { useRequestParams } from './request-params.js';
import { graphqlNaming, namespacedNaming } from './naming.js';
import { createSchemaStore, schemaStoreOf } from './schema-store.js';
import { answerAcrossSources, mapResults, schemaWithNamespaces, splitBySource, type GraphqlNamespaces } from './namespaces.js';

/** What the HTTP server hands to yoga for each request: its context, and who it runs as. */
interface ServerContext {
  readonly pgduet: RequestContext;
  readonly scope: RequestScope;
  /** what the response cache did for the request's operations (its `Cache-Control`) */
  readonly cacheSlot: CacheSlot;
  /**
   * a part of an operation across sources, made by the first source's endpoint from a request
   * it admitted (persisted queries only: the whole was checked there; namespaces.ts)
   */
  readonly part?: boolean;
  /** another source's part: its namespaced schema (types prefixed) */
  readonly namespaced?: boolean;
}

/**
 * The operations of one request (several in a batch) and the `max-age` of each answered from
 * the response cache or kept in it: the response says `Cache-Control: max-age=<the least>`
 * when every operation of it was, as Hasura says it of a cached answer.
 */
interface CacheSlot {
  operations: number;
  readonly maxAges: number[];
}

const newCacheSlot = (): CacheSlot => ({ operations: 0, maxAges: [] });

/** The per-request part of the GraphQL context that the transaction plugin fills in. */
interface TransactionSlot {
  client?: PoolClient;
  /** the request's own transaction (PostgreSQL-native mode): mutations take a savepoint in it */
  readonly request?: RequestTransaction;
}

type YogaContext = GraphqlContext & { readonly transaction: TransactionSlot };
type Yoga = YogaServerInstance<ServerContext, YogaContext>;

/**
 * GraphQL over HTTP at `server.graphqlPath`: graphql-yoga (GraphiQL for browsers), with the
 * schema of the request's type graph (built once per graph, again after a reload). Another
 * source (config `sources`) gets its own endpoint at `<graphqlPath>/<name>`.
 */
export function graphqlMount(mount: MountContext): readonly Mount[] {
  const { config, pool, databases, logger, metrics } = mount;
  const statements = metrics.statements.labels({ protocol: 'graphql' });
  const countStatement = (): void => statements.inc();
  // Hasura's numbers: bigint, numeric and float8 as JSON numbers, or strings when asked
  const stringify = config.graphql.stringifyNumericTypes || config.output.exactNumbers === 'string';
  const options: CompileOptions = { exactNumbersAsStrings: stringify, floatsAsStrings: stringify };
  const chain = mount.chain;
  // built in the background from start-up and after each reload, once per graph (schema-store.ts)
  const naming = graphqlNaming(config.graphql.namingConvention);
  const schemas = schemaStoreOf(mount.holder, logger, naming);
  // the first source's endpoint shows every other source under its namespace field; another
  // source's schema as it stands there has its type names prefixed (namespaces.ts)
  const namespaces = mount.source === undefined ? mount.graphqlNamespaces : undefined;
  const namespacedSchemas = mount.namespace === undefined ? undefined : createSchemaStore(logger, namespacedNaming(naming, mount.namespace.field, mount.namespace.typePrefix, mount.namespace.rootFields));
  const schemaFor = (scope: RequestScope, namespaced = false): BuiltSchema => {
    if (namespaced && namespacedSchemas !== undefined) return namespacedSchemas.get(scope.graph);
    const built = schemas.get(scope.graph);
    return namespaces === undefined ? built : schemaWithNamespaces(built, scope.identity.role, namespaces, logger);
  };

  /**
   * The resolvers' per-request context. `transaction` is the slot the mutation plugin fills
   * with the request's connection; until then (and on the fast path) statements use the pool.
   */
  const contextFor = (pgduet: RequestContext, scope: RequestScope, namespaced = false): YogaContext => {
    const transaction: TransactionSlot = scope.transaction === undefined ? {} : { client: scope.transaction.client, request: scope.transaction };
    const { graph, request, identity } = scope;
    // statements stop when the client leaves (db/cancel.ts); reads may go to a replica
    const { db, onWrite } = requestDatabase(databases, scope, pgduet.signal, () => transaction.client);
    const run: RunPlanContext = {
      chain,
      request,
      identity,
      options,
      db,
      onWrite,
      onStatement: countStatement,
      onAuthorized: (plan) => pgduet.trace.plans.push(plan),
      ...(chain.hasResponseHooks ? { onRowsAffected: (rows: number) => void (pgduet.trace.rowsAffected = (pgduet.trace.rowsAffected ?? 0) + rows) } : {}),
    };
    return {
      graph,
      builder: schemaFor(scope, namespaced).builder,
      request,
      identity,
      chain,
      get log() {
        return pgduet.log;
      },
      options,
      loaders: new Map(),
      transaction,
      run,
    };
  };
  // per role: depth, aliases, directives, tokens, cost, introspection, persisted only; the
  // same rules on yoga's path (useGraphqlLimits) and the fast path
  const limits = graphqlLimitsOf(config.graphql.limits);
  const fastPath = config.graphql.oneStatement
    ? createFastPath({
        schemaFor: (scope) => schemaFor(scope),
        contextFor,
        maxBodyBytes: config.server.maxBodyBytes,
        maxRows: config.graphql.maxRows,
        onAnswer: () => metrics.graphqlFastPath.inc(),
        rulesFor: (scope: RequestScope) => limits.rulesFor(scope.identity.role),
      })
    : undefined;

  const cors = hasuraCors(config.cors.origins);
  // graphql-yoga (a fifth of the start-up's module loading) is loaded when a request first
  // needs it: the fast path answers the common POST without it (fast-path.ts)
  let yogaLoaded: Promise<Yoga> | undefined;
  const yoga = (): Promise<Yoga> => (yogaLoaded ??= import('graphql-yoga').then(({ createYoga }) => createYoga<ServerContext, YogaContext>({
    graphqlEndpoint: config.server.graphqlPath,
    landingPage: false,
    // CORS is src/http's, the same for every protocol (answered in the handler below)
    cors: false,
    graphiql: { title: 'pgduet GraphiQL' },
    // GraphiQL bundled in the package, not from a CDN: it works offline and behind firewalls.
    // Loaded on first use: the bundle is 9 MB that API-only servers never need in memory.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    // yoga's log calls carry Error objects; pino prints an error (and its stack) under `err`
    logging: {
      debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => logger.warn({ err: args.find((a) => a instanceof Error), args: args.filter((a) => !(a instanceof Error)) }, 'yoga'),
      error: (...args: unknown[]) => logger.error({ err: args.find((a) => a instanceof Error), args: args.filter((a) => !(a instanceof Error)) }, 'yoga'),
    },
    // the schema of the caller's role: what it may not see is not in it, nor in introspection
    schema: ({ scope, namespaced }) => schemaFor(scope, namespaced === true).schema,
    context: ({ pgduet, scope, namespaced }): YogaContext => contextFor(pgduet, scope, namespaced === true),
    // anything that escapes as a non-GraphQL error is a bug: Hasura's `unexpected`, no details
    maskedErrors: {
      maskError: (error) => {
        const ours = error instanceof GraphQLError && (error.originalError === undefined || error.originalError instanceof GraphQLError);
        if (ours) return error;
        logger.error({ err: error instanceof GraphQLError ? error.originalError : error }, 'unexpected error in GraphQL execution');
        return new GraphQLError('unexpected error', { extensions: { code: 'unexpected' } });
      },
    },
    // one validation for every route (validate.ts): yoga's own validation cache is off
    parserAndValidationCache: { validationCache: false },
    // a JSON array of operations answers an array, each through the pipeline (Hasura's batching)
    batching: { limit: 20 },
    plugins: [
      useGraphqlLimits(limits),
      useRequestParams(),
      useValidation<ServerContext>(rulesOf(limits)),
      usePipeline(config.graphql.oneStatement, config.graphql.maxRows, mount.responseCache, (result) => metrics.graphqlCache.inc({ result }), mount.source, namespaces === undefined ? undefined : {
        namespaces,
        // the first source's own fields of a split operation: an operation of their own, through this same yoga
        answerOwn: async (context, operation) => fetchOperation(await yoga(), config.server.graphqlPath, { ...context, part: true }, operation),
      }),
      useCacheControl(),
      useHasuraErrorCodes(),
      useMutationTransaction(pool),
    ],
  })));

  const liveDeps: LiveDeps = {
    chain,
    databases,
    live: mount.live,
    limits: new SubscriptionLimits(config.subscriptions),
    options,
    maxRows: config.graphql.maxRows,
    maxPending: config.subscriptions.maxPending,
    rulesFor: (role) => limits.rulesFor(role),
    log: logger,
    onMessage: () => metrics.liveMessages.inc({ transport: 'websocket' }),
    onSubscriptions: (kind, delta) => metrics.liveSubscriptions.inc({ kind }, delta),
  };
  const connections = new Set<Connection>();
  mount.holder.onSwap(() => {
    for (const connection of connections) {
      connection.reload().catch((error: unknown) => logger.error({ err: error }, 'a WebSocket connection could not move to the reloaded schema'));
    }
  });
  const upgrade = graphqlUpgrade(
    {
      connections,
      chain,
      holder: mount.holder,
      schemaFor: async (scope) => {
        await schemas.ready(scope.graph);
        return schemaFor(scope);
      },
      live: liveDeps,
      ...(namespaces === undefined
        ? {}
        : {
            namespaces,
            currentSchema: (scope: RequestScope) => {
              try {
                return schemaFor(scope);
              } catch {
                return undefined; // PGD201, logged by the store: the connection keeps the schema it has
              }
            },
          }),
      executeOnce: async (scope, request) => executeOverSocket(await yoga(), chain, mount, scope, request),
    },
    {
      connectionInitTimeoutMs: config.subscriptions.connectionInitTimeoutMs,
      keepAliveMs: config.subscriptions.keepAliveMs,
      log: logger,
      onSocket: (protocol, delta) => metrics.liveConnections.inc({ transport: protocol }, delta),
    },
  );

  // another source: reachable under its namespace field from the first source's endpoint
  if (mount.source !== undefined && mount.namespace !== undefined && namespacedSchemas !== undefined) {
    const { holder } = mount;
    /** the caller's scope on this source: its graph, the role's view of it */
    const scopeOn = (request: RequestInfo, identity: Identity): RequestScope => {
      const { graph } = holder.current;
      return { request: { ...request, graph }, identity, graph: chain.graphFor(graph, identity.role) };
    };
    // subscriptions under the namespace, by caller: a reload of this source moves them, as it moves its own connections'
    const delegated = new Set<{ readonly request: RequestInfo; readonly identity: Identity; readonly running: Set<RunningSubscription> }>();
    holder.onSwap(() => {
      for (const { request, identity, running } of delegated) {
        const scope = scopeOn(request, identity);
        namespacedSchemas
          .ready(scope.graph)
          .then((built) => Promise.all([...running].map((one) => one.restart({ scope, built }))))
          .catch((error: unknown) => logger.error({ err: error }, 'a subscription under a namespace could not move to the reloaded schema'));
      }
    });
    mount.graphqlNamespaces?.set(mount.source, {
      source: mount.source,
      field: mount.namespace.field,
      schemaFor: (role) => {
        if (holder.loaded === false) return undefined;
        try {
          return namespacedSchemas.get(chain.graphFor(holder.current.graph, role));
        } catch {
          return undefined; // logged once by the store (PGD201); the first source's schema goes on without it
        }
      },
      execute: async (outer, request, identity, operation) => {
        // as the same caller's request to this source's endpoint: this source's graph, role view and chain
        return executeOverSocket(await yoga(), chain, mount, scopeOn(request, identity), operation, { namespaced: true, outer });
      },
      subscribe: async (request, identity, operation, slots) => {
        const scope = scopeOn(request, identity);
        const built = await namespacedSchemas.ready(scope.graph);
        const prepared = prepareOperation(built, operation, limits.rulesFor(identity.role));
        if (prepared.kind === 'errors') return { errors: prepared.errors };
        if (prepared.kind !== 'subscription') return { errors: [new GraphQLError('not a subscription', { extensions: { code: 'validation-failed' } })] };
        // the connection's count (its per-role bound), and this source's own list of what a reload moves
        const entry = { request, identity, running: new Set<RunningSubscription>() };
        const counted = { get count() { return slots.count; }, set count(n: number) { slots.count = n; }, running: entry.running };
        const started = await startSubscription(liveDeps, scope, built, prepared.document, operation, counted);
        if (!('results' in started)) return started;
        delegated.add(entry);
        return mapResults(started.results, (result) => result, () => delegated.delete(entry));
      },
    });
  }

  const main: Mount = {
    name: 'graphql',
    protocol: 'graphql',
    path: config.server.graphqlPath,
    upgrade,
    handler: async (req, res, ctx) => {
      if (answerCors(req, res, cors)) return;
      let scope: RequestScope;
      try {
        scope = await scopeRequest(chain, req, ctx, 'graphql');
        await schemas.ready(scope.graph);
      } catch (error) {
        // refused before any GraphQL: a bad token, a blocked address, a spent rate limit; or no schema (PGD201)
        sendGraphqlErrors(res, error, ctx);
        return;
      }
      if (!chain.hasExecuteHooks) {
        if (fastPath !== undefined && (await fastPath.handle(req, res, ctx, scope))) return;
        await (await yoga()).handle(req, res, { pgduet: ctx, scope, cacheSlot: newCacheSlot() });
        return;
      }
      // PostgreSQL-native mode: the whole request in one transaction, set up by the chain (queries
      // only: on a read replica; the body is read first, so no connection waits for an upload)
      try {
        const body = req.method === 'POST' ? await keptBody(req, config.server.maxBodyBytes) : undefined;
        await answerInTransaction(databases, operationsAccess(req, body), chain, scope, res, async (out, inTx) => {
          const answered = fastPath !== undefined && (await fastPath.handle(req, out, ctx, inTx));
          if (!answered) await answerThroughFetch(await yoga(), req, out, { pgduet: ctx, scope: inTx, cacheSlot: newCacheSlot() }, config.server.maxBodyBytes);
        });
      } catch (error) {
        sendGraphqlErrors(res, error, ctx);
      }
    },
  };
  // another source (config `sources`) is at /graphql/<name>, and Hasura's address of it at /v1/graphql/<name>
  const hasuraPath = mount.source === undefined ? HASURA_PATH : `${HASURA_PATH}/${mount.source}`;
  if (config.server.graphqlPath === hasuraPath) return [main];
  // Hasura's address of the same API: the same handler, schemas and chain (the URL is the only difference)
  const hasura: Mount = {
    ...main,
    name: 'graphql_v1',
    path: hasuraPath,
    handler: (req, res, ctx) => {
      req.url = `${config.server.graphqlPath}${(req.url ?? '').slice(hasuraPath.length)}`;
      return main.handler(req, res, ctx);
    },
  };
  return [main, hasura];
}

/** Where Hasura serves GraphQL: a client moving from Hasura changes only the host. */
const HASURA_PATH = '/v1/graphql';

/**
 * yoga through its fetch API, so that its answer can be held back (until the request's
 * transaction commits) and written afterwards. The body was read already when the fast path
 * looked at it (`req.body`), else it is read here.
 */
async function answerThroughFetch(yoga: Yoga, req: IncomingMessage, out: ServerResponse, context: ServerContext, maxBodyBytes: number): Promise<void> {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const body = method === 'GET' || method === 'HEAD' ? undefined : await keptBody(req, maxBodyBytes);
  const response = await yoga.fetch(new URL(req.url ?? '/', 'http://pgduet'), { method, headers, ...(body === undefined ? {} : { body: new Uint8Array(body) }) }, context);
  response.headers.forEach((value, name) => out.setHeader(name, value));
  out.writeHead(response.status);
  out.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * A query or mutation sent over a WebSocket: answered by yoga as the same POST would be (the
 * connection's identity, the same plugins and pipeline; in PostgreSQL-native mode in a
 * transaction the chain sets up), and a write refetches the live queries over its tables.
 */
async function executeOverSocket(
  yoga: Yoga,
  chain: MountContext['chain'],
  mount: MountContext,
  scope: RequestScope,
  request: OperationRequest,
  options: { readonly namespaced?: boolean; readonly outer?: RequestContext } = {},
): Promise<ExecutionResult> {
  // a part of an HTTP request across sources: that request's id, log, trace and signal, this source's graph
  const { outer } = options;
  const pgduet: RequestContext = {
    id: outer?.id ?? randomUUID(),
    log: outer?.log ?? mount.logger,
    snapshot: mount.holder.current,
    trace: outer?.trace ?? { plans: [] },
    signal: outer?.signal ?? new CancelController(),
    admit: () => Promise.resolve(),
  };
  const planned = pgduet.trace.plans.length;
  const ask = (inScope: RequestScope): Promise<ExecutionResult> =>
    fetchOperation(yoga, mount.config.server.graphqlPath, { pgduet, scope: inScope, cacheSlot: newCacheSlot(), ...(options.namespaced === true ? { namespaced: true, part: true } : {}) }, request);
  let result: ExecutionResult;
  if (!chain.hasExecuteHooks) result = await ask(scope);
  else {
    // a query on a read replica, as over HTTP (request-transaction.ts)
    const access = queryAccess(request.query, request.operationName ?? undefined);
    result = await mount.databases.on(access, readSession(scope), (pool) =>
      RequestTransaction.run(
        pool,
        (query) => chain.execute(scope.request, scope.identity, query),
        (tx) => ask({ ...scope, transaction: tx }),
        (answer) => answer.errors === undefined || answer.errors.length === 0,
      ),
    );
  }
  // this operation's writes (a trace shared with the request across sources holds the other parts' too)
  const writes = pgduet.trace.plans.slice(planned).filter((plan) => plan.kind === 'insert' || plan.kind === 'update' || plan.kind === 'delete');
  if (writes.length > 0) mount.live.touch(planTables(writes));
  return result;
}

/** One operation through yoga as a POST of it would be answered (its plugins, the pipeline), with this context. */
async function fetchOperation(yoga: Yoga, path: string, context: ServerContext, operation: OperationRequest): Promise<ExecutionResult> {
  const body = JSON.stringify({ query: operation.query, operationName: operation.operationName ?? undefined, variables: operation.variables ?? undefined });
  const response = await yoga.fetch(new URL(path, 'http://pgduet'), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, body }, { ...context, cacheSlot: newCacheSlot() });
  return (await response.json()) as ExecutionResult;
}

/** An error answered without yoga, Hasura's way: `{errors: [{message, extensions: {code}}]}`, status 200. */
function sendGraphqlErrors(res: ServerResponse, error: unknown, ctx: RequestContext): void {
  if (isUnexpected(error)) ctx.log.error({ err: error }, 'unexpected error before a GraphQL request ran');
  const text = JSON.stringify({ errors: [toGraphqlError(error)] });
  const headers = error instanceof PgduetError && error.headers !== undefined ? error.headers : {};
  res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The role's validation rules of a request on yoga's path. */
function rulesOf(limits: GraphqlLimits): (context: ServerContext) => ReturnType<GraphqlLimits['rulesFor']> {
  return (context) => limits.rulesFor(context.scope.identity.role);
}

/**
 * The pipeline on yoga's path, between validation and execution: the operation is planned
 * whole and authorized once (refused as a whole, before anything runs or a transaction
 * begins); then one statement answers it and graphql-js's execution is skipped, or the
 * resolvers answer over the authorized Plans (`context.operation`) — with
 * `graphql.oneStatement: false`, always the resolvers. The onResult hooks then run over each
 * root field's assembled answer, as on the one-statement route.
 *
 * The response cache (`@cached`, cached.ts) is here, after authorization: a request the chain
 * refuses is refused whatever is cached, and the key holds the role and session the chain
 * authorized. Every route reaches it — the fast path leaves `@cached` operations to yoga, and
 * a batch's operations each pass here.
 */
function usePipeline(oneStatement: boolean, maxRows: number | null, cache: ResponseCache, onCache: (result: 'hit' | 'miss') => void, source: string | undefined, across: AcrossSources | undefined): Plugin<YogaContext> {
  return {
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as unknown as YogaContext & ServerContext;
      // fields of other sources (namespaces): each source answers its part through its own pipeline
      const split = across === undefined ? undefined : splitBySource(args.schema, args.document, args.operationName, args.variableValues, across.namespaces);
      // (a subscription under a namespace is served over a WebSocket: ws-connection.ts)
      if (across !== undefined && split !== undefined && split.operation !== 'subscription') {
        const text = await answerAcrossSources(
          split,
          (part) => (part.namespace === undefined ? across.answerOwn(context, part.operation) : part.namespace.execute(context.pgduet, context.scope.request, context.identity, part.operation)),
          context.log,
        );
        setResultAndStopExecution({ data: null, stringify: () => text } as ExecutionResult);
        return undefined;
      }
      const planned = planOperation(args.schema, context.builder, args.document, args.operationName, args.variableValues);
      // graphql-js reports what cannot be planned (unknown operation, bad variables) or answers it (introspection)
      if (planned === undefined) return undefined;
      if ('errors' in planned) {
        setResultAndStopExecution(planningErrors(planned.errors));
        return undefined;
      }
      const rootKeys = planned.plan.roots.map((root) => root.key);
      let operation;
      try {
        // graphql.maxRows: a top-level list over the bound is an error, never cut silently
        operation = await authorizeOperation(capRows(planned.plan, maxRows), context.run);
      } catch (error) {
        setResultAndStopExecution(operationError(error, rootKeys, context.log));
        return undefined;
      }
      const cached = planned.plan.operation === 'query' ? cachedOf(args.document, args.operationName, args.variableValues) : undefined;
      const key = cached === undefined ? undefined : cacheKey(args.document, args.operationName, args.variableValues, context.identity, context.request, context.chain.hasExecuteHooks, source);
      if (key !== undefined && cached?.refresh === false) {
        const hit = await cache.get(key);
        if (hit !== undefined) {
          onCache('hit');
          context.cacheSlot.maxAges.push(hit.maxAge);
          setResultAndStopExecution({ data: null, stringify: () => hit.text } as ExecutionResult);
          return undefined;
        }
      }
      if (key !== undefined) onCache('miss');
      // only an answer without errors is kept (an error may pass: a timeout, a database restarting)
      const keep = async (text: string): Promise<void> => {
        if (key === undefined || cached === undefined) return;
        const seconds = await cache.set(key, text, cached.ttl);
        if (seconds > 0) context.cacheSlot.maxAges.push(seconds);
      };
      if (oneStatement && operation.oneStatement) {
        const text = await answerInOneStatement(operation, context.run, context.log);
        if (text.startsWith('{"data":{')) await keep(text);
        // yoga writes the result with its `stringify`: the answer as answerInOneStatement rendered it
        setResultAndStopExecution({ data: null, stringify: () => text } as ExecutionResult);
        return undefined;
      }
      context.operation = operation;
      if (!context.chain.hasResultHooks && key === undefined) return undefined;
      const authorized = operation;
      return {
        onExecuteDone: async ({ result, setResult }) => {
          if (Symbol.asyncIterator in result || result.data === null || result.data === undefined) return;
          const data = context.chain.hasResultHooks ? await rootResultHooks(result.data, authorized, context.run) : result.data;
          if (data !== result.data) setResult({ ...result, data });
          if (result.errors === undefined || result.errors.length === 0) await keep(JSON.stringify({ data }));
        },
      };
    },
  };
}

/** What the first source's endpoint needs to answer an operation that selects other sources' namespaces. */
interface AcrossSources {
  readonly namespaces: GraphqlNamespaces;
  readonly answerOwn: (context: ServerContext, operation: OperationRequest) => Promise<ExecutionResult>;
}

/** Counts a request's operations (one, or each of a batch) and says `Cache-Control` when the cache answered or kept every one. */
function useCacheControl(): Plugin<YogaContext> {
  return {
    onParams: ({ context }) => {
      const slot = (context as unknown as Partial<ServerContext>).cacheSlot;
      if (slot !== undefined) slot.operations += 1;
    },
    onResponse: ({ response, serverContext }) => {
      const slot = (serverContext as Partial<ServerContext> | undefined)?.cacheSlot;
      if (slot === undefined || slot.operations === 0 || slot.maxAges.length !== slot.operations) return;
      response.headers.set('Cache-Control', `max-age=${Math.min(...slot.maxAges)}`);
    },
  };
}

/**
 * All mutation fields of one request run in one transaction: the first failure rolls all
 * of them back, and then no partial `data` is returned (it would describe writes that were
 * undone).
 */
function useMutationTransaction(pool: MountContext['pool']): Plugin<YogaContext> {
  return {
    onExecute: async ({ args }) => {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== OperationTypeNode.MUTATION) return undefined;
      const context = args.contextValue as YogaContext;
      const request = context.transaction.request;
      if (request !== undefined) {
        // the request is a transaction already: the mutation fields share a savepoint in it
        await request.query('savepoint pgduet_mutation');
        return {
          onExecuteDone: async ({ result, setResult }) => {
            if ('errors' in result && result.errors !== undefined && result.errors.length > 0) {
              await request.query('rollback to savepoint pgduet_mutation');
              setResult({ ...result, data: null });
            } else {
              await request.query('release savepoint pgduet_mutation');
            }
          },
        };
      }
      const client = await checkout(pool);
      beginLazily(client);
      context.transaction.client = client;
      return {
        onExecuteDone: async ({ result, setResult }) => {
          delete context.transaction.client;
          try {
            if ('errors' in result && result.errors !== undefined && result.errors.length > 0) {
              await endLazily(client, 'rollback');
              setResult({ ...result, data: null });
            } else {
              await endLazily(client, 'commit');
            }
            client.release();
          } catch (error) {
            client.release(error instanceof Error ? error : true);
            setResult({ errors: [new GraphQLError('the transaction could not be completed', { extensions: { code: 'unexpected' } })], data: null });
          }
        },
      };
    },
  };
}

/** yoga's codes for a request it cannot run; Hasura calls all of them `validation-failed` */
const YOGA_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Errors in Hasura's shape (hasura-errors.ts): a query that does not parse, does not validate,
 * or whose variables do not coerce is `validation-failed` with Hasura's message and
 * `extensions.path`; every other error gets its `extensions.path` from its response path.
 */
function useHasuraErrorCodes(): Plugin<YogaContext> {
  const isRequestError = (error: GraphQLError): boolean => error.extensions['code'] === undefined || YOGA_REQUEST_CODES.has(String(error.extensions['code']));
  const located = (error: GraphQLError): GraphQLError => {
    if (isRequestError(error)) return hasuraRequestError(error);
    const path = error.extensions['path'];
    if (error.path === undefined || (path !== undefined && path !== '$')) return path === undefined ? withPath(error, '$') : error;
    return withPath(error, hasuraResponsePath(error.path));
  };
  return {
    onParse: () => ({ result, replaceParseResult }) => {
      if (result instanceof Error) replaceParseResult(hasuraParseError());
    },
    onValidate: ({ params }) => ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map((error) => (isRequestError(error) ? hasuraRequestError(error, params.documentAST) : error)));
    },
    // variable coercion and operation resolution errors, raised by yoga or the executor; paths of the others
    onResultProcess: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return;
      const fix = (one: ExecutionResult): ExecutionResult => (one.errors === undefined || one.errors.length === 0 ? one : { ...one, errors: one.errors.map(located) });
      setResult(Array.isArray(result) ? result.map(fix) : fix(result as ExecutionResult));
    },
  };
}

function withPath(error: GraphQLError, path: string): GraphQLError {
  const { path: _old, ...rest } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, originalError: error.originalError ?? null, extensions: { path, ...rest } });
}
