import { Chain, type Identity, type PgduetPlugin } from '../chain/index.js';
import type { Config } from '../config/index.js';
import type { Pool } from '../db/index.js';
import { PgduetError } from '../errors/index.js';
import { createApiKeyStore, loadApiKeysFromTable, useApiKeys } from '../../plugins/api-key/index.js';
import { useAuditLog } from '../../plugins/audit-log/index.js';
import { useIpAllow } from '../../plugins/ip-allow/index.js';
import { useJwt } from '../../plugins/jwt/index.js';
import { useRateLimit } from '../../plugins/rate-limit/index.js';
import { useLimits } from '../../plugins/limits/index.js';
import { usePermissions } from '../../plugins/permissions/index.js';
import { usePostgresRole } from '../../plugins/postgres-role/index.js';
import { loadPlugins } from './load-plugins.js';
import type { Logger } from './logger.js';

/** What building the chain may need: the database (API keys in a table), a logger. */
export interface ChainDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly logger: Logger;
}

/**
 * The authorization chain as the configuration describes it, in the order the hooks must
 * run: identity first (API keys, then JWT, so a user's token wins over an app's key), then
 * what needs to know who (credentials required, address lists, rate limits), then what the
 * role may do (permissions, limits), the user's plugins, and the audit log last.
 */
export async function buildChain({ config, pool, logger }: ChainDeps): Promise<Chain> {
  const plugins: PgduetPlugin[] = [];
  const auth = config.auth;
  if (auth.apiKeys !== undefined) plugins.push(await apiKeys(auth.apiKeys, pool, logger));
  if (auth.jwt !== undefined) {
    const jwt = useJwt(auth.jwt);
    // a JWKS that cannot be fetched is reported at start, not on the first request
    await jwt.prefetchKeys().catch((error: unknown) => logger.warn({ err: error }, 'auth.jwt: the key set could not be fetched yet; it is fetched again on the first token'));
    plugins.push(jwt);
  }
  const anonymousRole = auth.anonymousRole;
  if (anonymousRole === null) plugins.push(requireCredentials());
  // what needs to know who asks: the role's address lists and budgets
  if (config.ipAllow !== undefined) plugins.push(useIpAllow(config.ipAllow));
  if (config.rateLimit !== undefined) plugins.push(useRateLimit(config.rateLimit, { logger }));
  if (config.permissions !== undefined) plugins.push(usePermissions(config.permissions));
  if (config.limits !== undefined) plugins.push(useLimits(config.limits));
  // PostgreSQL-native mode: every request in a transaction that runs as the caller's role
  if (config.postgres !== undefined) plugins.push(usePostgresRole(config.postgres));
  plugins.push(...(await loadPlugins(config.plugins)));
  // last: its onError sees every refusal of the plugins before it
  if (config.audit !== undefined) {
    plugins.push(useAuditLog(config.audit, { logger, query: async (text, values) => (await pool.query(text, [...(values ?? [])])).rows }));
  }
  const anonymous: Identity = { role: anonymousRole ?? 'anonymous', session: {}, authenticated: false };
  return new Chain(plugins, { anonymous });
}

/** API keys from the config and, when configured, a table: re-read on every reload and on a timer. */
async function apiKeys(options: NonNullable<Config['auth']['apiKeys']>, pool: Pool, logger: Logger): Promise<PgduetPlugin> {
  const table = options.table;
  if (table === undefined) return useApiKeys(options);
  const store = createApiKeyStore(
    () => loadApiKeysFromTable(async (text, values) => (await pool.query(text, values as unknown[])).rows, table, (row) => logger.warn({ row }, 'auth.apiKeys.table: a row is not a valid key; skipped')),
    { maxAgeSeconds: table.refreshSeconds, onError: (error: unknown) => logger.error({ err: error }, 'auth.apiKeys.table: the keys could not be read; the previous list stays') },
  );
  await store.reload();
  return { ...useApiKeys(options, { keys: store.keys }), onReload: () => store.reload() };
}

/** With no anonymous role, a request that no identity plugin authenticated is refused. */
function requireCredentials(): PgduetPlugin {
  return {
    name: 'require-credentials',
    description: 'refuses requests without verified credentials (auth.anonymousRole: null)',
    onRequest: ({ identity }) => {
      if (!identity.authenticated) {
        throw new PgduetError('PGD302', 'credentials are required: send a token (Authorization: Bearer …) or an API key', {
          postgrest: 'PGRST302',
          headers: { 'WWW-Authenticate': 'Bearer' },
        });
      }
    },
  };
}
