export { authorize, authorizeAll, runAuthorized, runDocument, runPage, runPlan, resultHooks, ESTIMATE_EXACT_BELOW } from './run.js';
export type { Page, RunPlanContext, TotalCount } from './run.js';
