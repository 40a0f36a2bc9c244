import type { IncomingMessage, ServerResponse } from 'node:http';
import { inTransaction, withCancel, type RequestTransaction } from '../db/index.js';
import type { RunPlanContext } from '../pipeline/index.js';
import { RequestError } from '../errors/index.js';
import { answerCors, answerInTransaction, postgrestCors, requestDatabase, scopeRequest, type Mount, type MountContext, type RequestContext, type RequestScope } from '../http/index.js';
import type { CompileOptions } from '../sql/index.js';
import type { OpenApiServer } from './docs.js';
import { allow, methodNotAllowed } from './allow.js';
import { handleRead } from './handle-read.js';
import { handleLiveRead, wantsEventStream, type LiveRest } from './handle-live-read.js';
import type { Atomically, RestScope } from './scope.js';
import { handleRpc } from './handle-rpc.js';
import { allowedMethods, handleWrite } from './handle-write.js';
import { resolveEntity } from './plan/index.js';
import { restRequest } from './request.js';
import { sendRestError } from './respond.js';

/**
 * The REST API in PostgREST's dialect at `server.restPath`:
 * - `GET /rest/` — the OpenAPI document (served by `openApi`);
 * - `GET|HEAD|POST|PATCH|PUT|DELETE /rest/<table or view>`;
 * - `GET|POST /rest/rpc/<function>`.
 * Each request is parsed (`parse/`), planned (`plan/`), passed through the chain and compiled
 * to one statement by the same `sql/` as GraphQL; the JSON PostgreSQL builds goes out unparsed.
 */
export function restMount(mount: MountContext, openApi: OpenApiServer): Mount {
  const { config, pool, databases, metrics } = mount;
  const chain = mount.chain;
  // PostgREST's JSON: numbers are JSON numbers (written by PostgreSQL, never parsed here,
  // so no digit is lost on the way)
  const options: CompileOptions = { exactNumbersAsStrings: false };
  const cors = postgrestCors(config.cors.origins);
  // prom-client hashes a label set per call: the one this mount counts is looked up once
  const statements = metrics.statements.labels({ protocol: 'rest' });
  const prefix = config.server.restPath.endsWith('/') ? config.server.restPath.slice(0, -1) : config.server.restPath;

  const scopeOf = (ctx: RequestContext, requestScope: RequestScope, tx: RequestTransaction | undefined): RestScope => {
    // statements stop when the client leaves (db/cancel.ts); reads may go to a replica
    const { db, onWrite } = requestDatabase(databases, requestScope, ctx.signal, () => tx?.client);
    const run: RunPlanContext = {
      chain,
      request: requestScope.request,
      identity: requestScope.identity,
      options,
      db,
      onWrite,
      onStatement: () => statements.inc(),
      jsonAsText: true,
      onAuthorized: (plan) => ctx.trace.plans.push(plan),
      ...(chain.hasResponseHooks ? { onRowsAffected: (rows: number) => void (ctx.trace.rowsAffected = (ctx.trace.rowsAffected ?? 0) + rows) } : {}),
    };
    const atomically: Atomically =
      tx === undefined
        ? (work, o) => inTransaction(pool, (client) => work(withCancel(client, ctx.signal)), o)
        : (work, o) => tx.savepoint((client) => work(withCancel(client, ctx.signal)), o);
    // the caller's role's view: a table or column it may not see does not exist here
    return { graph: requestScope.graph, run, atomically, config };
  };

  const liveRest: LiveRest = {
    live: mount.live,
    databases,
    keepAliveMs: config.subscriptions.keepAliveMs,
    onMessage: () => metrics.liveMessages.inc({ transport: 'sse' }),
    onStream: (delta) => {
      metrics.liveConnections.inc({ transport: 'sse' }, delta);
      metrics.liveSubscriptions.inc({ kind: 'sse' }, delta);
    },
  };

  /** Routes one request to its handler. */
  const route = async (req: IncomingMessage, res: ServerResponse, requestScope: RequestScope, tx: RequestTransaction | undefined, ctx: RequestContext): Promise<void> => {
    const request = restRequest(req, prefix, config.database.schemas, config.server.maxBodyBytes);
    const scope = scopeOf(ctx, requestScope, tx);
    // PostgREST names the schema of the answer when it was negotiated (sendRestError removes it from errors)
    if (request.negotiated) res.setHeader('Content-Profile', request.schema);
    if (request.resource === '') {
      if (request.method === 'OPTIONS') {
        allow(res, 'OPTIONS, GET, HEAD');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request.method, 'GET, HEAD');
      openApi(req, res, scope.graph);
      return;
    }
    if (request.resource.startsWith('rpc/')) {
      await handleRpc(request, res, scope, request.resource.slice('rpc/'.length));
      return;
    }
    if (request.resource.includes('/')) throw new RequestError('PGD101', `no route for ${req.url ?? ''}`);
    const entity = resolveEntity(scope.graph, request.schema, request.resource);
    if (wantsEventStream(request)) {
      await handleLiveRead(request, res, scope, entity, liveRest);
      return;
    }
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        await handleRead(request, res, scope, entity);
        return;
      case 'POST':
      case 'PATCH':
      case 'PUT':
      case 'DELETE':
        await handleWrite(request, res, scope, entity);
        return;
      case 'OPTIONS':
        allow(res, allowedMethods(entity).join(', '));
        return;
      default:
        throw methodNotAllowed(request.method, allowedMethods(entity).join(', '));
    }
  };

  return {
    name: 'rest',
    protocol: 'rest',
    path: prefix === '' ? '/' : prefix,
    prefix: true,
    handler: async (req, res, ctx) => {
      const head = req.method === 'HEAD';
      // a preflight carries no credentials: answered before anyone is authenticated
      if (answerCors(req, res, cors)) return;
      let authenticated = false;
      try {
        const requestScope = await scopeRequest(chain, req, ctx, 'rest');
        authenticated = requestScope.identity.authenticated;
        // server-sent events run their statements in transactions of their own (src/live), not in the request's
        if (!chain.hasExecuteHooks || isEventStream(req)) {
          await route(req, res, requestScope, undefined, ctx);
          return;
        }
        // PostgreSQL-native mode: the whole request in one transaction, set up by the chain (a
        // GET or HEAD on a read replica: a volatile function is refused on GET, PGRST101)
        const access = req.method === 'GET' || head ? 'read' : 'write';
        await answerInTransaction(databases, access, chain, requestScope, res, (out, inTx) => route(req, out, inTx, inTx.transaction, ctx));
      } catch (error) {
        sendRestError(res, error, ctx.log, head, authenticated);
      }
    },
  };
}

function isEventStream(req: IncomingMessage): boolean {
  return req.method === 'GET' && /text\/event-stream/i.test(String(req.headers.accept ?? ''));
}
