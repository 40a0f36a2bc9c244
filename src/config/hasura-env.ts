import { ConfigError } from '../errors/index.js';
import { parsePort, splitList } from './env-values.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Hasura's environment variables, so that a deployment moving from Hasura keeps its
 * environment: each sets what pgduet's own setting would, over pgduet.yaml as every variable
 * does; pgduet's own variable wins when both are set (`DATABASE_URL` over
 * `HASURA_GRAPHQL_DATABASE_URL`). The settings as pgduet.yaml would spell them.
 *
 * `HASURA_GRAPHQL_JWT_SECRET` is Hasura's JSON (`{"type":"HS256","key":"…"}`, `jwk_url`,
 * `claims_namespace`, `audience`, `issuer`, `allowed_skew`); what pgduet cannot do the same
 * way (`claims_map`, `claims_format: stringified_json`, a token in a cookie or another header)
 * is refused at start-up rather than half-applied.
 */
export function hasuraEnvSettings(env: Readonly<Record<string, string | undefined>>): JsonObject {
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const database: JsonObject = {};
  const auth: JsonObject = {};
  const graphql: JsonObject = {};
  const cors: JsonObject = {};
  const server: JsonObject = {};
  const url = set('HASURA_GRAPHQL_DATABASE_URL');
  if (url !== undefined) database['url'] = url;
  const replicas = set('HASURA_GRAPHQL_READ_REPLICA_URLS');
  if (replicas !== undefined) database['replicas'] = splitList(replicas);
  const adminSecret = set('HASURA_GRAPHQL_ADMIN_SECRET');
  if (adminSecret !== undefined) auth['adminSecret'] = adminSecret;
  const unauthorized = set('HASURA_GRAPHQL_UNAUTHORIZED_ROLE');
  if (unauthorized !== undefined) auth['anonymousRole'] = unauthorized;
  const jwt = set('HASURA_GRAPHQL_JWT_SECRET');
  if (jwt !== undefined) auth['jwt'] = jwtSettings(jwt);
  const stringify = set('HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES');
  if (stringify !== undefined) graphql['stringifyNumericTypes'] = flag('HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES', stringify);
  const origins = set('HASURA_GRAPHQL_CORS_DOMAIN');
  if (origins !== undefined) cors['origins'] = splitList(origins).filter((origin) => origin !== '*');
  const port = set('HASURA_GRAPHQL_SERVER_PORT');
  if (port !== undefined) server['port'] = parsePort(port, 'HASURA_GRAPHQL_SERVER_PORT');
  const out: JsonObject = {};
  for (const [key, value] of Object.entries({ database, auth, graphql, cors, server })) if (Object.keys(value).length > 0) out[key] = value;
  return out;
}

/** Hasura's `HASURA_GRAPHQL_JWT_SECRET` as pgduet's `auth.jwt`. */
function jwtSettings(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('PGD001', 'HASURA_GRAPHQL_JWT_SECRET: expected Hasura\'s JSON, such as {"type":"HS256","key":"…"}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('PGD001', 'HASURA_GRAPHQL_JWT_SECRET: expected a JSON object');
  const given = parsed as Record<string, Json>;
  const refuse = (what: string): never => {
    throw new ConfigError('PGD001', `HASURA_GRAPHQL_JWT_SECRET: ${what} is not supported by pgduet; configure auth.jwt in pgduet.yaml instead`);
  };
  if (given['claims_map'] !== undefined) refuse('claims_map');
  if (given['claims_format'] !== undefined && given['claims_format'] !== 'json') refuse(`claims_format "${String(given['claims_format'])}"`);
  if (given['header'] !== undefined) refuse('a token outside the Authorization header ("header")');
  if (given['claims_namespace_path'] !== undefined) refuse('claims_namespace_path');
  const jwt: JsonObject = {};
  const type = typeof given['type'] === 'string' ? given['type'] : undefined;
  if (typeof given['jwk_url'] === 'string') jwt['jwksUrl'] = given['jwk_url'];
  else if (typeof given['key'] === 'string') {
    if (type === undefined) throw new ConfigError('PGD001', 'HASURA_GRAPHQL_JWT_SECRET: "type" is required with "key"');
    jwt[type.startsWith('HS') ? 'secret' : 'publicKey'] = given['key'];
  } else throw new ConfigError('PGD001', 'HASURA_GRAPHQL_JWT_SECRET: expected "key" or "jwk_url"');
  if (type !== undefined) jwt['algorithms'] = [type];
  if (typeof given['claims_namespace'] === 'string') jwt['claimsNamespace'] = given['claims_namespace'];
  if (given['audience'] !== undefined) jwt['audience'] = given['audience'];
  if (given['issuer'] !== undefined) jwt['issuer'] = given['issuer'];
  if (typeof given['allowed_skew'] === 'number') jwt['clockSkewSeconds'] = given['allowed_skew'];
  // Hasura reads the role from its claims namespace: pgduet's Hasura mode does so already
  return jwt;
}

function flag(name: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text.trim())) return true;
  if (/^(false|0|no)$/i.test(text.trim())) return false;
  throw new ConfigError('PGD001', `${name}: expected true or false, got "${text}"`);
}
