import { createHash } from 'node:crypto';
import type { AuthorizedPlan, Chain, Identity, RequestInfo } from '../chain/index.js';
import type { AggregatePlan, DeletePlan, InsertPlan, Plan, ReadPlan, Returning, UpdatePlan } from '../plan/index.js';
import pg from 'pg';
import { compileCountEstimate, compileDocument, compilePage, compilePlan, isNestedRow, type CompileOptions, type CompiledQuery } from '../sql/index.js';

const pgTypes = pg.types;
import { runNestedInsert } from './run-nested-insert.js';

/** What can run a statement: the pool (autocommit) or the request's transaction client. */
export interface StatementRunner {
  query(config: { name?: string; text: string; values?: unknown[]; types?: typeof JSON_AS_TEXT }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Statement texts are few (one per query shape: values are parameters), so each runs as a
 * named prepared statement: PostgreSQL parses and plans it once per connection instead of
 * on every request. The names are capped, so that a client sending ever new query shapes
 * cannot make every connection hold ever more prepared statements; past the cap, statements
 * run unnamed (parsed each time), as before.
 */
const MAX_PREPARED = 2000;
const preparedNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `pgduet_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** Runs a compiled statement and returns its one `result` column (the answer as JSON). */
export async function executeCompiled(db: StatementRunner, query: CompiledQuery, jsonAsText = false): Promise<unknown> {
  const row = await executeRow(db, query, jsonAsText);
  return row?.['result'] ?? null;
}

/** Runs a compiled statement and returns its first row (json and jsonb as text when asked). */
export async function executeRow(db: StatementRunner, query: CompiledQuery, jsonAsText = false): Promise<Record<string, unknown> | undefined> {
  const name = statementName(query.text);
  const { rows } = await db.query({
    ...(name === undefined ? {} : { name }),
    text: query.text,
    values: query.values as unknown[],
    ...(jsonAsText ? { types: JSON_AS_TEXT } : {}),
  });
  return rows[0];
}

const JSON_OIDS = new Set([114, 3802]);
/** pg's type parsers, except json and jsonb, which stay the text PostgreSQL sent (no precision lost, no parse). */
const JSON_AS_TEXT = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    JSON_OIDS.has(oid) ? (value: string) => value : (pgTypes.getTypeParser as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown)(oid, format),
};

export interface RunPlanContext {
  readonly chain: Chain;
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly options: CompileOptions;
  /** where statements go: the pool, or the transaction of the request */
  readonly db: () => StatementRunner;
  /** told of every statement run (metrics) */
  readonly onStatement?: () => void;
  /** give JSON answers as the text PostgreSQL wrote (REST writes it out unparsed) */
  readonly jsonAsText?: boolean;
  /** told of every Plan the chain authorized (the request's trace, for the audit log) */
  readonly onAuthorized?: (plan: Plan) => void;
  /** told how many rows each write touched (the audit log); counting costs a parse, so only when asked */
  readonly onRowsAffected?: (rows: number) => void;
}

async function authorize<P extends Plan>(plan: P, ctx: RunPlanContext): Promise<AuthorizedPlan<P>> {
  const authorized = await ctx.chain.authorize(plan, ctx.request, ctx.identity);
  ctx.onAuthorized?.(authorized);
  return authorized;
}

/**
 * The pipeline of DESIGN.md for one Plan, the same for GraphQL and REST:
 * chain (authorize, may rewrite or deny) → sql (compile) → db (execute).
 */
export async function runPlan(plan: Plan, ctx: RunPlanContext): Promise<unknown> {
  const authorized: AuthorizedPlan = await authorize(plan, ctx);
  // a nested insert is several statements (parents, rows, children) in the request's transaction
  if (authorized.kind === 'insert' && authorized.rows.some(isNestedRow)) {
    // its steps need parsed answers (the keys of the rows inserted)
    const answer = await runNestedInsert(authorized as AuthorizedPlan<InsertPlan>, (q) => execute({ ...ctx, jsonAsText: false }, q), ctx.request.graph, ctx.options);
    ctx.onRowsAffected?.(rowsWritten(authorized.returning, answer));
    const result = await afterResult(authorized, answer, ctx);
    return ctx.jsonAsText === true ? JSON.stringify(result) : result;
  }
  const answer = await execute(ctx, compilePlan(authorized, ctx.options));
  if (ctx.onRowsAffected !== undefined && isWrite(authorized)) ctx.onRowsAffected(rowsWritten(authorized.returning, answer));
  if (!ctx.chain.hasResultHooks) return answer;
  const text = ctx.jsonAsText === true && typeof answer === 'string';
  const result = await afterResult(authorized, text ? (JSON.parse(answer) as unknown) : answer, ctx);
  return text ? JSON.stringify(result) : result;
}

function isWrite(plan: Plan): plan is InsertPlan | UpdatePlan | DeletePlan {
  return plan.kind === 'insert' || plan.kind === 'update' || plan.kind === 'delete';
}

/** How many rows a write's answer says it touched, from the shape its Returning gave it. */
function rowsWritten(returning: Returning, answer: unknown): number {
  const value = typeof answer === 'string' ? (JSON.parse(answer) as unknown) : answer;
  if (returning.single === true) return value === null || value === undefined ? 0 : 1;
  if (Array.isArray(value)) return value.length;
  if (returning.affectedRowsKey !== undefined && typeof value === 'object' && value !== null) {
    const count = (value as Record<string, unknown>)[returning.affectedRowsKey];
    return Number(count ?? 0);
  }
  const rows = returning.returningKey === undefined || typeof value !== 'object' || value === null ? undefined : (value as Record<string, unknown>)[returning.returningKey];
  return Array.isArray(rows) ? rows.length : 0;
}

/**
 * The chain's `onResult` hooks over a Plan's answer. Only when a plugin has one: then the
 * answer is parsed and printed again (the text PostgreSQL wrote cannot be edited in place).
 */
async function afterResult(plan: Plan, answer: unknown, ctx: RunPlanContext): Promise<unknown> {
  return ctx.chain.hasResultHooks ? ctx.chain.result(plan, answer, ctx.request, ctx.identity) : answer;
}

function execute(ctx: RunPlanContext, query: CompiledQuery): Promise<unknown> {
  ctx.onStatement?.();
  return executeCompiled(ctx.db(), query, ctx.jsonAsText);
}

/** A page of rows as REST sends it: the JSON array as text, its length, and the total when asked. */
export interface Page {
  readonly body: string;
  readonly rows: number;
  readonly total: number | undefined;
}

/**
 * How a page's total is counted (REST's `Prefer: count=…`): `exact` counts the rows in the same
 * statement; `planned` takes the planner's estimate (EXPLAIN, a second, cheap statement);
 * `estimated` takes the estimate when it is above `ESTIMATE_EXACT_BELOW` rows and counts
 * exactly otherwise (PostgREST's rule, with its `db-max-rows` as this fixed bound).
 */
export type TotalCount = 'exact' | 'planned' | 'estimated';

export const ESTIMATE_EXACT_BELOW = 1000;

/** The pipeline for a read whose answer goes out as text, with a total count if asked. */
export async function runPage(plan: ReadPlan, ctx: RunPlanContext, options: { readonly total?: TotalCount | boolean | undefined }): Promise<Page> {
  const authorized = await authorize(plan, ctx);
  let estimate: number | undefined;
  if (options.total === 'planned' || options.total === 'estimated') {
    ctx.onStatement?.();
    const explained = await executeRow(ctx.db(), compileCountEstimate(authorized, ctx.options));
    estimate = planRows(explained?.['QUERY PLAN']);
    if (options.total === 'estimated' && estimate !== undefined && estimate < ESTIMATE_EXACT_BELOW) estimate = undefined;
  }
  const exact = options.total === true || options.total === 'exact' || (options.total === 'estimated' && estimate === undefined);
  ctx.onStatement?.();
  const row = await executeRow(ctx.db(), compiledPage(authorized, ctx.options, exact));
  const total = row?.['total'];
  const page: Page = {
    body: typeof row?.['result'] === 'string' ? row['result'] : '[]',
    rows: Number(row?.['page'] ?? 0),
    total: total !== null && total !== undefined ? Number(total) : estimate,
  };
  if (!ctx.chain.hasResultHooks) return page;
  const rows = await afterResult(authorized, JSON.parse(page.body) as unknown, ctx);
  return { ...page, body: JSON.stringify(rows), rows: Array.isArray(rows) ? rows.length : page.rows };
}

/**
 * A plan the chain let through unchanged is the same object each time a request is repeated
 * (REST caches its Plans), so its statement is compiled once: same object, same SQL.
 */
const compiledPages = new WeakMap<ReadPlan, Map<string, CompiledQuery>>();

function compiledPage(plan: AuthorizedPlan<ReadPlan>, options: CompileOptions, total: boolean): CompiledQuery {
  let byOptions = compiledPages.get(plan);
  if (byOptions === undefined) compiledPages.set(plan, (byOptions = new Map()));
  const key = `${options.exactNumbersAsStrings}:${total}`;
  let compiled = byOptions.get(key);
  if (compiled === undefined) byOptions.set(key, (compiled = compilePage(plan, options, { total })));
  return compiled;
}

/** "Plan Rows" of the top node of `explain (format json)`. */
function planRows(explained: unknown): number | undefined {
  const top = Array.isArray(explained) ? (explained[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined) : undefined;
  const rows = top?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? rows : undefined;
}

/** Several read Plans, each authorized, answered by one statement as JSON text. */
export async function runDocument(
  fields: readonly { readonly key: string; readonly plan: ReadPlan | AggregatePlan; readonly single?: boolean }[],
  ctx: RunPlanContext,
): Promise<string> {
  const authorized = await Promise.all(
    fields.map(async (field) => ({ ...field, plan: await authorize(field.plan, ctx) })),
  );
  const answer = await execute(ctx, compileDocument(authorized, ctx.options));
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
  if (!ctx.chain.hasResultHooks) return text;
  const document = JSON.parse(text) as Record<string, unknown>;
  for (const field of authorized) document[field.key] = await afterResult(field.plan, document[field.key], ctx);
  return JSON.stringify(document);
}
