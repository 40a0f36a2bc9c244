import { Chain, type Identity, type PgduetPlugin } from '../chain/index.js';
import type { Config } from '../config/index.js';
import { PgduetError } from '../errors/index.js';
import { usePermissions } from '../../plugins/permissions/index.js';

/**
 * The authorization chain as the configuration describes it, in the order the hooks must
 * run: identity first (who), then the checks that need to know who (addresses, rate limits),
 * then what the role may do (permissions), then what watches (audit).
 */
export function buildChain(config: Config): Chain {
  const plugins: PgduetPlugin[] = [];
  const anonymousRole = config.auth.anonymousRole;
  if (anonymousRole === null) plugins.push(requireCredentials());
  if (config.permissions !== undefined) plugins.push(usePermissions(config.permissions));
  const anonymous: Identity = { role: anonymousRole ?? 'anonymous', session: {}, authenticated: false };
  return new Chain(plugins, { anonymous });
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
