import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

/** Hasura's environment variables (src/config/hasura-env.ts): a deployment keeps its environment. */

const SECRET = 'a-hasura-secret-that-is-long-enough-for-hs256';
const empty = (): string => mkdtempSync(join(tmpdir(), 'pgduet-hasura-env-'));
const load = (env: Record<string, string>, cwd = empty()) => loadConfig({ env, cwd });

function errorOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe("Hasura's environment variables", () => {
  it('set the database, replicas, admin secret, unauthorized role, numbers, CORS and port', () => {
    const { config, databaseUrlSource } = load({
      HASURA_GRAPHQL_DATABASE_URL: 'postgres://app@db:5432/app',
      HASURA_GRAPHQL_READ_REPLICA_URLS: 'postgres://app@r1:5432/app, postgres://app@r2:5432/app',
      HASURA_GRAPHQL_ADMIN_SECRET: 'myadminsecretkey',
      HASURA_GRAPHQL_UNAUTHORIZED_ROLE: 'public',
      HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES: 'true',
      HASURA_GRAPHQL_CORS_DOMAIN: 'https://app.example, http://localhost:3000',
      HASURA_GRAPHQL_SERVER_PORT: '8080',
    });
    expect(config.database.url).toBe('postgres://app@db:5432/app');
    expect(databaseUrlSource).toBe('HASURA_GRAPHQL_DATABASE_URL');
    expect(config.database.replicas).toEqual(['postgres://app@r1:5432/app', 'postgres://app@r2:5432/app']);
    expect(config.auth.adminSecret).toBe('myadminsecretkey');
    expect(config.auth.anonymousRole).toBe('public');
    expect(config.graphql.stringifyNumericTypes).toBe(true);
    expect(config.cors.origins).toEqual(['https://app.example', 'http://localhost:3000']);
    expect(config.server.port).toBe(8080);
  });

  it("lose to pgduet's own variables, and win over pgduet.yaml", () => {
    const cwd = empty();
    writeFileSync(join(cwd, 'pgduet.yaml'), 'database:\n  url: postgres://file@db/app\n  poolSize: 4\nserver:\n  port: 3000\n');
    const both = load({ HASURA_GRAPHQL_DATABASE_URL: 'postgres://hasura@db/app', DATABASE_URL: 'postgres://pgduet@db/app', HASURA_GRAPHQL_SERVER_PORT: '8080', PORT: '4000' }, cwd);
    expect(both.config.database.url).toBe('postgres://pgduet@db/app');
    expect(both.databaseUrlSource).toBe('DATABASE_URL');
    expect(both.config.server.port).toBe(4000);
    const hasura = load({ HASURA_GRAPHQL_DATABASE_URL: 'postgres://hasura@db/app' }, cwd);
    expect(hasura.config.database.url).toBe('postgres://hasura@db/app');
    expect(hasura.config.database.poolSize).toBe(4); // the rest of the file's section stays
  });

  it("read HASURA_GRAPHQL_JWT_SECRET's JSON: HMAC key, public key, JWKS URL, namespace, audience, issuer, skew", () => {
    const hmac = load({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: SECRET, audience: 'app', issuer: 'https://auth.example', allowed_skew: 5, claims_namespace: 'https://example.com/claims' }) });
    expect(hmac.config.auth.jwt).toMatchObject({ secret: SECRET, algorithms: ['HS256'], audience: 'app', issuer: 'https://auth.example', clockSkewSeconds: 5, claimsNamespace: 'https://example.com/claims' });
    const jwks = load({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ jwk_url: 'https://auth.example/.well-known/jwks.json' }) });
    expect(jwks.config.auth.jwt).toMatchObject({ jwksUrl: 'https://auth.example/.well-known/jwks.json', claimsNamespace: 'https://hasura.io/jwt/claims' });
  });

  it('refuse what they cannot apply as Hasura would, with the variable named', () => {
    expect(errorOf({ HASURA_GRAPHQL_JWT_SECRET: '{not json' })).toMatch(/HASURA_GRAPHQL_JWT_SECRET: expected Hasura's JSON/);
    expect(errorOf({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: SECRET, claims_map: {} }) })).toMatch(/claims_map is not supported/);
    expect(errorOf({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: SECRET, header: { type: 'Cookie', name: 'token' } }) })).toMatch(/outside the Authorization header/);
    expect(errorOf({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ key: SECRET }) })).toMatch(/"type" is required/);
    expect(errorOf({ HASURA_GRAPHQL_JWT_SECRET: JSON.stringify({ type: 'HS256', key: 'short' }) })).toMatch(/auth\.jwt\.secret/);
    expect(errorOf({ HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES: 'maybe' })).toMatch(/HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES: expected true or false/);
    expect(errorOf({ HASURA_GRAPHQL_SERVER_PORT: 'eighty' })).toMatch(/HASURA_GRAPHQL_SERVER_PORT: expected a port number/);
  });
});
