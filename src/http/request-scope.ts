import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Chain, type Identity, type RequestInfo } from '../chain/index.js';
import type { RequestTransaction } from '../db/index.js';
import type { TypeGraph } from '../model/index.js';
import type { RequestContext } from './request-context.js';

/** Who a request runs as, and the graph that role sees: the first step of both protocols. */
export interface RequestScope {
  readonly request: RequestInfo;
  readonly identity: Identity;
  /** the role's view of the graph (what it may not see does not exist in it) */
  readonly graph: TypeGraph;
  /** the request's transaction, when the chain works inside one (PostgreSQL-native mode) */
  readonly transaction?: RequestTransaction;
}

/**
 * Runs the chain's `onRequest` hooks (identity, IP lists, rate limits) and picks the role's
 * graph; both go into the request's trace for the hooks told after the response. A refusal
 * (a bad token, a spent budget) is thrown, after `onError` has been told.
 */
export async function scopeRequest(chain: Chain, req: IncomingMessage, ctx: RequestContext, protocol: RequestInfo['protocol']): Promise<RequestScope> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const request: RequestInfo = {
    id: ctx.id,
    protocol,
    graph: ctx.snapshot.graph,
    headers: req.headers,
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    ip: req.socket.remoteAddress ?? '',
  };
  ctx.trace.request = request;
  let identity: Identity;
  try {
    identity = await chain.identify(request);
  } catch (error) {
    chain.error(error, request, ANONYMOUS);
    throw error;
  }
  ctx.trace.identity = identity;
  await ctx.admit(identity.role);
  return { request, identity, graph: chain.graphFor(request.graph, identity.role) };
}
