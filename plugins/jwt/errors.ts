import { PgduetError } from '../../src/errors/index.js';

/**
 * A refused token: 401, PGD301, with PostgREST's code (PGRST301 when the token itself is bad,
 * PGRST303 when its claims do not hold) and the `WWW-Authenticate` header PostgREST sends.
 * Messages are fixed texts, never parts of the token: they go into a response header.
 */
export function invalidToken(
  message: string,
  postgrest: 'PGRST301' | 'PGRST303',
  extra: { readonly details?: string; readonly hint?: string; readonly cause?: unknown } = {},
): PgduetError {
  return new PgduetError('PGD301', message, { ...extra, postgrest, headers: { 'WWW-Authenticate': bearerChallenge('invalid_token', message) } });
}

/** `Bearer error="…", error_description="…"` (RFC 6750 §3), with the description made a safe quoted-string. */
export function bearerChallenge(error: string, description: string): string {
  const safe = description.replace(/[^\x20-\x7e]/g, ' ').replace(/["\\]/g, '\\$&');
  return `Bearer error="${error}", error_description="${safe}"`;
}
