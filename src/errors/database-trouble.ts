import { PgduetError } from './pgduet-error.js';

/**
 * The database itself in trouble, told apart from a statement that failed: it cannot be
 * reached or a connection to it was lost (`unavailable`), or no pooled connection came free
 * in time (`busy`). Both are the server's condition, not the request's fault, and both pass:
 * the client is told to retry (503 + `Retry-After`), nothing is logged per request (the
 * db layer logs once when the database goes away and once when it is back).
 */
export type DatabaseTrouble = 'unavailable' | 'busy';

/** Node's socket errors that mean "no database at that address right now". */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);

/**
 * What node-postgres throws when a connection ends under it or cannot be made. pg gives these
 * no code, only a message, so the messages are matched (pg 8: client.js, pg-pool/index.js).
 */
const LOST_CONNECTION = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/** pg-pool's message when no client came free within `connectionTimeoutMillis`. */
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

/**
 * SQLSTATEs of a server that is going away or not yet there: connection exceptions (08),
 * admin/crash shutdown (57P01, 57P02), "the database system is starting up" (57P03); and, when
 * connecting (FATAL), "database … does not exist" (3D000: dropped or renamed while served).
 */
function isUnavailableSqlstate(code: string, severity: unknown): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || (code === '3D000' && severity === 'FATAL');
}

export function databaseTrouble(error: unknown): DatabaseTrouble | undefined {
  if (error instanceof AggregateError) {
    // `localhost` is tried over IPv6 and IPv4: both refused is one refusal
    return error.errors.length > 0 && error.errors.every((e) => databaseTrouble(e) === 'unavailable') ? 'unavailable' : undefined;
  }
  if (!(error instanceof Error)) return undefined;
  if (error.message === POOL_TIMEOUT) return 'busy';
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (SOCKET_CODES.has(code) || ('severity' in error && isUnavailableSqlstate(code, error.severity)))) return 'unavailable';
  if (LOST_CONNECTION.test(error.message)) return 'unavailable';
  return undefined;
}

/** How long a client is asked to wait before it retries, in seconds (`Retry-After`). */
const RETRY_AFTER_SECONDS = '1';

/**
 * The PgduetError a database in trouble is answered with, in both protocols (REST: PostgREST's
 * PGRST001 / PGRST003; GraphQL: `database-unavailable` / `database-busy`). Undefined when the
 * error is something else.
 */
export function fromDatabaseTrouble(error: unknown): PgduetError | undefined {
  if (error instanceof PgduetError) return undefined;
  const trouble = databaseTrouble(error);
  if (trouble === undefined) return undefined;
  if (trouble === 'busy') return databaseBusy('Timed out acquiring connection from connection pool.');
  return new PgduetError('PGD501', 'Database client error. Retrying the connection.', {
    postgrest: 'PGRST001',
    details: describe(error),
    headers: { 'Retry-After': RETRY_AFTER_SECONDS },
    cause: error,
  });
}

/** One line naming the cause (`connect ECONNREFUSED 127.0.0.1:5432`), never a stack. */
export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || ('code' in error ? String(error.code) : error.name);
  return String(error);
}

/** No connection (or no turn of the caller's role) within the wait allowed: 503, PGRST003. */
export function databaseBusy(message: string, hint = 'the server is busy: retry shortly'): PgduetError {
  return new PgduetError('PGD502', message, { postgrest: 'PGRST003', hint, headers: { 'Retry-After': RETRY_AFTER_SECONDS } });
}
