import type { AuthorizedPlan } from '../chain/index.js';
import type { AggregatePlan, ReadPlan } from '../plan/index.js';
import { compileAggregate, compileRead, type CompileOptions } from './compile-read.js';
import type { CompiledQuery } from './fragments.js';

/** Any authorized Plan → its one statement. */
export function compilePlan(plan: AuthorizedPlan, options: CompileOptions): CompiledQuery {
  switch (plan.kind) {
    case 'read':
      return compileRead(plan as AuthorizedPlan<ReadPlan>, options);
    case 'aggregate':
      return compileAggregate(plan as AuthorizedPlan<AggregatePlan>, options);
    default:
      throw new Error(`no compiler for ${plan.kind} plans yet`);
  }
}
