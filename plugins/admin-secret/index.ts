import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { declarePlugin, type Identity, type PgduetPlugin } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import { headerValues } from '../jwt/index.js';

/**
 * Hasura's admin secret (`HASURA_GRAPHQL_ADMIN_SECRET`): a request whose `x-hasura-admin-secret`
 * (or the older `x-hasura-access-key`) header is the secret runs as the `admin` role, or as the
 * role its `x-hasura-role` header names, with its `x-hasura-*` headers as session variables —
 * as Hasura lets an admin try another role's permissions. A wrong secret is refused
 * (`access-denied`, Hasura's message); no secret leaves the request to the other plugins.
 */

/** `auth.adminSecret`: one secret, or several (rotation: Hasura's HASURA_GRAPHQL_ADMIN_SECRETS). */
export const adminSecretOption = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional();

const HEADERS = ['x-hasura-admin-secret', 'x-hasura-access-key'] as const;
export const ADMIN_ROLE = 'admin';

/** The same refusal for every wrong secret, with Hasura's text. */
export function invalidAdminSecret(): PgduetError {
  return new PgduetError('PGD304', 'invalid x-hasura-admin-secret/x-hasura-access-key');
}

/** sha-256 of the text: equal-length digests compared in constant time, whatever the lengths. */
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function useAdminSecret(secrets: string | readonly string[]): PgduetPlugin {
  const expected = (typeof secrets === 'string' ? [secrets] : secrets).map(digest);
  const matches = (presented: string): boolean => {
    const given = digest(presented);
    // every secret compared, so the time does not tell which one matched
    let found = false;
    for (const one of expected) found = timingSafeEqual(one, given) || found;
    return found;
  };
  return {
    name: 'admin-secret',
    description: 'x-hasura-admin-secret: the admin role, which may choose a role (x-hasura-role) and session variables (x-hasura-*)',
    onRequest(event) {
      const headers = event.request.headers;
      const presented = HEADERS.map((name) => headerValues(headers, name)[0]).find((v) => v !== undefined);
      if (presented === undefined) return;
      if (!matches(presented)) throw invalidAdminSecret();
      event.setIdentity(adminIdentity(headers));
    },
  };
}

/** The role `x-hasura-role` names (else admin) and every other `x-hasura-*` header as a session variable. */
function adminIdentity(headers: Readonly<Record<string, string | string[] | undefined>>): Identity {
  const session: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const key = name.toLowerCase();
    const text = headerValues(headers, name)[0];
    if (!key.startsWith('x-hasura-') || text === undefined || (HEADERS as readonly string[]).includes(key)) continue;
    session[key] = text;
  }
  const role = session['x-hasura-role'] ?? ADMIN_ROLE;
  return { role, session: { ...session, 'x-hasura-role': role }, authenticated: true, subject: ADMIN_ROLE };
}

/** `auth.adminSecret` (or the PGDUET_ADMIN_SECRET environment variable). */
export const adminSecretPlugin = declarePlugin({
  name: 'admin-secret',
  description: 'the admin role for requests with the admin secret (auth.adminSecret, x-hasura-admin-secret)',
  configKey: 'auth.adminSecret',
  options: adminSecretOption,
  // an admin's request is identified before any token or key is looked at
  before: ['api-key', 'jwt'],
  create: (secrets) => useAdminSecret(secrets),
});
