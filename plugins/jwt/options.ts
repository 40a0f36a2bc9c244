import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { parseClaimPath } from './claim-path.js';

/** HMAC algorithms: the only ones a shared `secret` verifies. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** Public-key algorithms: the only ones a `publicKey` or a `jwksUrl` verifies. */
export const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** What a public key or a JWKS accepts when `algorithms` is not given. */
export const DEFAULT_PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'EdDSA', 'Ed25519'] as const;

export type JwtAlgorithm = (typeof HMAC_ALGORITHMS)[number] | (typeof PUBLIC_KEY_ALGORITHMS)[number];

/** Hasura's claims namespace: when a token has it, its `x-hasura-*` keys are the session. */
export const HASURA_CLAIMS_NAMESPACE = 'https://hasura.io/jwt/claims';

const MIN_SECRET_BYTES = 32;

const secret = z.union([
  z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') >= MIN_SECRET_BYTES, `expected a secret of at least ${MIN_SECRET_BYTES} bytes`)
    // a public key used as an HMAC secret is the algorithm-confusion attack's whole trick
    .refine((s) => !s.includes('-----BEGIN '), 'this is a PEM key, not a secret: give it as publicKey'),
  z
    .object({
      /** the secret's bytes in base64 (or base64url), as PostgREST's `jwt-secret-is-base64` */
      base64: z
        .string()
        .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'expected base64 text')
        .refine((s) => Buffer.from(s, 'base64').length >= MIN_SECRET_BYTES, `expected a secret of at least ${MIN_SECRET_BYTES} bytes once decoded`),
    })
    .strict(),
]);

const jwk = z.looseObject({ kty: z.string() });

const publicKey = z.union([
  /** PEM: a public key (SPKI), or an X.509 certificate */
  z.string().regex(/-----BEGIN [A-Z0-9 ]+-----/, 'expected a PEM public key (-----BEGIN PUBLIC KEY-----) or certificate'),
  /** a JWK Set, as a JWKS endpoint would serve it (the token's `kid` picks the key) */
  z.object({ keys: z.array(jwk).min(1) }).strict(),
  /** one JWK */
  jwk,
]);

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * The JWT plugin's options (`auth.jwt` in pgduet.yaml). Exactly one of `secret`, `publicKey`,
 * `jwksUrl` is required.
 */
export const jwtOptions = z
  .object({
    /** HMAC secret (HS256/384/512): a string of at least 32 bytes, or `{ base64 }` */
    secret: secret.optional(),
    /** a public key: PEM text, a JWK, or a JWK Set `{ keys: [...] }` */
    publicKey: publicKey.optional(),
    /** a remote JWK Set, fetched when first needed, cached, and fetched again for an unknown `kid` */
    jwksUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    /** seconds after a JWKS fetch during which an unknown `kid` does not fetch again */
    jwksCooldownSeconds: z.number().min(0).default(30),
    /** seconds a fetched JWKS is used before it is fetched again */
    jwksCacheMaxAgeSeconds: z.number().min(0).default(600),
    /** seconds to wait for the JWKS endpoint */
    jwksTimeoutSeconds: z.number().positive().default(5),
    /** the accepted `alg` values; by default those of the key's kind */
    algorithms: z.array(z.enum([...HMAC_ALGORITHMS, ...PUBLIC_KEY_ALGORITHMS])).min(1).optional(),
    /** the token's `aud` must contain (one of) this */
    audience: oneOrMore.optional(),
    /** the token's `iss` must be (one of) this */
    issuer: oneOrMore.optional(),
    /** tolerance for `exp`, `nbf` and `iat`, in seconds */
    clockSkewSeconds: z.number().int().min(0).max(3600).default(30),
    /** refuse tokens without `exp` (PostgREST accepts them) */
    requireExp: z.boolean().default(false),
    /** where the role is, as a PostgREST JSPath: `.role`, `."https://hasura.io/jwt/claims"."x-hasura-default-role"`, `.roles[0]` */
    roleClaim: z
      .string()
      .default('.role')
      .superRefine((text, ctx) => {
        try {
          parseClaimPath(text);
        } catch (error: unknown) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }),
    /** the role of a token that has no role claim; without it such a token is refused */
    defaultRole: z.string().min(1).optional(),
    /** Hasura's claims namespace (a top-level claim); `false` turns Hasura mode off */
    claimsNamespace: z.union([z.string().min(1), z.literal(false)]).default(HASURA_CLAIMS_NAMESPACE),
    /** longer Bearer JWTs are refused without being decoded */
    maxTokenLength: z.number().int().min(256).default(16_384),
    /** verified tokens kept so that a repeated token is not verified again (0: none; PostgREST's jwt-cache-max-entries) */
    cacheMaxEntries: z.number().int().min(0).default(1000),
    /** the longest a verified token is kept, in seconds (never past its exp) */
    cacheMaxAgeSeconds: z.number().min(0).default(300),
  })
  .strict()
  .superRefine((options, ctx) => {
    const given = (['secret', 'publicKey', 'jwksUrl'] as const).filter((k) => options[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          given.length === 0
            ? 'expected one of secret, publicKey or jwksUrl'
            : `expected only one of secret, publicKey or jwksUrl, got ${given.join(' and ')}`,
      });
      return;
    }
    const hmac = options.secret !== undefined;
    const wrong = (options.algorithms ?? []).filter((alg) => (HMAC_ALGORITHMS as readonly string[]).includes(alg) !== hmac);
    if (wrong.length > 0) {
      // an HMAC algorithm with a public key is the algorithm-confusion attack: never allowed
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: hmac
          ? `a secret verifies HS256, HS384 or HS512 only, not ${wrong.join(', ')}`
          : `a public key or JWKS verifies public-key algorithms only, not ${wrong.join(', ')}`,
      });
    }
    if (options.publicKey !== undefined) {
      const problem = publicKeyProblem(options.publicKey);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['publicKey'], message: problem });
    }
  });

/** The options as given (defaults may be left out). */
export type JwtOptionsInput = z.input<typeof jwtOptions>;
/** The options once validated, every default filled in. */
export type JwtOptions = z.output<typeof jwtOptions>;
/** `publicKey` once validated. */
export type JwtPublicKey = NonNullable<JwtOptions['publicKey']>;

/** The algorithms the plugin accepts: `algorithms`, else those of the key's kind. */
export function acceptedAlgorithms(options: JwtOptions): readonly JwtAlgorithm[] {
  if (options.algorithms !== undefined) return options.algorithms;
  return options.secret !== undefined ? HMAC_ALGORITHMS : DEFAULT_PUBLIC_KEY_ALGORITHMS;
}

/** Why a `publicKey` cannot be used, or undefined when it can. */
function publicKeyProblem(key: JwtPublicKey): string | undefined {
  const candidates = typeof key === 'string' ? [key] : 'keys' in key && Array.isArray(key.keys) ? key.keys : [key];
  for (const candidate of candidates) {
    if (typeof candidate !== 'string' && candidate['kty'] === 'oct') return 'a symmetric (oct) key is a secret: use secret';
    try {
      if (typeof candidate === 'string') createPublicKey(candidate);
      else createPublicKey({ key: candidate as JsonWebKey, format: 'jwk' });
    } catch (error: unknown) {
      return `not a usable public key (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  return undefined;
}
