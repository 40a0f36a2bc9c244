export type { AuthorizedPlan } from './authorized.js';
export { Chain } from './run.js';
export { ANONYMOUS } from './plugin.js';
export type { Identity, PgduetPlugin, PlanEvent, RequestEvent, RequestInfo } from './plugin.js';
