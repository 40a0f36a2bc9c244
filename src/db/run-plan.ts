import type { AuthorizedPlan, Chain, Identity, RequestInfo } from '../chain/index.js';
import type { AggregatePlan, InsertPlan, Plan, ReadPlan } from '../plan/index.js';
import { compileDocument, compilePlan, isNestedRow, type CompileOptions, type CompiledQuery } from '../sql/index.js';
import { runNestedInsert } from './run-nested-insert.js';

/** What can run a statement: the pool (autocommit) or the request's transaction client. */
export interface StatementRunner {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Runs a compiled statement and returns its one `result` column (the answer as JSON). */
export async function executeCompiled(db: StatementRunner, query: CompiledQuery): Promise<unknown> {
  const { rows } = await db.query(query.text, query.values as unknown[]);
  return rows[0]?.['result'] ?? null;
}

export interface RunPlanContext {
  readonly chain: Chain;
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly options: CompileOptions;
  /** where statements go: the pool, or the transaction of the request */
  readonly db: () => StatementRunner;
  /** told of every statement run (metrics) */
  readonly onStatement?: () => void;
}

/**
 * The pipeline of DESIGN.md for one Plan, the same for GraphQL and REST:
 * chain (authorize, may rewrite or deny) → sql (compile) → db (execute).
 */
export async function runPlan(plan: Plan, ctx: RunPlanContext): Promise<unknown> {
  const authorized: AuthorizedPlan = await ctx.chain.authorize(plan, ctx.request, ctx.identity);
  // a nested insert is several statements (parents, rows, children) in the request's transaction
  if (authorized.kind === 'insert' && authorized.rows.some(isNestedRow)) {
    return runNestedInsert(authorized as AuthorizedPlan<InsertPlan>, (q) => execute(ctx, q), ctx.request.graph, ctx.options);
  }
  return execute(ctx, compilePlan(authorized, ctx.options));
}

function execute(ctx: RunPlanContext, query: CompiledQuery): Promise<unknown> {
  ctx.onStatement?.();
  return executeCompiled(ctx.db(), query);
}

/** Several read Plans, each authorized, answered by one statement as JSON text. */
export async function runDocument(
  fields: readonly { readonly key: string; readonly plan: ReadPlan | AggregatePlan; readonly single?: boolean }[],
  ctx: RunPlanContext,
): Promise<string> {
  const authorized = await Promise.all(
    fields.map(async (field) => ({ ...field, plan: await ctx.chain.authorize(field.plan, ctx.request, ctx.identity) })),
  );
  const text = await execute(ctx, compileDocument(authorized, ctx.options));
  return typeof text === 'string' ? text : JSON.stringify(text);
}
