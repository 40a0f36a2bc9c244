import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { JwtOptions } from './options.js';

/**
 * What verifies a token's signature: bytes (a secret), one public key, or a key set that picks
 * a key by the token's `kid` and `alg`. Built synchronously from validated options, so a bad
 * PEM or JWK stops the start-up rather than the first request.
 */
export type JwtKey =
  | { readonly kind: 'secret'; readonly key: Uint8Array }
  | { readonly kind: 'public'; readonly key: KeyObject }
  | {
      readonly kind: 'set';
      readonly getKey: JWTVerifyGetKey;
      readonly prefetch: () => Promise<void>;
      /** the set as last fetched (a new object after each fetch): tokens verified against another are verified again */
      readonly generation: () => unknown;
    };

/**
 * The key set could not be had (network, HTTP status, not JSON, timeout): a fault of the
 * server's configuration or of the key server, not of the token.
 */
export class KeySetUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the JSON Web Key Set could not be fetched', { cause });
    this.name = 'KeySetUnavailableError';
  }
}

/** The key (or key set) that `options` name. */
export function createJwtKey(options: JwtOptions): JwtKey {
  if (options.secret !== undefined) {
    const bytes = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret.base64, 'base64');
    return { kind: 'secret', key: new Uint8Array(bytes) };
  }
  if (options.publicKey !== undefined) {
    const key = options.publicKey;
    if (typeof key === 'string') return { kind: 'public', key: createPublicKey(key) };
    if (isKeySet(key)) {
      const local = createLocalJWKSet(key as unknown as JSONWebKeySet);
      return { kind: 'set', getKey: local, prefetch: () => Promise.resolve(), generation: () => key };
    }
    return { kind: 'public', key: createPublicKey({ key: key as JsonWebKey, format: 'jwk' }) };
  }
  if (options.jwksUrl !== undefined) {
    const remote = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.jwksCooldownSeconds * 1000,
      cacheMaxAge: options.jwksCacheMaxAgeSeconds * 1000,
      timeoutDuration: Math.round(options.jwksTimeoutSeconds * 1000),
    });
    const getKey: JWTVerifyGetKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error: unknown) {
        throw isTokenFault(error) ? error : new KeySetUnavailableError(error);
      }
    };
    return {
      kind: 'set',
      getKey,
      generation: () => remote.jwks(),
      prefetch: async () => {
        try {
          await remote.reload();
        } catch (error: unknown) {
          throw new KeySetUnavailableError(error);
        }
      },
    };
  }
  // jwtOptions refuses options without a key; this is for callers that skipped it
  throw new Error('JWT options name no key: give secret, publicKey or jwksUrl');
}

function isKeySet(key: object): key is { readonly keys: readonly object[] } {
  return 'keys' in key && Array.isArray(key.keys);
}

/**
 * Errors of the key set that the token causes (an unknown `kid`, an algorithm no key has):
 * anything else comes from fetching the set.
 */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  );
}
