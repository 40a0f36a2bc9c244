// What the auth workloads (W6 in rest.mjs, W7 in graphql.mjs) share: a JWT secret, tokens signed
// with it, and the database role PostgreSQL-native mode switches to.
import { createHmac } from 'node:crypto';

/** HS256 secret of the bench's pgduet (auth.jwt.secret); nothing else trusts it. */
export const JWT_SECRET = 'pgduet-bench-secret-of-at-least-32-bytes';

/** A compact HS256 JWT with `claims`, valid for two hours. */
export function benchToken(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iat: now, exp: now + 7200, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

/** The pgduet.yaml lines that verify benchToken's tokens. */
export const JWT_CONFIG = `auth:\n  jwt:\n    secret: ${JSON.stringify(JWT_SECRET)}\n`;

/** W7's database role (PostgreSQL-native mode sets it per request), created once, allowed W2's tables. */
export const NATIVE_ROLE = 'bench_web';
export const NATIVE_ROLE_SQL = `do $$ begin
  if not exists (select from pg_roles where rolname = '${NATIVE_ROLE}') then create role ${NATIVE_ROLE} nologin; end if;
end $$;
grant usage on schema public to ${NATIVE_ROLE};
grant select on customer, address, city to ${NATIVE_ROLE};`;
