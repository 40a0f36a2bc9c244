import type { ExecutionResult, GraphQLError } from 'graphql';
import type { AuthorizedPlan } from '../chain/index.js';
import { isUnexpected, toGraphqlError } from '../errors/index.js';
import type { AggregatePlan, ReadPlan } from '../plan/index.js';
import { authorizeUnits, resultHooks, runUnit, runDocument, unitPlan, type AuthorizedUnit, type RunPlanContext } from '../pipeline/index.js';
import type { Logger } from 'pino';
import type { RootMeta } from './meta.js';
import { answeredByOneStatement, type OperationPlan } from './plan-operation.js';
import { checkDocument, type RowBound } from './row-cap.js';

/**
 * A planned GraphQL operation through the rest of the pipeline: the chain authorizes every
 * Plan of it once, then a strategy answers — one statement when PostgreSQL can shape the
 * whole answer, else graphql-js's resolvers over the authorized Plans (graphql/resolvers.ts),
 * which load relationships in batches derived from those same Plans. Every GraphQL route (the
 * fast path, yoga's) goes through here.
 */

export interface AuthorizedRoot {
  readonly key: string;
  readonly meta: RootMeta;
  /** its Plans as the chain authorized them (a nested insert: the statements it runs as) */
  readonly units: readonly AuthorizedUnit[];
}

export interface AuthorizedOperation {
  readonly roots: ReadonlyMap<string, AuthorizedRoot>;
  /** one statement answers the whole operation (see answeredByOneStatement) */
  readonly oneStatement: boolean;
  readonly rowBound?: RowBound;
}

/** Every Plan of the operation through the chain, before any of them runs. */
export async function authorizeOperation(plan: OperationPlan, run: RunPlanContext): Promise<AuthorizedOperation> {
  const flat = plan.roots.flatMap((root) => root.plans);
  const authorized = await authorizeUnits(flat, run);
  const roots = new Map<string, AuthorizedRoot>();
  let next = 0;
  for (const root of plan.roots) {
    roots.set(root.key, { key: root.key, meta: root.meta, units: authorized.slice(next, next + root.plans.length) });
    next += root.plans.length;
  }
  return { roots, oneStatement: answeredByOneStatement(plan), ...(plan.rowBound === undefined ? {} : { rowBound: plan.rowBound }) };
}

/**
 * The response text of an operation one statement answers: `{"data":…}` around the text
 * PostgreSQL wrote (never parsed and printed again), or the error as Hasura reports it.
 */
export async function answerInOneStatement(operation: AuthorizedOperation, run: RunPlanContext, log: Logger): Promise<string> {
  const roots = [...operation.roots.values()];
  try {
    const only = roots.length === 1 ? roots[0] : undefined;
    const write = only?.units[0];
    if (only !== undefined && write?.kind === 'plan' && (write.plan.kind === 'insert' || write.plan.kind === 'update' || write.plan.kind === 'delete')) {
      const answer = await runUnit(write, { ...run, jsonAsText: true });
      return `{"data":{${JSON.stringify(only.key)}:${typeof answer === 'string' ? answer : JSON.stringify(answer)}}}`;
    }
    const text = await runDocument(documentFields(operation), run);
    checkDocument(operation.rowBound, text);
    return `{"data":${text}}`;
  } catch (error) {
    return errorText(error, roots.map((root) => root.key), log);
  }
}

/** The root fields of an operation one statement answers, as the document it compiles to. */
export function documentFields(operation: AuthorizedOperation): { readonly key: string; readonly plan: AuthorizedPlan<ReadPlan | AggregatePlan>; readonly single?: boolean }[] {
  return [...operation.roots.values()].map((root) => {
    const unit = root.units[0];
    if (unit?.kind !== 'plan') throw new Error(`the root field "${root.key}" is not one read Plan`);
    return { key: root.key, plan: unit.plan as AuthorizedPlan<ReadPlan | AggregatePlan>, ...(root.meta.kind === 'select_by_pk' ? { single: true } : {}) };
  });
}

/**
 * An operation refused or failed as a whole (planning, the chain, one statement): no data, the
 * error with its root field's path when the operation has one root field (a statement or a
 * refusal of several cannot say which one failed).
 */
export function operationError(error: unknown, rootKeys: readonly string[], log: Logger): ExecutionResult {
  if (isUnexpected(error)) log.error({ err: error }, 'unexpected error in a GraphQL operation');
  const only = rootKeys.length === 1 ? rootKeys[0] : undefined;
  return { data: null, errors: [toGraphqlError(error, only === undefined ? undefined : [only])] };
}

function errorText(error: unknown, rootKeys: readonly string[], log: Logger): string {
  return JSON.stringify(operationError(error, rootKeys, log));
}

/** Planning's errors as an answer (each already carries its root field's path). */
export function planningErrors(errors: readonly GraphQLError[]): ExecutionResult {
  return { data: null, errors };
}

/**
 * The onResult hooks over each root field's answer as graphql-js assembled it (rows with their
 * relationships), as they run over each root field of a one-statement answer: the same input
 * on every route.
 */
export async function rootResultHooks(data: Record<string, unknown>, operation: AuthorizedOperation, run: RunPlanContext): Promise<Record<string, unknown>> {
  const out = { ...data };
  for (const root of operation.roots.values()) {
    if (!(root.key in out)) continue;
    if (root.meta.kind === 'update_many') {
      const list = out[root.key];
      if (Array.isArray(list)) out[root.key] = await Promise.all(list.map((one, i) => (root.units[i] === undefined ? one : resultHooks(unitPlan(root.units[i] as AuthorizedUnit), one, run))));
      continue;
    }
    const unit = root.units[0];
    if (unit !== undefined) out[root.key] = await resultHooks(unitPlan(unit), out[root.key], run);
  }
  return out;
}
