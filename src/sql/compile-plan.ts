import type { AuthorizedPlan } from '../chain/index.js';
import type { AggregatePlan, CallPlan, DeletePlan, InsertPlan, ReadPlan, UpdatePlan } from '../plan/index.js';
import { compileAggregate, compileRead, type CompileOptions } from './compile-read.js';
import { compileCall, compileDelete, compileInsert, compileUpdate } from './compile-write.js';
import type { CompiledQuery } from './fragments.js';

/** Any authorized Plan → its one statement (nested inserts excepted: see runNestedInsert). */
export function compilePlan(plan: AuthorizedPlan, options: CompileOptions): CompiledQuery {
  switch (plan.kind) {
    case 'read':
      return compileRead(plan as AuthorizedPlan<ReadPlan>, options);
    case 'aggregate':
      return compileAggregate(plan as AuthorizedPlan<AggregatePlan>, options);
    case 'insert':
      return compileInsert(plan as AuthorizedPlan<InsertPlan>, options);
    case 'update':
      return compileUpdate(plan as AuthorizedPlan<UpdatePlan>, options);
    case 'delete':
      return compileDelete(plan as AuthorizedPlan<DeletePlan>, options);
    case 'call':
      return compileCall(plan as AuthorizedPlan<CallPlan>, options);
  }
}
