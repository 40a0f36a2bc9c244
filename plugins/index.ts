import { adminSecretPlugin } from './admin-secret/index.js';
import { apiKeyPlugin } from './api-key/index.js';
import { auditLogPlugin } from './audit-log/index.js';
import { ipAllowPlugin } from './ip-allow/index.js';
import { jwtPlugin } from './jwt/index.js';
import { limitsPlugin } from './limits/index.js';
import { permissionsPlugin } from './permissions/index.js';
import { postgresRolePlugin } from './postgres-role/index.js';
import { rateLimitPlugin } from './rate-limit/index.js';
import { requireCredentialsPlugin } from './require-credentials/index.js';

/**
 * The built-in plugins, each declared once in its folder: the config schema takes their
 * options from here and the chain creates the configured ones. Listed in the order they run
 * when their before/after leave a choice: identity first (Hasura's admin secret, an API key, then a JWT, so a user's
 * token wins over an app's key), then what needs to know who asks (credentials required,
 * address lists, rate limits), then what the role may do (permissions, limits, its database
 * role), the user's plugins, and the audit log last.
 */
export const builtInPlugins = [
  adminSecretPlugin,
  apiKeyPlugin,
  jwtPlugin,
  requireCredentialsPlugin,
  ipAllowPlugin,
  rateLimitPlugin,
  permissionsPlugin,
  limitsPlugin,
  postgresRolePlugin,
  auditLogPlugin,
] as const;

/** The rate limiter's Redis connection, shared with the response cache (src/cache): one failure policy for Redis. */
export { RedisConnection, parseRedisUrl } from './rate-limit/index.js';
export type { RedisLogger } from './rate-limit/index.js';
