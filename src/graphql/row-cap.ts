import { PgduetError } from '../errors/index.js';
import type { Plan, ReadPlan } from '../plan/index.js';
import type { OperationPlan } from './plan-operation.js';

/**
 * `graphql.maxRows`: a top-level list field answers at most this many rows, and never cuts
 * silently. GraphQL has no `Content-Range` to say an answer was cut, so a list that has more
 * rows is an error naming the field (PGD403, `validation-failed`). PostgreSQL is asked for one
 * row more than the bound (`limit`), so it stops there: the bound holds for the database's work
 * too, not only for the answer. Applied to the planned operation, before the chain: every
 * route answers the same capped Plans.
 */
export interface RowBound {
  readonly maxRows: number;
  /** the root fields asked for one row more than the bound */
  readonly keys: ReadonlySet<string>;
}

/** The operation with its unbounded top-level lists asked for `maxRows + 1` rows. */
export function capRows(plan: OperationPlan, maxRows: number | null): OperationPlan {
  if (maxRows === null) return plan;
  const askFor = maxRows + 1;
  const bounded = (one: Plan): one is ReadPlan => one.kind === 'read' && one.batch === undefined && (one.limit === undefined || one.limit > maxRows);
  const keys = new Set<string>();
  const roots = plan.roots.map((root) => {
    // a list of rows, or of groups (`<t>_groups`)
    if ((root.meta.kind !== 'select' && root.meta.kind !== 'select_groups' && root.meta.kind !== 'function_rows') || !root.plans.every(bounded)) return root;
    if (root.meta.kind === 'function_rows' && !(root.meta.fn.returns.kind === 'entity' && root.meta.fn.returns.set)) return root;
    keys.add(root.key);
    return { ...root, plans: root.plans.map((one) => ({ ...(one as ReadPlan), limit: askFor })) };
  });
  return keys.size === 0 ? plan : { ...plan, roots, rowBound: { maxRows, keys } };
}

function tooMany(key: string, maxRows: number): PgduetError {
  return new PgduetError('PGD403', `the answer of "${key}" has more than ${maxRows} rows, the most one list may answer (graphql.maxRows)`, {
    hint: 'ask for fewer rows with limit or where, or page with limit and offset',
  });
}

/** Refuses a root field's rows over the bound (the resolvers' route). */
export function checkRows(bound: RowBound | undefined, key: string, rows: unknown): void {
  if (bound !== undefined && bound.keys.has(key) && Array.isArray(rows) && rows.length > bound.maxRows) throw tooMany(key, bound.maxRows);
}

/** Refuses a one-statement answer with a root field over the bound. */
export function checkDocument(bound: RowBound | undefined, text: string): void {
  if (bound === undefined) return;
  // every row is at least `{}` and a comma: a shorter text cannot hold a list over the bound,
  // so ordinary answers are not parsed again
  if (text.length < 3 * (bound.maxRows + 1)) return;
  const document = JSON.parse(text) as Record<string, unknown>;
  for (const key of bound.keys) checkRows(bound, key, document[key]);
}
