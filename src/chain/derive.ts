import { batchOf, deferRelations, relationAt, type AggregatePlan, type Batch, type InsertPlan, type NestedRelation, type Plan, type ReadPlan } from '../plan/index.js';
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
 * A statement of an authorized nested insert (pipeline/nested-insert.ts): the rows of one
 * table at one level of the Plan, their foreign keys filled with the keys the database gave
 * the rows they nest in, or the read-back of the rows written. It writes or reads nothing the
 * authorized Plan did not describe, with its values, checks and presets.
 */
export function nestedInsertPart<P extends InsertPlan | ReadPlan>(parent: AuthorizedPlan<InsertPlan>, part: P): AuthorizedPlan<P> {
  void parent;
  return markAuthorized(part);
}
