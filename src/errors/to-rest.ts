import { POSTGREST_CODES } from './codes.js';
import { fromDatabaseTrouble } from './database-trouble.js';
import { describePostgresError, isPostgresError } from './from-postgres.js';
import { isPgduetError } from './pgduet-error.js';

/** An error as the REST surface sends it: PostgREST's body, its status, extra headers. */
export interface RestError {
  readonly status: number;
  readonly body: { readonly code: string; readonly message: string; readonly details: string | null; readonly hint: string | null };
  /** true when the error is a bug (not a PgduetError, not from PostgreSQL): log it */
  readonly unexpected: boolean;
  /** response headers the error needs (`Retry-After` on a 503, `WWW-Authenticate` on a 401) */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Renders any error in PostgREST's dialect: `{code, message, details, hint}`.
 * - a PgduetError: PostgREST's code and status when it has one (`PGRST100` …), else pgduet's;
 * - a database that cannot be reached or has no free connection: 503, PGRST001 / PGRST003;
 * - an error raised by PostgreSQL: its SQLSTATE as the code, the status as PostgREST maps it
 *   (`statusOfSqlstate`);
 * - anything else is a bug: masked, 500.
 */
export function toRestError(thrown: unknown, authenticated = false): RestError {
  const error = fromDatabaseTrouble(thrown) ?? thrown;
  if (isPgduetError(error)) {
    const code = error.postgrest ?? error.code;
    const status = error.postgrest === undefined ? error.status : POSTGREST_CODES[error.postgrest];
    return {
      status,
      body: { code, message: error.message, details: error.details ?? null, hint: error.hint ?? null },
      unexpected: false,
      ...(error.headers === undefined ? {} : { headers: error.headers }),
    };
  }
  if (isPostgresError(error)) {
    const info = describePostgresError(error);
    return {
      status: info.category === 'data' ? 400 : statusOfSqlstate(info.sqlstate, info.message, authenticated),
      body: { code: info.sqlstate, message: info.message, details: visibleDetail(info.sqlstate, info.detail), hint: info.hint ?? null },
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: { code: 'PGD599', message: 'unexpected error; it has been logged', details: null, hint: null },
    unexpected: true,
  };
}

/**
 * PostgreSQL's detail of a check or not-null violation is "Failing row contains (…)": every
 * column of the row, including those the caller's role may not read. It is left out; the
 * key-violation details (which name only the key) are kept, as PostgREST sends them.
 */
function visibleDetail(sqlstate: string, detail: string | undefined): string | null {
  if (detail === undefined) return null;
  if (sqlstate.startsWith('23') && sqlstate !== '23505' && sqlstate !== '23503') return null;
  return detail;
}

/**
 * PostgREST's mapping of SQLSTATE to HTTP status (`mapSQLtoHTTP` in its Error.hs), with one
 * change: a statement cancelled by `statement_timeout` (57014) is 504, not 500, because a
 * client can cause it and pgduet never answers 500 to something a client can send; for the
 * same reason a statement too complex to run (class 54: too many nested subqueries, a stack
 * too deep) is 400, not 500.
 */
export function statusOfSqlstate(sqlstate: string, message: string, authenticated: boolean): number {
  switch (sqlstate) {
    case '23503':
    case '23505':
      return 409;
    case '25006':
      return 405;
    case '21000':
      // pg-safeupdate's "DELETE requires a WHERE clause", and an upsert whose rows repeat a
      // key ("ON CONFLICT DO UPDATE command cannot affect row a second time"), are the
      // client's mistakes; any other cardinality violation is ours
      return message.endsWith('requires a WHERE clause') || message.startsWith('ON CONFLICT DO UPDATE command cannot affect row a second time') ? 400 : 500;
    case '53400':
      return 500;
    case '57P01':
      return 503;
    case '57014':
      return 504;
    case 'P0001':
      return 400;
    case '42883':
    case '42P01':
      return 404;
    case '42P17':
      return 500;
    case '42501':
      return authenticated ? 403 : 401;
  }
  const klass = sqlstate.slice(0, 2);
  if (klass === 'PT') {
    // RAISE … USING ERRCODE = 'PT402': the function chose the status
    const status = Number(sqlstate.slice(2));
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
  }
  switch (klass) {
    case '08':
    case '53':
      return 503;
    case '0L':
    case '0P':
    case '28':
      return 403;
    case '09':
    case '25':
    case '2D':
    case '38':
    case '39':
    case '3B':
    case '40':
    case '55':
    case '57':
    case '58':
    case 'F0':
    case 'HV':
    case 'P0':
    case 'XX':
      return 500;
    default:
      return 400;
  }
}
