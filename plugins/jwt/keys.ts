import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type * as Jose from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { loadJose } from './jose.js';
import type { JwtOptions } from './options.js';

/**
 * What verifies a token's signature: bytes (a secret), one public key, or a key set that picks
 * a key by the token's `kid` and `alg`. Built synchronously from validated options, so a bad
 * PEM or JWK stops the start-up rather than the first request; a key set's jose object is made
 * when first used (jose is loaded by the first token: loadJose).
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
      let local: JWTVerifyGetKey | undefined;
      const getKey: JWTVerifyGetKey = async (header, token) => {
        local ??= (await loadJose()).createLocalJWKSet(key as unknown as JSONWebKeySet);
        return local(header, token);
      };
      return { kind: 'set', getKey, prefetch: () => Promise.resolve(), generation: () => key };
    }
    return { kind: 'public', key: createPublicKey({ key: key as JsonWebKey, format: 'jwk' }) };
  }
  if (options.jwksUrl !== undefined) {
    const url = new URL(options.jwksUrl);
    let remote: ReturnType<typeof Jose.createRemoteJWKSet> | undefined;
    const remoteSet = async (): Promise<ReturnType<typeof Jose.createRemoteJWKSet>> => {
      remote ??= (await loadJose()).createRemoteJWKSet(url, {
        cooldownDuration: options.jwksCooldownSeconds * 1000,
        cacheMaxAge: options.jwksCacheMaxAgeSeconds * 1000,
        timeoutDuration: Math.round(options.jwksTimeoutSeconds * 1000),
      });
      return remote;
    };
    const getKey: JWTVerifyGetKey = async (header, token) => {
      const set = await remoteSet();
      try {
        return await set(header, token);
      } catch (error: unknown) {
        throw isTokenFault((await loadJose()).errors, error) ? error : new KeySetUnavailableError(error);
      }
    };
    return {
      kind: 'set',
      getKey,
      // nothing fetched yet (undefined) until the set exists, as jose's jwks() before its first fetch
      generation: () => remote?.jwks(),
      prefetch: async () => {
        const set = await remoteSet();
        try {
          await set.reload();
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
function isTokenFault(errors: typeof Jose.errors, error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  );
}
