export { authorize, authorizeAll, authorizeUnits, runAuthorized, runDocument, runPage, runPlan, runUnit, resultHooks, unitPlan } from './run.js';
export type { AuthorizedUnit, Page, RunPlanContext, TotalCount } from './run.js';
