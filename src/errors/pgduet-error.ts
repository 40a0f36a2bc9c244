import { ERROR_CODES, type ErrorCode, type PostgrestCode } from './codes.js';

/** The one error type of pgduet: a stable code, an HTTP status, and optional details and hint. */
export class PgduetError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: string | undefined;
  readonly hint: string | undefined;
  /**
   * PostgREST's code for this condition (`PGRST100`, `PGRST200`, …), when PostgREST has one:
   * the REST surface renders it (and its status) so that PostgREST clients see what they know.
   */
  readonly postgrest: PostgrestCode | undefined;
  /** response headers the error needs (`WWW-Authenticate` on a 401, `Retry-After` on a 429) */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    extra: {
      readonly details?: string;
      readonly hint?: string;
      readonly cause?: unknown;
      readonly postgrest?: PostgrestCode;
      readonly headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'PgduetError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = extra.details;
    this.hint = extra.hint;
    this.postgrest = extra.postgrest;
    this.headers = extra.headers;
  }
}

/** Configuration and start-up problems (0xx): printed as one line, then the process exits. */
export class ConfigError extends PgduetError {
  override readonly name = 'ConfigError';
}

export function isPgduetError(value: unknown): value is PgduetError {
  return value instanceof PgduetError;
}
