import type * as Jose from 'jose';
import type { errors, JWTPayload, JWTVerifyOptions } from 'jose';
import type { PgduetError } from '../../src/errors/index.js';
import { invalidToken } from './errors.js';
import { loadJose } from './jose.js';
import { createJwtKey, KeySetUnavailableError, type JwtKey } from './keys.js';
import { acceptedAlgorithms, type JwtAlgorithm, type JwtOptions } from './options.js';
import { createVerifiedTokenCache } from './verified-cache.js';

/** Verifies compact JWTs against one configured key (or key set). */
export interface JwtVerifier {
  /** the token's claims once its signature and its time, audience and issuer claims hold; else a 401 PgduetError */
  verify(token: string): Promise<Readonly<Record<string, unknown>>>;
  /** fetches a remote JWKS now (at start-up, to fail early); nothing for other keys */
  prefetch(): Promise<void>;
}

export interface JwtVerifierDeps {
  /** the clock (tests) */
  readonly now?: () => Date;
}

/** A verifier for validated options (see `jwtOptions`); tokens that passed are remembered (verified-cache.ts). */
export function createJwtVerifier(options: JwtOptions, deps: JwtVerifierDeps = {}): JwtVerifier {
  const key = createJwtKey(options);
  const algorithms = acceptedAlgorithms(options);
  const generation = (): unknown => (key.kind === 'set' ? key.generation() : key);
  const verified = createVerifiedTokenCache({ maxEntries: options.cacheMaxEntries, maxAgeMs: options.cacheMaxAgeSeconds * 1000, clockSkewSeconds: options.clockSkewSeconds });
  return {
    verify: async (token) => {
      const now = deps.now?.() ?? new Date();
      const cached = verified.get(token, now.getTime(), generation());
      if (cached !== undefined) return cached;
      const claims = await verifyToken(token, key, options, algorithms, now);
      verified.set(token, claims, now.getTime(), generation());
      return claims;
    },
    prefetch: () => (key.kind === 'set' ? key.prefetch() : Promise.resolve()),
  };
}

/**
 * The claims of `token`, verified: shape, algorithm (only `algorithms`; `none` never), signature,
 * `exp`/`nbf`/`iat` with `clockSkewSeconds`, `aud` and `iss` when configured, `exp` present when
 * `requireExp`. Every refusal is a PgduetError PGD301 (401) with PostgREST's code.
 */
export async function verifyToken(
  token: string,
  key: JwtKey,
  options: JwtOptions,
  algorithms: readonly JwtAlgorithm[],
  now: Date,
): Promise<Readonly<Record<string, unknown>>> {
  if (token.length > options.maxTokenLength) {
    throw invalidToken('JWT invalid: the token is too long', 'PGRST301', { details: `longer than ${options.maxTokenLength} characters` });
  }
  const parts = token.split('.').length;
  if (parts !== 3) throw invalidToken(`JWT invalid: expected 3 parts, got ${parts}`, 'PGRST301');

  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    clockTolerance: options.clockSkewSeconds,
    currentDate: now,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.requireExp ? { requiredClaims: ['exp'] } : {}),
  };
  const jose = await loadJose();
  let payload: JWTPayload;
  try {
    payload = await verifyWith(jose, token, key, verifyOptions);
  } catch (error: unknown) {
    throw tokenError(jose.errors, error, algorithms);
  }
  // jose checks `iat` against the clock only with maxTokenAge; PostgREST refuses a future `iat`
  if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + options.clockSkewSeconds) {
    throw invalidToken('JWT issued in the future', 'PGRST303');
  }
  return payload;
}

async function verifyWith({ jwtVerify, errors }: typeof Jose, token: string, key: JwtKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  switch (key.kind) {
    case 'secret':
    case 'public':
      return (await jwtVerify(token, key.key, options)).payload;
    case 'set':
      try {
        return (await jwtVerify(token, key.getKey, options)).payload;
      } catch (error: unknown) {
        // keys without `kid` (or with the same one) in one set: jose leaves trying each to us
        if (error instanceof errors.JWKSMultipleMatchingKeys) return verifyWithEach({ jwtVerify, errors }, token, error, options);
        throw error;
      }
  }
}

async function verifyWithEach(
  { jwtVerify, errors }: Pick<typeof Jose, 'jwtVerify' | 'errors'>,
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  for await (const candidate of candidates) {
    try {
      return (await jwtVerify(token, candidate, options)).payload;
    } catch (error: unknown) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
    }
  }
  throw new errors.JWSSignatureVerificationFailed();
}

/** jose's verdict as PostgREST words it (PGRST301: the token; PGRST303: its claims). */
function tokenError(errors: typeof Jose.errors, error: unknown, algorithms: readonly JwtAlgorithm[]): PgduetError {
  const cause = { cause: error };
  if (error instanceof KeySetUnavailableError) {
    return invalidToken('JWT could not be verified: the key set is unavailable', 'PGRST301', {
      ...cause,
      hint: 'the JWKS endpoint did not answer with a key set; the server log has the cause',
    });
  }
  if (error instanceof errors.JWTExpired) return invalidToken('JWT expired', 'PGRST303', cause);
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error);
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('JWT invalid: signature does not match', 'PGRST301', cause);
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return invalidToken('JWT invalid: algorithm not allowed', 'PGRST301', { ...cause, details: `accepted: ${algorithms.join(', ')}` });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalidToken('JWT invalid: no key matches the token', 'PGRST301', { ...cause, details: 'no key of the key set has its kid and alg' });
  }
  if (error instanceof errors.JOSENotSupported) {
    // an algorithm that the key cannot do (ES256 for an RSA key), an unknown `crit` header
    return invalidToken('JWT invalid: unsupported algorithm or header', 'PGRST301', { ...cause, details: error.message });
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    // jose's messages are fixed texts ("JWS Protected Header is invalid"), safe to show
    return invalidToken('JWT invalid: malformed token', 'PGRST301', { ...cause, details: error.message });
  }
  if (error instanceof TypeError) {
    // jose refuses a key of the wrong type for the token's alg (an EC token for an RSA key)
    return invalidToken('JWT invalid: the key does not fit the token algorithm', 'PGRST301', cause);
  }
  return invalidToken('JWT invalid', 'PGRST301', cause);
}

const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat']);

function claimError(error: errors.JWTClaimValidationFailed): PgduetError {
  const cause = { cause: error };
  if (error.reason === 'invalid' && TIME_CLAIMS.has(error.claim)) {
    return invalidToken('JWT claims invalid: a time claim is not a number', 'PGRST303', { ...cause, details: `${error.claim} must be a NumericDate` });
  }
  switch (error.claim) {
    case 'nbf':
      return invalidToken('JWT not yet valid', 'PGRST303', cause);
    case 'iat':
      return invalidToken('JWT issued in the future', 'PGRST303', cause);
    case 'aud':
      return invalidToken('JWT audience does not match', 'PGRST303', cause);
    case 'iss':
      return invalidToken('JWT issuer does not match', 'PGRST303', cause);
    case 'exp':
      return invalidToken('JWT has no expiry', 'PGRST303', { ...cause, hint: 'the server requires an exp claim' });
    default:
      return invalidToken('JWT claims invalid', 'PGRST303', cause);
  }
}
