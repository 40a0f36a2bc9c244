export { createPool, checkDatabase, redactUrl } from './pool.js';
export type { Pool, PoolClient, PoolOptions } from './pool.js';
export { startEmbeddedDatabase } from './embedded.js';
export type { EmbeddedDatabase, EmbeddedOptions } from './embedded.js';
export { runSqlScript } from './run-sql-script.js';
export { installWatch, uninstallWatch } from './watch.js';
export { executeCompiled, executeRow } from './execute.js';
export type { StatementRunner } from './execute.js';
export { inTransaction, RequestTransaction } from './transaction.js';
