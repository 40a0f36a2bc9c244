import type { Identity } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import { isPlainObject, parseClaimPath, resolveClaimPath, type ClaimPath } from './claim-path.js';
import { invalidToken } from './errors.js';
import type { JwtOptions } from './options.js';

/** How verified claims become an Identity (the parts of the options that say it). */
export interface ClaimRules {
  readonly roleClaim: ClaimPath;
  readonly defaultRole: string | undefined;
  /** Hasura's claims namespace, or false when Hasura mode is off */
  readonly claimsNamespace: string | false;
}

/** The claim rules of validated options. */
export function claimRules(options: JwtOptions): ClaimRules {
  return { roleClaim: parseClaimPath(options.roleClaim), defaultRole: options.defaultRole, claimsNamespace: options.claimsNamespace };
}

/**
 * Who verified claims say the caller is.
 *
 * Role: the `roleClaim` path; else (Hasura mode) the namespace's `x-hasura-default-role`; else
 * `defaultRole`; else the token is refused. In Hasura mode (the token has the claims namespace)
 * `requestedRole` (the `x-hasura-role` header) may pick another role among
 * `x-hasura-allowed-roles`; outside Hasura mode it is ignored.
 *
 * Session: in Hasura mode, the namespace's `x-hasura-*` claims plus `x-hasura-role` (the role
 * chosen); otherwise every top-level string, number or boolean claim. Keys lower-cased, values
 * as text (a Hasura array claim as a PostgreSQL array literal, `{a,b}`).
 */
export function identityFromClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, requestedRole?: string): Identity {
  const hasura = rules.claimsNamespace === false ? undefined : hasuraClaims(claims, rules.claimsNamespace);
  let role = roleOf(claims, rules, hasura);
  if (hasura !== undefined && requestedRole !== undefined && requestedRole !== '' && requestedRole !== role) {
    const allowed = hasura['x-hasura-allowed-roles'];
    if (!Array.isArray(allowed) || !allowed.includes(requestedRole)) {
      throw new PgduetError('PGD303', 'Your requested role is not in allowed roles', {
        details: 'the x-hasura-role header names a role that the token\'s x-hasura-allowed-roles does not list',
      });
    }
    role = requestedRole;
  }
  const session = hasura === undefined ? topLevelSession(claims) : { ...hasuraSession(hasura), 'x-hasura-role': role };
  const subject = claims['sub'];
  return {
    role,
    session,
    authenticated: true,
    claims,
    ...(typeof subject === 'string' ? { subject } : {}),
  };
}

function roleOf(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, hasura: Readonly<Record<string, unknown>> | undefined): string {
  const claimed = resolveClaimPath(claims, rules.roleClaim);
  if (claimed !== undefined) {
    if (typeof claimed !== 'string' || claimed === '') {
      throw invalidToken('JWT role claim is not a string', 'PGRST303', { details: `the claim at ${rules.roleClaim.text} must be a non-empty string` });
    }
    return claimed;
  }
  const hasuraDefault = hasura?.['x-hasura-default-role'];
  if (typeof hasuraDefault === 'string' && hasuraDefault !== '') return hasuraDefault;
  if (rules.defaultRole !== undefined) return rules.defaultRole;
  throw invalidToken('JWT role claim not found', 'PGRST303', {
    details: `the token has no claim at ${rules.roleClaim.text}${hasura === undefined ? '' : ' and no x-hasura-default-role'}`,
    hint: 'give the token a role claim, or configure defaultRole',
  });
}

/**
 * The Hasura claims of the token, keys lower-cased: the namespace as an object (or as JSON
 * text, Hasura's stringified_json format).
 */
function hasuraClaims(claims: Readonly<Record<string, unknown>>, namespace: string): Readonly<Record<string, unknown>> | undefined {
  if (!Object.hasOwn(claims, namespace)) return undefined;
  let value = claims[namespace];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // not JSON: refused below
    }
  }
  if (!isPlainObject(value)) throw invalidToken('JWT claims namespace is not an object', 'PGRST303', { details: `the ${namespace} claim must be a JSON object` });
  // Hasura reads its claim names in any case (`X-Hasura-Allowed-Roles`)
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key.toLowerCase(), v]));
}

function hasuraSession(namespace: Readonly<Record<string, unknown>>): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(namespace)) {
    if (!key.startsWith('x-hasura-')) continue;
    const text = Array.isArray(value) ? arrayLiteral(value) : scalarText(value);
    if (text !== undefined) entries.push([key, text]);
  }
  return Object.fromEntries(entries);
}

function topLevelSession(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(claims)) {
    const text = scalarText(value);
    if (text !== undefined) entries.push([key.toLowerCase(), text]);
  }
  return Object.fromEntries(entries);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `["a","b c"]` → `{a,"b c"}`: a PostgreSQL array literal, as Hasura passes array claims. */
function arrayLiteral(values: readonly unknown[]): string | undefined {
  const items: string[] = [];
  for (const value of values) {
    const text = scalarText(value);
    if (text === undefined) return undefined;
    items.push(text === '' || /[{},"\\\s]/.test(text) || text.toLowerCase() === 'null' ? `"${text.replace(/["\\]/g, '\\$&')}"` : text);
  }
  return `{${items.join(',')}}`;
}
