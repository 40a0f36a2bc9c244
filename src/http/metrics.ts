import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NamedPool } from '../db/index.js';

/** The server's Prometheus metrics; the protocols count their statements and fast-path answers. */
export interface Metrics {
  readonly registry: Registry;
  /** requests by protocol, route and status (server/request-metrics.ts) */
  readonly requests: { series(protocol: string, route: string, status: number): { inc(): void } };
  /** request durations by protocol and route (server/request-metrics.ts) */
  readonly duration: { series(protocol: string, route: string): { observe(seconds: number): void } };
  readonly reloads: Counter<'result'>;
  /** SQL statements run for API requests (benchmarks read statements per request from it) */
  readonly statements: Counter<'protocol'>;
  /** GraphQL requests answered by the fast path (a known document, one statement), not by yoga */
  readonly graphqlFastPath: Counter;
  /** `@cached` operations: answered from the response cache, or run */
  readonly graphqlCache: Counter<'result'>;
  /** subscriptions: open WebSockets and SSE streams, by transport */
  readonly liveConnections: Gauge<'transport'>;
  /** subscriptions running (GraphQL live queries and streams, REST SSE) */
  readonly liveSubscriptions: Gauge<'kind'>;
  /** cohorts (subscriptions of one shape and the same values) and shapes being refetched */
  readonly liveCohorts: Gauge<'level'>;
  /** one multiplexed statement: all cohorts of a shape (or of one batch of them) */
  readonly liveRefetch: Histogram;
  /** results sent to subscribers */
  readonly liveMessages: Counter<'transport'>;
  /** statements sent to each pool (`pool`: primary, replica0, …): where reads went */
  readonly poolStatements: Counter<'pool'>;
  /** the pools to report on (connections by state, a replica's health); set once they exist */
  watchPools(pools: readonly NamedPool[]): void;
}
