import { declarePlugin, type PgduetPlugin } from '../../src/chain/index.js';
import { PlanCache, type Plan } from '../../src/plan/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import { authorizePlan } from './authorize-plan.js';
import { permissionsOptions, type PermissionsOptions, type RolePermissions } from './options.js';
import { resolveRules, type RoleRules } from './rules.js';
import { roleGraph } from './role-graph.js';

export { permissionsOptions, rolePermissions, tablePermissions } from './options.js';
export type { PermissionsOptions, RolePermissions, TablePermissions } from './options.js';
export { roleGraph } from './role-graph.js';
export { authorizePlan } from './authorize-plan.js';
export { resolveRules } from './rules.js';
export type { RoleRules } from './rules.js';

/** Hasura's `admin` role may do everything unless the permissions list it with rules of its own. */
const ADMIN = 'admin';
const ADMIN_RULES: RolePermissions = { unrestricted: true, tables: {}, functions: [] };

/**
 * Per role and table permissions (Hasura's model): `onGraph` gives each role its view of the
 * graph (what it may not read does not exist for it), `onPlan` adds row filters, limits,
 * column rules, presets and checks to every Plan. The same rules hold for GraphQL and REST,
 * because both produce the same Plans from the same (role's) graph.
 */
export function usePermissions(options: PermissionsOptions): PgduetPlugin {
  const cache = new WeakMap<TypeGraph, Map<string, RoleRules>>();
  const rewrites = new PlanCache<Plan>();
  const rulesFor = (graph: TypeGraph, role: string): RoleRules => {
    let byRole = cache.get(graph);
    if (byRole === undefined) cache.set(graph, (byRole = new Map()));
    let rules = byRole.get(role);
    if (rules === undefined) byRole.set(role, (rules = resolveRules(graph, Object.hasOwn(options, role) ? options[role] : role === ADMIN ? ADMIN_RULES : undefined)));
    return rules;
  };
  return {
    name: 'permissions',
    description: 'per role and table: the columns, rows and operations a role may use',
    onGraph: ({ graph, role }) => roleGraph(graph, rulesFor(graph, role)),
    onPlan: (event) => {
      const rules = rulesFor(event.request.graph, event.identity.role);
      if (rules.unrestricted) return;
      // A pure function of the Plan (one graph per Plan object), the role's rules and the session:
      // a repeated request (REST and GraphQL cache their Plans) by the same role and session gets
      // the very Plan it got before, so the pipeline compiles its statement once. A refusal is
      // thrown, never kept; the memo is this plugin's, so rules a reload changes start afresh.
      const session = `${event.identity.role}\0${JSON.stringify(event.identity.session)}`;
      event.replacePlan(rewrites.get(event.plan, session, () => authorizePlan(event.plan, event.request.graph, rules, event.identity)));
    },
  };
}

/** `permissions`: per role and table, what each role may read and write. */
export const permissionsPlugin = declarePlugin({
  name: 'permissions',
  description: 'per role and table: the columns, rows and operations a role may use (permissions)',
  configKey: 'permissions',
  options: permissionsOptions.optional(),
  // the rules are the role's: after identity
  after: ['api-key', 'jwt'],
  create: (options) => usePermissions(options),
});
