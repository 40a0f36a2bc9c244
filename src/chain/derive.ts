import { batchOf, deferRelations, relationAt, type AggregatePlan, type Batch, type InsertPlan, type NestedRelation, type Plan, type ReadPlan, type RowRef } from '../plan/index.js';
import { markAuthorized, type AuthorizedPlan } from './authorized.js';

/**
 * The parts of an authorized Plan that an execution strategy runs on their own, authorized
 * because the whole was: each is the whole Plan narrowed (a relationship left out, read for
 * the parents of a batch), never widened. These are the only Plans besides the chain's own
 * that carry the brand; a strategy cannot make a Plan of its own, only take one of these parts.
 */

/** The authorized Plan with its top-level relationships deferred (loaded by `relationBatch`). */
export function deferredPart<P extends Plan>(plan: AuthorizedPlan<P>): AuthorizedPlan<P> {
  return markAuthorized(deferRelations<P>(plan));
}

/** A relationship of an authorized Plan, found by its response keys (see `relationAt`). */
export interface AuthorizedRelation {
  readonly relation: NestedRelation;
  /** its rows (or aggregate) for the parents of `batch`, its own relationships deferred */
  batch(batch: Batch): AuthorizedPlan<ReadPlan | AggregatePlan>;
}

export function relationPart(plan: AuthorizedPlan, path: readonly string[]): AuthorizedRelation | undefined {
  const relation = relationAt(plan, path);
  return relation === undefined ? undefined : { relation, batch: (batch) => markAuthorized(batchOf(relation, batch)) };
}

/**
 * A statement of an authorized nested insert (plan/split-nested-insert.ts) with the keys the
 * statements before it wrote filled in: every `RowRef` value becomes the value `fill` gives,
 * nothing else changes. A read-back's keys whose rows were not written (`fill` gives
 * undefined: on conflict do nothing) are left out; a missing key an insert needs is `fill`'s
 * to refuse.
 */
export function filledPart<P extends InsertPlan | ReadPlan>(plan: AuthorizedPlan<P>, fill: (ref: RowRef) => unknown): AuthorizedPlan<P> {
  if (plan.kind === 'read') {
    const batch = plan.batch;
    if (batch?.keysFrom === undefined) return plan;
    const keys = batch.keysFrom.map((refs) => refs.map(fill)).filter((key) => key.every((v) => v !== undefined));
    const { keysFrom: _filled, ...rest } = batch;
    return markAuthorized({ ...plan, batch: { ...rest, keys } } as P);
  }
  const insert = plan as InsertPlan;
  const rows = insert.rows.map((row) => ({
    ...row,
    values: row.values.map((value) => {
      if (value.from === undefined) return value;
      const { from, ...rest } = value;
      return { ...rest, value: fill(from) };
    }),
  }));
  return markAuthorized({ ...insert, rows } as InsertPlan as P);
}
