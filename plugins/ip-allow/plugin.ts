import { declarePlugin, type PgduetPlugin } from '../../src/chain/index.js';
import { ConfigError, PgduetError } from '../../src/errors/index.js';
import { checkAccess, compilePolicy, isOpen } from './access.js';
import { clientAddress } from './client-address.js';
import { ipAllowOptions, type IpAllowOptionsInput } from './options.js';

/**
 * Refuses requests from addresses outside the allow lists or inside the deny lists, with
 * PGD402 (403). List it after the identity plugins: the role's own lists need the role.
 * Throws a ConfigError (PGD001) for bad options, such as a malformed CIDR block.
 */
export function useIpAllow(options: IpAllowOptionsInput = {}): PgduetPlugin {
  const parsed = ipAllowOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? '' : `${issue.path.join('.')}: `}${issue.message}`);
    throw new ConfigError('PGD001', `ip-allow: ${issues.join('; ')}`);
  }
  const { allow, deny, roles, trustProxy } = parsed.data;
  const policy = compilePolicy({ allow, deny }, roles);
  const plugin: PgduetPlugin = { name: 'ip-allow', description: 'refuses requests from addresses outside the allow lists or in the deny lists (global and per role)' };
  if (isOpen(policy)) return plugin;
  return {
    ...plugin,
    onRequest({ request, identity }) {
      const decision = checkAccess(policy, identity.role, clientAddress(request, trustProxy));
      if (!decision.allowed) throw new PgduetError('PGD402', 'Address not allowed');
    },
  };
}

/** `ipAllow`: CIDR allow and deny lists, global and per role. */
export const ipAllowPlugin = declarePlugin({
  name: 'ip-allow',
  description: 'refuses requests from addresses outside the allow lists or in the deny lists (ipAllow)',
  configKey: 'ipAllow',
  options: ipAllowOptions.optional(),
  // a role's own lists need the role
  after: ['api-key', 'jwt'],
  create: (options) => useIpAllow(options),
});
