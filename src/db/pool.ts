import pg from 'pg';
import { ConfigError } from '../errors/index.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  readonly url: string;
  readonly size: number;
  /** how long a request waits for a free connection (and a new connection to open) */
  readonly connectTimeoutMs: number;
  /** `statement_timeout` of every connection, in ms; 0: none */
  readonly statementTimeoutMs?: number;
  /** shown in pg_stat_activity.application_name */
  readonly applicationName?: string;
  /**
   * `false`: no statement is ever sent with a name (each is parsed again each time), for
   * transaction-mode poolers, which give each transaction whichever server connection is free
   */
  readonly preparedStatements?: boolean;
}

// int8 and numeric stay strings (pg's default): no digit is lost on the way to the client.
export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'pgduet',
    keepAlive: true,
    ...(options.preparedStatements === false ? { Client: UnnamedStatementClient } : {}),
    // a startup parameter of each connection, so it holds in every mode, for every statement,
    // without a round trip; a request's transaction may change it (SET LOCAL, per role)
    ...(options.statementTimeoutMs === undefined || options.statementTimeoutMs === 0 ? {} : { statement_timeout: options.statementTimeoutMs }),
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // Node would crash the process. The next checkout simply gets a fresh connection.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A client that sends every statement unnamed. A named prepared statement lives in one server
 * session; behind a transaction-mode pooler the next transaction may run on another session,
 * where the name is unknown (or names another statement). Dropping the name here covers every
 * path a statement takes (the pipeline, live queries, plugins), whatever asked for a name.
 */
class UnnamedStatementClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((first: unknown, ...rest: unknown[]) => query(withoutName(first), ...rest)) as pg.Client['query'];
  }
}

/** Whether `client` sends named prepared statements (not behind a transaction-mode pooler). */
export function namesStatements(client: pg.ClientBase): boolean {
  return !(client instanceof UnnamedStatementClient);
}

function withoutName(config: unknown): unknown {
  if (typeof config !== 'object' || config === null || !('name' in config) || typeof (config as { submit?: unknown }).submit === 'function') return config;
  const { name: _name, ...rest } = config as Record<string, unknown>;
  return rest;
}

/**
 * Checks out one connection and runs `select 1`, turning a failure into one line that says
 * which database could not be reached and why (the password is never printed).
 */
export async function checkDatabase(pool: Pool, url: string): Promise<void> {
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('select 1');
  } catch (error) {
    throw new ConfigError('PGD002', `cannot connect to database ${redactUrl(url)}: ${describeError(error)}`, { cause: error });
  } finally {
    client?.release();
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db` */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return error.message || ('code' in error ? String(error.code) : error.name);
  return String(error);
}
