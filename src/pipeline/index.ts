export { authorize, authorizeAll, authorizeUnits, runAuthorized, runDocument, runPage, runPlan, runUnit, resultHooks, unitPlan, ESTIMATE_EXACT_BELOW } from './run.js';
export type { AuthorizedUnit, Page, RunPlanContext, TotalCount } from './run.js';
