import type { Config } from '../config/index.js';
import { Databases, createPool, watchAvailability, type Pool } from '../db/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/**
 * The primary's pool and one pool per read replica (`database.replicas`), each of
 * `database.poolSize` connections, each watched for outages. Introspection, LISTEN, plugins
 * and every transaction use the primary; reads go where `Databases` sends them. `source`: the
 * name of another source (config `sources`), which its pools' metric labels carry.
 */
export function openDatabases(config: Config, primaryUrl: string, logger: Logger, metrics: Metrics, source?: string): Databases {
  const { database } = config;
  const open = (url: string, applicationName: string): Pool => {
    const pool = createPool({
      url,
      size: database.poolSize,
      connectTimeoutMs: database.connectTimeoutMs,
      statementTimeoutMs: database.statementTimeoutMs,
      preparedStatements: database.preparedStatements,
      applicationName,
    });
    watchAvailability(pool, logger);
    return pool;
  };
  const primary = open(primaryUrl, source === undefined ? 'pgduet' : `pgduet ${source}`);
  const replicas = database.replicas.map((url) => open(url, source === undefined ? 'pgduet (reads)' : `pgduet ${source} (reads)`));
  if (!database.preparedStatements && database.listenUrl === undefined && (config.reload.listen || config.subscriptions.notifyChannel !== null)) {
    // LISTEN holds a session: a transaction-mode pooler hands it to others and loses the notifications
    logger.warn('database.preparedStatements is false (a transaction-mode pooler?): LISTEN for schema reloads and live-query NOTIFY needs a direct connection; set database.listenUrl');
  }
  // prom-client hashes the label set on each call: one child per pool, looked up once
  const counters = new Map<string, { inc(): void }>();
  const onStatement = (name: string): void => {
    let counter = counters.get(name);
    if (counter === undefined) counters.set(name, (counter = metrics.poolStatements.labels({ pool: name })));
    counter.inc();
  };
  const databases = new Databases(primary, replicas, { readYourWritesMs: database.readYourWritesMs, log: logger, onStatement, ...(source === undefined ? {} : { label: source }) });
  metrics.watchPools(databases.pools);
  return databases;
}
