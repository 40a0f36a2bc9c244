export { ERROR_CODES } from './codes.js';
export type { ErrorCode } from './codes.js';
export { PgduetError, ConfigError, isPgduetError } from './pgduet-error.js';
