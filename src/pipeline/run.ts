import { deferredPart, type AuthorizedPlan, type Chain, type Identity, type RequestInfo } from '../chain/index.js';
import { executeCompiled, executeRow, type StatementRunner } from '../db/index.js';
import { PlanCache, isNestedInsert, planAccess, splitNestedInsert, type AggregatePlan, type DeletePlan, type InsertPlan, type Plan, type PlanAccess, type ReadPlan, type Returning, type UpdatePlan } from '../plan/index.js';
import { compileCountEstimate, compileDocument, compilePage, compilePlan, type CompileOptions, type CompiledQuery } from '../sql/index.js';
import { runInsertProgram, type AuthorizedInsertProgram } from './nested-insert.js';

/**
 * The one pipeline of DESIGN.md, the same for REST and every GraphQL route:
 *
 *   a protocol's request → Plans (rest/plan, graphql/plan-operation)
 *     → authorize: the chain's onPlan hooks over every Plan of the request, once  (authorize, authorizeAll)
 *     → compile (sql/) → execute (db/) in the request's transaction               (runAuthorized, runDocument, runPage)
 *     → onResult hooks over each Plan's answer                                    (resultHooks)
 *     → the protocol renders it (rest/, graphql/)
 *
 * Nothing reaches `sql/` without passing `authorize`: the compiler accepts AuthorizedPlans
 * only, and only the chain makes them (or narrows them, chain/derive.ts, for a strategy
 * that runs an authorized Plan in parts).
 */
export interface RunPlanContext {
  readonly chain: Chain;
  readonly request: RequestInfo;
  readonly identity: Identity;
  readonly options: CompileOptions;
  /**
   * where a statement goes, given what it does (`statementRunner` below says which, from the
   * Plan): the transaction of the request, the primary, or, for a read, a read replica
   */
  readonly db: (access: PlanAccess) => StatementRunner;
  /** told before a statement that writes runs (read-your-writes: the caller's next reads go to the primary) */
  readonly onWrite?: () => void;
  /** told of every statement run (metrics) */
  readonly onStatement?: () => void;
  /** give JSON answers as the text PostgreSQL wrote (REST writes it out unparsed) */
  readonly jsonAsText?: boolean;
  /** told of every Plan the chain authorized (the request's trace, for the audit log) */
  readonly onAuthorized?: (plan: Plan) => void;
  /** told how many rows each write touched (the audit log); counting costs a parse, so only when asked */
  readonly onRowsAffected?: (rows: number) => void;
}

/** A request of one Plan (REST): the chain's verdict on it. */
export async function authorize<P extends Plan>(plan: P, ctx: RunPlanContext): Promise<AuthorizedPlan<P>> {
  const authorized = await ctx.chain.authorize(plan, ctx.request, ctx.identity);
  ctx.onAuthorized?.(authorized);
  return authorized;
}

/** A request of several Plans (GraphQL's root fields): all authorized before any runs. */
export async function authorizeAll<P extends Plan>(plans: readonly P[], ctx: RunPlanContext): Promise<AuthorizedPlan<P>[]> {
  const authorized = await ctx.chain.authorizeAll(plans, ctx.request, ctx.identity);
  for (const plan of authorized) ctx.onAuthorized?.(plan);
  return authorized;
}

/**
 * What the chain authorized, ready to run: a Plan, or a nested insert as the statements it
 * runs as (split before the chain, plan/split-nested-insert.ts, so that each table's rules
 * hold for its rows).
 */
export type AuthorizedUnit =
  | { readonly kind: 'plan'; readonly plan: AuthorizedPlan }
  | { readonly kind: 'program'; readonly program: AuthorizedInsertProgram; readonly request: InsertPlan };

/** Every Plan of a request through the chain at once, a nested insert as its statements. */
export async function authorizeUnits(plans: readonly Plan[], ctx: RunPlanContext): Promise<AuthorizedUnit[]> {
  const split = plans.map((plan) => (isNestedInsert(plan) ? { request: plan, program: splitNestedInsert(plan, ctx.request.graph) } : { plan }));
  const flat = split.flatMap((one): Plan[] => ('plan' in one ? [one.plan] : [...one.program.steps, ...(one.program.readBack === undefined ? [] : [one.program.readBack])]));
  const authorized = await authorizeAll(flat, ctx);
  let next = 0;
  return split.map((one): AuthorizedUnit => {
    if ('plan' in one) return { kind: 'plan', plan: authorized[next++] as AuthorizedPlan };
    const steps = authorized.slice(next, next + one.program.steps.length) as AuthorizedPlan<InsertPlan>[];
    next += steps.length;
    const readBack = one.program.readBack === undefined ? undefined : (authorized[next++] as AuthorizedPlan<ReadPlan>);
    return { kind: 'program', request: one.request, program: { steps, returning: one.program.returning, ...(readBack === undefined ? {} : { readBack }) } };
  });
}

/** The Plan the onResult hooks are told of for a unit's answer. */
export function unitPlan(unit: AuthorizedUnit): Plan {
  return unit.kind === 'plan' ? unit.plan : unit.request;
}

/** authorize → compile → execute → onResult, for a request of one Plan (REST). */
export async function runPlan(plan: Plan, ctx: RunPlanContext): Promise<unknown> {
  const [unit] = await authorizeUnits([plan], ctx);
  if (unit === undefined) throw new Error('runPlan: no Plan');
  return runUnit(unit, ctx);
}

/**
 * Runs an authorized unit. `parts`: it is a part of a larger answer (GraphQL's resolvers):
 * its relationships are deferred (loaded later per level) and the onResult hooks run once
 * over the assembled answer instead (`resultHooks`).
 */
export async function runUnit(unit: AuthorizedUnit, ctx: RunPlanContext, parts = false): Promise<unknown> {
  if (unit.kind === 'plan') return runAuthorized(parts ? deferredPart(unit.plan) : unit.plan, ctx, parts);
  // a nested insert is several statements in the request's transaction; its steps need parsed answers (the keys)
  const { answer, rowsAffected } = await runInsertProgram(unit.program, (q) => execute({ ...ctx, jsonAsText: false }, q, [unit.request]), ctx.options, parts);
  ctx.onRowsAffected?.(rowsAffected);
  const result = parts ? answer : await resultHooks(unit.request, answer, ctx);
  return ctx.jsonAsText === true ? JSON.stringify(result) : result;
}

/**
 * compile → execute → onResult for an authorized Plan. `parts`: the Plan is a part of a
 * larger answer; the onResult hooks then run once over the assembled answer instead.
 */
export async function runAuthorized(authorized: AuthorizedPlan, ctx: RunPlanContext, parts = false): Promise<unknown> {
  const answer = await execute(ctx, compileOnce(authorized, ctx.options, 'plan', () => compilePlan(authorized, ctx.options)), [authorized]);
  if (ctx.onRowsAffected !== undefined && isWrite(authorized)) ctx.onRowsAffected(rowsWritten(authorized.returning, answer));
  if (parts || !ctx.chain.hasResultHooks) return answer;
  const text = ctx.jsonAsText === true && typeof answer === 'string';
  const result = await resultHooks(authorized, text ? (JSON.parse(answer) as unknown) : answer, ctx);
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
export async function resultHooks(plan: Plan, answer: unknown, ctx: RunPlanContext): Promise<unknown> {
  return ctx.chain.hasResultHooks ? ctx.chain.result(plan, answer, ctx.request, ctx.identity) : answer;
}

function execute(ctx: RunPlanContext, query: CompiledQuery, plans: readonly Plan[]): Promise<unknown> {
  ctx.onStatement?.();
  return executeCompiled(statementRunner(ctx, plans), query, ctx.jsonAsText);
}

/**
 * The one place that decides where a statement runs, for every protocol and route: from the
 * Plans it answers, a read (a read replica may answer it, unless the request runs in a
 * transaction) or a write (the primary; the caller's read-your-writes window starts).
 */
function statementRunner(ctx: RunPlanContext, plans: readonly Plan[]): StatementRunner {
  const access = plans.some((plan) => planAccess(plan, ctx.request.graph) === 'write') ? 'write' : 'read';
  if (access === 'write') ctx.onWrite?.();
  return ctx.db(access);
}

/** A page of rows as REST sends it: the JSON array as text, its length, and the total when asked. */
export interface Page {
  /** the JSON array of the rows; with `csv`, the rows as CSV lines (PostgreSQL's record text) */
  readonly body: string;
  readonly csv?: true;
  readonly rows: number;
  readonly total: number | undefined;
}

/**
 * How a page's total is counted (REST's `Prefer: count=…`): `exact` counts the rows in the same
 * statement; `planned` takes the planner's estimate (EXPLAIN, a second, cheap statement);
 * `estimated` counts exactly, and when that count is above `estimateAbove` (PostgREST's
 * `db-max-rows`; none: always) takes the planner's estimate if it is larger (PostgREST's rule).
 */
export type TotalCount = 'exact' | 'planned' | 'estimated';

/** The pipeline for a read whose answer goes out as text, with a total count if asked. */
export async function runPage(plan: ReadPlan, ctx: RunPlanContext, options: { readonly total?: TotalCount | boolean | undefined; readonly estimateAbove?: number | null; readonly csv?: boolean }): Promise<Page> {
  const authorized = await authorize(plan, ctx);
  const explain = async (): Promise<number | undefined> => {
    ctx.onStatement?.();
    const explained = await executeRow(statementRunner(ctx, [authorized]), compileCountEstimate(authorized, ctx.options));
    return planRows(explained?.['QUERY PLAN']);
  };
  const estimate = options.total === 'planned' ? await explain() : undefined;
  const exact = options.total === true || options.total === 'exact' || options.total === 'estimated';
  ctx.onStatement?.();
  // result hooks read the rows as JSON: then the CSV is made of the JSON afterwards
  const csv = options.csv === true && !ctx.chain.hasResultHooks;
  const row = await executeRow(statementRunner(ctx, [authorized]), compiledPage(authorized, ctx.options, exact, csv));
  const counted = row?.['total'];
  let total = counted !== null && counted !== undefined ? Number(counted) : estimate;
  if (options.total === 'estimated' && total !== undefined && (options.estimateAbove === undefined || options.estimateAbove === null || total > options.estimateAbove)) {
    total = Math.max(total, (await explain()) ?? 0);
  }
  const page: Page = {
    body: typeof row?.['result'] === 'string' ? row['result'] : '[]',
    rows: Number(row?.['page'] ?? 0),
    total,
    ...(csv ? { csv: true } : {}),
  };
  if (!ctx.chain.hasResultHooks) return page;
  const rows = await resultHooks(authorized, JSON.parse(page.body) as unknown, ctx);
  return { ...page, body: JSON.stringify(rows), rows: Array.isArray(rows) ? rows.length : page.rows };
}

/** EXPLAIN's format and options (REST's `Accept: application/vnd.pgrst.plan`). */
export interface ExplainOptions {
  readonly format: 'json' | 'text';
  readonly analyze: boolean;
  readonly verbose: boolean;
  readonly settings: boolean;
  readonly buffers: boolean;
  readonly wal: boolean;
}

/**
 * The plan PostgreSQL makes for a read's page statement, authorized as the read itself would
 * be: the JSON array of `explain (format json)`, or the lines of the text format. The options
 * are a fixed list: no request text reaches the EXPLAIN clause.
 */
export async function explainPage(plan: ReadPlan, ctx: RunPlanContext, explain: ExplainOptions): Promise<string> {
  const authorized = await authorize(plan, ctx);
  const compiled = compilePage(authorized, ctx.options, { total: false });
  const flags = (['analyze', 'verbose', 'settings', 'buffers', 'wal'] as const).filter((o) => explain[o]);
  ctx.onStatement?.();
  const { rows } = await statementRunner(ctx, [authorized]).query({ text: `explain (${[`format ${explain.format}`, ...flags].join(', ')}) ${compiled.text}`, values: [...compiled.values] });
  if (explain.format === 'json') return JSON.stringify(rows[0]?.['QUERY PLAN'] ?? []);
  return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
}

function compiledPage(plan: AuthorizedPlan<ReadPlan>, options: CompileOptions, total: boolean, csv: boolean): CompiledQuery {
  return compileOnce(plan, options, `page:${total}:${csv}`, () => compilePage(plan, options, { total, csv }));
}

/**
 * A Plan the chain let through unchanged is the same object each time a request is repeated
 * (REST and GraphQL's fast path cache their Plans: PlanCache), so its statement is compiled
 * once: same object, same SQL. Compiling is a pure function of the Plan and the options; the
 * values a statement carries are the Plan's own. A Plan the chain rewrote is a new object each
 * time and is compiled each time (its entry goes when the Plan does).
 */
const compiled = new PlanCache<CompiledQuery>();

function compileOnce(plan: object, options: CompileOptions, variant: string, make: () => CompiledQuery): CompiledQuery {
  return compiled.get(plan, `${variant}:${JSON.stringify(options)}`, make);
}

/** "Plan Rows" of the top node of `explain (format json)`. */
function planRows(explained: unknown): number | undefined {
  const top = Array.isArray(explained) ? (explained[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined) : undefined;
  const rows = top?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? rows : undefined;
}

/** Several authorized read Plans answered by one statement, as the JSON text of one object. */
export async function runDocument(
  authorized: readonly { readonly key: string; readonly plan: AuthorizedPlan<ReadPlan | AggregatePlan>; readonly single?: boolean }[],
  ctx: RunPlanContext,
): Promise<string> {
  // one field (the common case): compiled once per Plan object, like any other statement
  const [only, ...more] = authorized;
  const query =
    only !== undefined && more.length === 0
      ? compileOnce(only.plan, ctx.options, `document:${only.single === true}:${only.key}`, () => compileDocument(authorized, ctx.options))
      : compileDocument(authorized, ctx.options);
  const answer = await execute(ctx, query, authorized.map((field) => field.plan));
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
  if (!ctx.chain.hasResultHooks) return text;
  const document = JSON.parse(text) as Record<string, unknown>;
  for (const field of authorized) document[field.key] = await resultHooks(field.plan, document[field.key], ctx);
  return JSON.stringify(document);
}
