export { useJwt, type JwtPlugin } from './use-jwt.js';
export {
  jwtOptions,
  acceptedAlgorithms,
  HMAC_ALGORITHMS,
  PUBLIC_KEY_ALGORITHMS,
  DEFAULT_PUBLIC_KEY_ALGORITHMS,
  HASURA_CLAIMS_NAMESPACE,
  type JwtOptions,
  type JwtOptionsInput,
  type JwtAlgorithm,
  type JwtPublicKey,
} from './options.js';
export { createJwtVerifier, verifyToken, type JwtVerifier, type JwtVerifierDeps } from './verify-token.js';
export { createJwtKey, KeySetUnavailableError, type JwtKey } from './keys.js';
export { identityFromClaims, claimRules, type ClaimRules } from './identity.js';
export { parseClaimPath, resolveClaimPath, type ClaimPath, type ClaimPathStep } from './claim-path.js';
export { readAuthorization, looksLikeJwt, headerValue, headerValues, type AuthorizationCredential } from './bearer.js';
export { invalidToken, bearerChallenge } from './errors.js';
export { jwtPlugin } from './plugin.js';
