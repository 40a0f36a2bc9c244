export { authorize, authorizeAll, authorizeUnits, runAuthorized, runDocument, runPage, explainPage, runPlan, runUnit, resultHooks, unitPlan } from './run.js';
export type { AuthorizedUnit, ExplainOptions, Page, RunPlanContext, TotalCount } from './run.js';
