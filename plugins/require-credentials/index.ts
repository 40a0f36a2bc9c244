import { z } from 'zod';
import { declarePlugin, type PgduetPlugin } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';

/**
 * `auth.anonymousRole`: the role of requests without credentials; `null`: credentials are
 * required (401). Without `permissions`, every role may do everything.
 */
export const anonymousRoleOption = z.string().min(1).nullable().default('anonymous');

/** With no anonymous role, a request that no identity plugin authenticated is refused. */
export function useRequireCredentials(): PgduetPlugin {
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

/** In the chain only when `auth.anonymousRole` is null. */
export const requireCredentialsPlugin = declarePlugin({
  name: 'require-credentials',
  description: 'refuses requests without verified credentials (auth.anonymousRole: null)',
  configKey: 'auth.anonymousRole',
  options: anonymousRoleOption,
  // it asks whether an identity plugin verified a credential
  after: ['api-key', 'jwt'],
  create: (anonymousRole) => (anonymousRole === null ? useRequireCredentials() : undefined),
});
