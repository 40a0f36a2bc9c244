import { PgduetError } from './pgduet-error.js';

/** A request that cannot be planned (1xx): bad arguments, unknown names, unsupported forms. */
export class RequestError extends PgduetError {
  override readonly name = 'RequestError';
}

export function invalidRequest(message: string, hint?: string): RequestError {
  return new RequestError('PGD103', message, hint === undefined ? {} : { hint });
}

export function notSupported(message: string): RequestError {
  return new RequestError('PGD104', message);
}
