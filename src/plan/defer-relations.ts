import { isNodesKey } from './aggregate-outputs.js';
import type { AggregatePlan, Plan, ReadPlan, Returning, Selection } from './types.js';

/**
 * The execution strategy for what one statement cannot shape: a Plan's rows are read without
 * their relationships, each row carrying the columns its relationships join on (`key`
 * selections), and each relationship is then loaded for all the parents of one level at once
 * (a batch: GraphQL's DataLoader). Both are derived from the whole Plan *after* the chain has
 * authorized it, so a batch carries exactly the filters, limits and columns of the nested
 * Plan it came from — the chain sees one Plan whichever way the request is answered.
 */

/** The key under which a row carries a column that a relationship loaded later joins on. */
export const joinKey = (column: string): string => `__k:${column}`;

/** A selection with its relationships replaced by the join columns they need (each once). */
export function deferSelection(selection: readonly Selection[]): Selection[] {
  const out: Selection[] = [];
  const keys = new Set<string>();
  for (const item of selection) {
    if (item.kind !== 'relation' && item.kind !== 'relation_aggregate') {
      out.push(item);
      continue;
    }
    for (const pair of item.join.mapping) {
      if (keys.has(pair.from)) continue;
      keys.add(pair.from);
      out.push({ kind: 'key', key: joinKey(pair.from), column: pair.from });
    }
  }
  return out;
}

function deferRead(plan: ReadPlan): ReadPlan {
  return { ...plan, selection: deferSelection(plan.selection) };
}

function deferReturning(returning: Returning): Returning {
  return { ...returning, selection: deferSelection(returning.selection) };
}

/** The Plan with the relationships of its top level deferred (its rows carry their join keys). */
export function deferRelations<P extends Plan>(plan: P): P {
  switch (plan.kind) {
    case 'read':
      return deferRead(plan) as P;
    case 'aggregate':
      return { ...plan, rows: deferRead(plan.rows) } as P;
    case 'insert':
    case 'update':
    case 'delete':
      return { ...plan, returning: deferReturning(plan.returning) } as P;
    case 'call':
      return (plan.returns.kind === 'rows' ? { ...plan, returns: { ...plan.returns, plan: deferRead(plan.returns.plan) } } : plan) as P;
  }
}

/** Whether any selection of the Plan's top level is a relationship. */
export function hasRelations(plan: Plan): boolean {
  const selection = topSelection(plan);
  return selection.some((s) => s.kind === 'relation' || s.kind === 'relation_aggregate');
}

function topSelection(plan: Plan): readonly Selection[] {
  switch (plan.kind) {
    case 'read':
      return plan.selection;
    case 'aggregate':
      return plan.rows.selection;
    case 'call':
      return plan.returns.kind === 'rows' ? plan.returns.plan.selection : [];
    default:
      return plan.returning.selection;
  }
}

/** A relationship nested in a Plan, found by the response keys that lead to it. */
export type NestedRelation = Extract<Selection, { kind: 'relation' } | { kind: 'relation_aggregate' }>;

/**
 * The relationship at `path` in `plan`: the response keys from the Plan's answer down to it,
 * without list indexes (`['actors', 'films']` under a film read; `['nodes', 'language']` under
 * an aggregate with a `nodes` output; `['returning', 'language']` under a write). The
 * answer's shape is the Plan's own: an aggregate's rows under each `nodes` output, a write's rows under
 * `returningKey` (or the answer itself when `single` or `rowsOnly`).
 */
export function relationAt(plan: Plan, path: readonly string[]): NestedRelation | undefined {
  let selection: readonly Selection[];
  let rest = path;
  switch (plan.kind) {
    case 'read':
      selection = plan.selection;
      break;
    case 'aggregate':
      if (!isNodesKey(plan, rest[0])) return undefined;
      selection = plan.rows.selection;
      rest = rest.slice(1);
      break;
    case 'call':
      if (plan.returns.kind !== 'rows') return undefined;
      selection = plan.returns.plan.selection;
      break;
    default: {
      const returning = plan.returning;
      if (returning.single !== true && returning.rowsOnly !== true) {
        if (rest[0] !== returning.returningKey) return undefined;
        rest = rest.slice(1);
      }
      selection = returning.selection;
    }
  }
  for (;;) {
    const [key, ...after] = rest;
    const found = selection.find((s): s is NestedRelation => (s.kind === 'relation' || s.kind === 'relation_aggregate') && s.key === key);
    if (found === undefined) return undefined;
    if (after.length === 0) return found;
    if (found.kind === 'relation') {
      selection = found.plan.selection;
      rest = after;
    } else {
      if (!isNodesKey(found.plan, after[0])) return undefined;
      selection = found.plan.rows.selection;
      rest = after.slice(1);
    }
  }
}

/** The rows of a nested relationship, read for a batch of parents, its own relationships deferred. */
export function batchOf(relation: NestedRelation, batch: NonNullable<ReadPlan['batch']>): ReadPlan | AggregatePlan {
  if (relation.kind === 'relation') return { ...deferRead(relation.plan), batch };
  return { ...relation.plan, rows: { ...deferRead(relation.plan.rows), batch } };
}
