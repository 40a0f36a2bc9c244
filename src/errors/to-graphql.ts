import { GraphQLError } from 'graphql';
import { fromDatabaseTrouble } from './database-trouble.js';
import { describePostgresError, isPostgresError } from './from-postgres.js';
import { isPgduetError } from './pgduet-error.js';
import type { ErrorCode } from './codes.js';

/**
 * Any error a resolver meets, as a GraphQLError with Hasura's `extensions.code`:
 * validation-failed, not-supported, constraint-violation, data-exception, permission-error,
 * unexpected. What is not ours and not PostgreSQL's is a bug: its message is not shown (the
 * caller logs it; see `isUnexpected`).
 */
/** Hasura's `extensions.code` for pgduet's codes that have their own. */
const HASURA_CODES: Partial<Record<ErrorCode, string>> = {
  PGD005: 'not-ready',
  PGD104: 'not-supported',
  PGD201: 'unexpected',
  PGD301: 'invalid-jwt',
  PGD302: 'invalid-headers',
  PGD303: 'permission-error',
  PGD304: 'access-denied',
  PGD401: 'rate-limited',
  PGD402: 'access-denied',
  PGD403: 'validation-failed',
  // not Hasura's (it answers `unexpected`): stable codes a client can retry on
  PGD501: 'database-unavailable',
  PGD502: 'database-busy',
  PGD503: 'request-cancelled',
};

/**
 * Hasura's `extensions.path` for a response path: `$.selectionSet.film.selectionSet.language`
 * (list indexes left out); `$` for an error of the whole request.
 */
export function hasuraResponsePath(path: readonly (string | number)[] | undefined): string {
  if (path === undefined) return '$';
  return ['$', ...path.filter((k): k is string => typeof k === 'string').flatMap((k) => ['selectionSet', k])].join('.');
}

export function toGraphqlError(thrown: unknown, path?: readonly (string | number)[]): GraphQLError {
  if (thrown instanceof GraphQLError) return thrown;
  const error = fromDatabaseTrouble(thrown) ?? thrown;
  const at = path === undefined ? {} : { path };
  const where = { path: hasuraResponsePath(path) };
  if (isPgduetError(error)) {
    const code = HASURA_CODES[error.code] ?? (error.status === 401 || error.status === 403 ? 'permission-error' : 'validation-failed');
    return new GraphQLError(error.message, { ...at, extensions: { ...where, code, ...(error.hint === undefined ? {} : { hint: error.hint }) } });
  }
  if (isPostgresError(error)) {
    const info = describePostgresError(error);
    switch (info.category) {
      case 'constraint':
        return new GraphQLError(`${constraintTitle(info.sqlstate)}. ${info.message}`, {
          ...at,
          extensions: { ...where, code: 'constraint-violation', ...(info.constraint === undefined ? {} : { constraint: info.constraint }) },
        });
      case 'data':
        return new GraphQLError(info.message, { ...at, extensions: { ...where, code: 'data-exception' } });
      case 'permission':
        return new GraphQLError(info.message, { ...at, extensions: { ...where, code: 'permission-error' } });
      case 'timeout':
        // statement_timeout (57014) or lock_timeout (55P03): the query asked too much
        return new GraphQLError(`the query was cancelled: ${info.message}`, { ...at, extensions: { ...where, code: 'timeout' } });
      case 'raised':
        // RAISE EXCEPTION in a function: its message is meant for the caller
        return new GraphQLError(info.message, { ...at, extensions: { ...where, code: 'unexpected', ...(info.hint === undefined ? {} : { hint: info.hint }) } });
      default:
        return new GraphQLError('database query error', { ...at, extensions: { ...where, code: 'unexpected' } });
    }
  }
  return new GraphQLError('unexpected error', { ...at, extensions: { ...where, code: 'unexpected' } });
}

function constraintTitle(sqlstate: string): string {
  switch (sqlstate) {
    case '23505':
      return 'Uniqueness violation';
    case '23503':
      return 'Foreign key violation';
    case '23502':
      return 'Not-NULL violation';
    case '23514':
      return 'Check constraint violation';
    case '23P01':
      return 'Exclusion violation';
    default:
      return 'Integrity constraint violation';
  }
}

/**
 * True for errors worth a log line: bugs, and every database error the client is not shown
 * in full (an undefined function or column means our SQL is wrong; a timeout is an ops fact).
 */
export function isUnexpected(error: unknown): boolean {
  if (error instanceof GraphQLError || isPgduetError(error) || fromDatabaseTrouble(error) !== undefined) return false;
  if (isPostgresError(error)) return !['constraint', 'data', 'permission', 'raised'].includes(describePostgresError(error).category);
  return true;
}
