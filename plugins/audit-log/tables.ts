import type { Plan } from '../../src/plan/index.js';

/** The kinds of the Plans a request ran, each once, in the order first seen. */
export function planOperations(plans: readonly Plan[]): Plan['kind'][] {
  return [...new Set(plans.map((plan) => plan.kind))];
}

export { planTables } from '../../src/plan/index.js';
