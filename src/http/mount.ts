import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LiveEngine } from '../live/index.js';
import type { Logger } from 'pino';
import type { ResponseCache } from '../cache/index.js';
import type { Chain } from '../chain/index.js';
import type { Config } from '../config/index.js';
import type { Databases, Pool } from '../db/index.js';
import type { Metrics } from './metrics.js';
import type { GraphSnapshot, RequestContext } from './request-context.js';
import type { GraphqlNamespaces } from '../graphql/index.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => void | Promise<void>;

/** A WebSocket upgrade request on a mount's path (GraphQL subscriptions): it owns the socket from here. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * A handler mounted at a path. The GraphQL issue mounts graphql-yoga at `/graphql`, the REST
 * issue its handler at `/rest` (with `prefix: true`); the server itself only routes.
 */
export interface Mount {
  /** the `route` label of the metrics: a fixed name, never the raw URL */
  readonly name: string;
  readonly protocol: 'graphql' | 'rest' | 'system';
  readonly path: string;
  /** also match everything below `path` */
  readonly prefix?: boolean;
  readonly methods?: readonly string[];
  readonly handler: Handler;
  /** takes WebSocket upgrades on this path (every GraphQL mount: subscriptions) */
  readonly upgrade?: UpgradeHandler;
  /** the other database (config `sources`) it serves; absent: the first */
  readonly source?: string;
}

/** Where the current type graph is kept (the server's GraphHolder): what a mount may read of it. */
export interface GraphSource {
  /** false while the graph of another source (config `sources`) is still loading; absent: always loaded */
  readonly loaded?: boolean;
  /** the current graph; throws a 503 (PGRST002) while not `loaded` */
  readonly current: GraphSnapshot;
  /** told of every new graph, after the swap */
  onSwap(listener: (snapshot: GraphSnapshot) => void): void;
}

/** Another source's place in the first source's GraphQL schema (config `sources[]`: namespace, typePrefix, rootFieldPrefix/Suffix). */
export interface NamespaceOptions {
  /** the root field it stands under; null: its root fields beside the first source's */
  readonly field: string | null;
  readonly typePrefix: string;
  readonly rootFields: { readonly prefix?: string; readonly suffix?: string };
}

/** What a protocol module needs to mount itself (the seam for /graphql and /rest). */
export interface MountContext {
  readonly config: Config;
  /** the authorization chain every request of every protocol passes */
  readonly chain: Chain;
  /** the primary's pool: transactions, writes, plugins */
  readonly pool: Pool;
  /** the primary and the read replicas: where each statement goes (http/request-database.ts) */
  readonly databases: Databases;
  readonly holder: GraphSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** live queries (subscriptions, SSE): one per server, multiplexed across every transport */
  readonly live: LiveEngine;
  /** the answers of `@cached` GraphQL queries: memory, or a Redis the instances share */
  readonly responseCache: ResponseCache;
  /**
   * the name of the other database (config `sources`) this context serves: `config`, `chain`,
   * the pools and `holder` are that source's. Undefined for the first source. A factory that
   * serves only the first source returns nothing for another.
   */
  readonly source?: string;
  /** another source's place in the first source's GraphQL schema: its root field and type prefix */
  readonly namespace?: NamespaceOptions;
  /**
   * the other sources' GraphQL APIs, by source name: each source's GraphQL mount adds its own,
   * the first source's schema shows them under their namespace fields (graphql/namespaces.ts)
   */
  readonly graphqlNamespaces?: GraphqlNamespaces;
}
