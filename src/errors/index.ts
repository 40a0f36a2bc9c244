export { ERROR_CODES, POSTGREST_CODES } from './codes.js';
export type { ErrorCode, PostgrestCode } from './codes.js';
export { PgduetError, ConfigError, isPgduetError } from './pgduet-error.js';
export { RequestError, invalidRequest, notSupported } from './request-error.js';
export type { RequestErrorExtra } from './request-error.js';
export { describePostgresError, isPostgresError } from './from-postgres.js';
export type { PostgresErrorInfo } from './from-postgres.js';
export { isUnexpected, toGraphqlError } from './to-graphql.js';
