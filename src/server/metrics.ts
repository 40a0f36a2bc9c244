import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NamedPool } from '../db/index.js';
import type { Metrics } from '../http/index.js';
import { RequestCounts, RequestDurations } from './request-metrics.js';

export type { Metrics } from '../http/index.js';

/**
 * One registry per server (not prom-client's global one), so that tests can run several
 * servers in one process and each reports only its own numbers.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  // the standard names (process_*, nodejs_*), as every Node.js dashboard expects them
  collectDefaultMetrics({ register: registry });
  let pools: readonly NamedPool[] = [];
  const requests = new RequestCounts({
    name: 'pgduet_http_requests_total',
    help: 'HTTP requests by protocol (graphql, rest, system), route and status code',
    registry,
  });
  const duration = new RequestDurations({
    name: 'pgduet_http_request_duration_seconds',
    help: 'Time from request to the end of the response',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  });
  const reloads = new Counter({
    name: 'pgduet_schema_reloads_total',
    help: 'Schema reloads by result (swapped, unchanged, failed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const statements = new Counter({
    name: 'pgduet_db_statements_total',
    help: 'SQL statements run to answer API requests, by protocol',
    labelNames: ['protocol'] as const,
    registers: [registry],
  });
  const graphqlFastPath = new Counter({
    name: 'pgduet_graphql_fast_path_total',
    help: 'GraphQL requests answered by the fast path (a document seen before, one statement) without graphql-yoga',
    registers: [registry],
  });
  const graphqlCache = new Counter({
    name: 'pgduet_graphql_cache_total',
    help: '@cached GraphQL operations: answered from the response cache (hit), or run (miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'pgduet_db_pool_connections',
    help: 'Database pool connections by pool (primary, replica0, …) and state (total, idle, waiting clients)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      for (const { name, pool } of pools) {
        this.set({ pool: name, state: 'total' }, pool.totalCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
        this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'pgduet_db_pool_healthy',
    help: 'Whether a pool takes reads: 1, or 0 for a read replica left out because it could not be reached',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      for (const { name, healthy } of pools) this.set({ pool: name }, healthy ? 1 : 0);
    },
  });
  const poolStatements = new Counter({
    name: 'pgduet_db_pool_statements_total',
    help: 'Statements sent to each pool (primary, replica0, …) outside a transaction: where reads and writes went',
    labelNames: ['pool'] as const,
    registers: [registry],
  });
  const liveConnections = new Gauge({ name: 'pgduet_live_connections', help: 'Open subscription connections by transport (graphql-transport-ws, graphql-ws, sse)', labelNames: ['transport'] as const, registers: [registry] });
  const liveSubscriptions = new Gauge({ name: 'pgduet_live_subscriptions', help: 'Running subscriptions by kind (live, stream, sse)', labelNames: ['kind'] as const, registers: [registry] });
  const liveCohorts = new Gauge({ name: 'pgduet_live_cohorts', help: 'Cohorts (subscriptions sharing a shape and values) and shapes (one statement each per interval and batch)', labelNames: ['level'] as const, registers: [registry] });
  const liveRefetch = new Histogram({
    name: 'pgduet_live_refetch_duration_seconds',
    help: 'Time of one multiplexed refetch statement (a shape, or one batch of its cohorts)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const liveMessages = new Counter({ name: 'pgduet_live_messages_total', help: 'Subscription results sent, by transport', labelNames: ['transport'] as const, registers: [registry] });
  return {
    registry,
    liveConnections,
    liveSubscriptions,
    liveCohorts,
    liveRefetch,
    liveMessages,
    requests,
    duration,
    reloads,
    statements,
    graphqlFastPath,
    graphqlCache,
    poolStatements,
    // one call per source (config `sources`): each adds its pools
    watchPools: (p) => {
      pools = [...pools, ...p];
    },
  };
}
