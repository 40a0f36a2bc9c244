import { PgduetError } from '../../src/errors/index.js';
import { bearerChallenge } from '../jwt/index.js';

const MESSAGE = 'Invalid API key';

/**
 * A refused key: 401 PGD301 / PGRST301, the same answer for an unknown, revoked or expired key,
 * so that an answer never tells whether a key exists. The key itself is never in it.
 */
export function invalidApiKey(details?: string): PgduetError {
  return new PgduetError('PGD301', MESSAGE, {
    postgrest: 'PGRST301',
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_token', MESSAGE) },
    ...(details === undefined ? {} : { details }),
  });
}
