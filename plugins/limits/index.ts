import { declarePlugin, type PgduetPlugin } from '../../src/chain/index.js';
import { limitsOptions, type Limits, type LimitsOptions, type RoleLimits } from './options.js';
import { limitPlan } from './plan-limits.js';

export { LIMIT_DEFAULTS, limitsOptions } from './options.js';
export type { Limits, LimitsOptions, RoleLimits } from './options.js';
export { limitPlan } from './plan-limits.js';

/** Nesting depth and row limits, for everyone and per role, on every Plan of both protocols. */
export function useLimits(options: LimitsOptions): PgduetPlugin {
  const forRole = (role: string): Limits => {
    const own = Object.hasOwn(options.roles, role) ? options.roles[role] : undefined;
    return { ...pick(options), ...pick(own ?? {}) };
  };
  return {
    name: 'limits',
    description: 'relationship depth and rows per request, per role',
    onPlan: (event) => {
      const limited = limitPlan(event.plan, forRole(event.identity.role));
      if (limited !== event.plan) event.replacePlan(limited);
    },
  };
}

/** The limits written (a `null` depth: none, even over a global one). */
function pick(limits: RoleLimits): Limits {
  return {
    ...(limits.maxDepth === undefined ? {} : { maxDepth: limits.maxDepth ?? undefined }),
    ...(limits.maxRows === undefined ? {} : { maxRows: limits.maxRows }),
    ...(limits.defaultRows === undefined ? {} : { defaultRows: limits.defaultRows }),
  };
}

/** `limits`: relationship depth and rows per request. */
export const limitsPlugin = declarePlugin({
  name: 'limits',
  description: 'relationship depth and rows per request, per role (limits)',
  configKey: 'limits',
  options: limitsOptions.prefault({}),
  // the limits are the role's: after identity; they cap the Plan the permissions shaped
  after: ['api-key', 'jwt', 'permissions'],
  create: (options) => useLimits(options),
});
