import type { PgduetPlugin } from '../../src/chain/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { headerValue, looksLikeJwt, readAuthorization } from './bearer.js';
import { claimRules, identityFromClaims } from './identity.js';
import { jwtOptions, type JwtOptionsInput } from './options.js';
import { createJwtVerifier, type JwtVerifierDeps } from './verify-token.js';

/** The JWT plugin, plus a way to fetch a remote JWKS before the first request. */
export interface JwtPlugin extends PgduetPlugin {
  /** fetches the JWKS of `jwksUrl` now (resolves at once for other keys); rejects when it cannot be had */
  prefetchKeys(): Promise<void>;
}

/**
 * The JWT plugin: a `Bearer` token with the shape of a JWT is verified and becomes the identity
 * (`identityFromClaims`); no `Authorization` header, another scheme, or a Bearer token that is
 * not a JWT (an API key) leaves the identity as it is. A bad token refuses the request (401).
 * The options are validated here too: a mistake throws ConfigError PGD001.
 */
export function useJwt(options: JwtOptionsInput, deps: JwtVerifierDeps = {}): JwtPlugin {
  const parsed = jwtOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length === 0 ? 'jwt' : `jwt.${i.path.map(String).join('.')}`}: ${i.message}`);
    throw new ConfigError('PGD001', issues.join('; '));
  }
  const verifier = createJwtVerifier(parsed.data, deps);
  const rules = claimRules(parsed.data);
  return {
    name: 'jwt',
    description: 'verifies Bearer JWTs (secret, public key or JWKS) and takes the role and session from their claims',
    prefetchKeys: () => verifier.prefetch(),
    async onRequest(event) {
      const credential = readAuthorization(event.request.headers);
      if (credential.kind !== 'bearer' || !looksLikeJwt(credential.token)) return;
      const claims = await verifier.verify(credential.token);
      event.setIdentity(identityFromClaims(claims, rules, headerValue(event.request.headers, 'x-hasura-role')));
    },
  };
}
