import type { Counter, Histogram, Registry } from 'prom-client';
import type { Pool } from '../db/index.js';

/** The server's Prometheus metrics; the protocols count their statements and fast-path answers. */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'protocol' | 'route' | 'status'>;
  readonly duration: Histogram<'protocol' | 'route'>;
  readonly reloads: Counter<'result'>;
  /** SQL statements run for API requests (benchmarks read statements per request from it) */
  readonly statements: Counter<'protocol'>;
  /** GraphQL requests answered by the fast path (a known document, one statement), not by yoga */
  readonly graphqlFastPath: Counter;
  /** the pool to report on; set once it exists */
  watchPool(pool: Pool): void;
}
