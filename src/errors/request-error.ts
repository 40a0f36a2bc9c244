import type { PostgrestCode } from './codes.js';
import { PgduetError } from './pgduet-error.js';

/** A request that cannot be planned (1xx): bad arguments, unknown names, unsupported forms. */
export class RequestError extends PgduetError {
  override readonly name = 'RequestError';
}

/** What a request error may add to its message. */
export interface RequestErrorExtra {
  readonly hint?: string;
  readonly details?: string;
  /** PostgREST's code for the condition, rendered by the REST surface */
  readonly postgrest?: PostgrestCode;
}

export function invalidRequest(message: string, extra?: string | RequestErrorExtra): RequestError {
  const options = typeof extra === 'string' ? { hint: extra } : (extra ?? {});
  return new RequestError('PGD103', message, options);
}

export function notSupported(message: string, extra: RequestErrorExtra = {}): RequestError {
  return new RequestError('PGD104', message, extra);
}
