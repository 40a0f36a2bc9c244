import type { ServerResponse } from 'node:http';
import { runPage, runPlan } from '../pipeline/index.js';
import { invalidRequest, RequestError } from '../errors/index.js';
import { findEntity, findFunction, type Entity, type FunctionDef, type TypeGraph, type TypeRef } from '../model/index.js';
import { defaultArgumentName, functionArguments, type CallPlan, type ReadPlan, type Source } from '../plan/index.js';
import { header, pageReply, preferenceApplied, readFormat, render, sendReply, type Reply } from './handle-read.js';
import { allow, methodNotAllowed } from './allow.js';
import { isOperator, parseQuery, parseRange, type ResponseFormat, type RestQuery } from './parse/index.js';
import { isJsonType } from '../sql/index.js';
import { nearest, planRead } from './plan/index.js';
import { isFormBody, parseFormBody, parseJsonBody, type RestRequest } from './request.js';
import { CONTENT_TYPES, jsonToCsv, pageStatus } from './respond.js';
import type { RestScope } from './scope.js';
import { explainRequest, sendExplain } from './explain.js';

/**
 * `/rest/rpc/<function>`: `POST` with the arguments as a JSON object (or, for a function of one
 * unnamed json/jsonb argument or with `Prefer: params=single-object`, the whole body as that
 * argument), `GET` with them in the query string (stable and immutable functions only).
 * Functions returning rows take `select`, filters, `order`, `limit` and embeddings on them.
 */
export async function handleRpc(request: RestRequest, res: ServerResponse, scope: RestScope, name: string): Promise<void> {
  const prefer = request.prefer;
  // `Prefer: handling=strict, max-affected=N`: more rows than N is PGRST124, and nothing the function wrote stays
  const bounded = prefer.handling === 'strict' && prefer.maxAffected !== undefined;
  let reply: Reply | undefined;
  if (prefer.tx !== 'rollback' && !bounded) {
    reply = await callFunction(request, res, scope, name);
  } else {
    // `Prefer: tx=rollback`: a dry run, whatever the function writes is undone
    reply = await scope.atomically(
      async (db) => {
        const answer = await callFunction(request, res, { ...scope, run: { ...scope.run, db: () => db } }, name);
        if (bounded && answer !== undefined) checkMaxAffected(prefer.maxAffected ?? 0, answer.rows);
        return answer;
      },
      { rollback: prefer.tx === 'rollback' },
    );
  }
  if (reply !== undefined) sendReply(request, res, reply);
}

/** PostgREST's PGRST124: a call, update or delete affecting more rows than `max-affected`. */
export function checkMaxAffected(max: number, affected: number): void {
  if (affected > max) {
    throw invalidRequest('Query result exceeds max-affected preference constraint', { postgrest: 'PGRST124', details: `The query affects ${affected} rows` });
  }
}

/** The preferences an RPC answer says it applied (PostgREST's list). */
const RPC_APPLIED = ['count', 'tx', 'handling', 'max-affected'];

/** Calls the function: its answer, to be sent (undefined when OPTIONS was answered already). */
async function callFunction(request: RestRequest, res: ServerResponse, scope: RestScope, name: string): Promise<Reply | undefined> {
  const candidates = findFunction(scope.graph, request.schema, name);
  const missing = (args: readonly string[]): RequestError => noFunction(scope.graph, request.schema, name, args, request.method === 'POST', candidates);
  if (candidates.length === 0 && (request.method === 'OPTIONS' || !['GET', 'HEAD', 'POST'].includes(request.method))) throw missing([]);
  if (request.method === 'OPTIONS') {
    allow(res, candidates.every((fn) => fn.volatility === 'volatile') ? 'OPTIONS, POST' : 'OPTIONS, GET, HEAD, POST');
    return undefined;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'POST') throw methodNotAllowed(request.method, 'GET, HEAD, POST');
  const byQuery = request.method !== 'POST';
  const argumentNames = new Set(candidates.flatMap((fn) => fn.args.map((a, i) => defaultArgumentName(a.name, i))));
  // GET: a parameter is an argument when the function has one of that name, or when its value
  // has no operator (PostgREST's rule: `?b=2` is an argument, `?b=eq.2` a filter); an argument
  // no function takes is then PGRST202, not a filter that does not parse
  const plain = new Set([...request.params].filter(([key, value]) => !key.includes('.') && !hasOperator(value)).map(([key]) => key));
  const query = parseQuery(request.params, byQuery ? { isArgument: (n) => argumentNames.has(n) || plain.has(n) } : {});
  const given = byQuery ? queryArguments(query) : await bodyArguments(request, candidates);
  const fn = chooseOverload(candidates, given, missing);
  if (byQuery && fn.volatility === 'volatile') {
    throw new RequestError('PGD102', `the function ${name} is volatile: call it with POST`, { postgrest: 'PGRST101', details: 'Allow: POST' });
  }
  const values = given.kind === 'whole' ? { [argumentName(fn)]: given.value } : byQuery ? variadicAsArrays(fn, given.values) : given.values;
  const args = functionArguments(fn, values, defaultArgumentName);
  const rows = rowsOf(scope, fn);
  if (rows !== undefined) {
    const source: Source = { kind: 'function', fn: { schema: fn.schema, dbName: fn.dbName }, args };
    const range = parseRange(header(request, 'range'), header(request, 'range-unit'));
    const plan = planRead(scope.graph, rows.entity, query, { source, maxRows: rows.set ? scope.config.rest.maxRows : undefined, ...(range === undefined ? {} : { range }) });
    const explain = explainRequest(request, scope.config.rest.explain);
    if (explain !== undefined) {
      await sendExplain(request, res, scope, plan, explain);
      return undefined;
    }
    const format = readFormat(request, rows.entity);
    if (rows.set) return pageReply(request, scope, plan, format, RPC_APPLIED);
    return singleRowReply(request, scope, plan, format);
  }
  if (query.conditions.length > 0) {
    throw invalidRequest(`the function ${name} returns a value, not rows: it cannot be filtered`, { postgrest: 'PGRST100' });
  }
  const returns: CallPlan['returns'] = fn.returns.kind === 'value' ? { kind: 'value', type: fn.returns.type, set: fn.returns.set } : { kind: 'void' };
  const plan: CallPlan = { kind: 'call', fn: { schema: fn.schema, dbName: fn.dbName }, args, returns };
  const answer = await runPlan(plan, scope.run);
  const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
  // a scalar is one row; a set of scalars as many as its array holds (PostgREST's Content-Range)
  const count = returns.kind === 'value' && returns.set ? (JSON.parse(text) as unknown[]).length : 1;
  const headers = callHeaders(request, count);
  if (returns.kind === 'void') return { status: 204, headers, body: undefined, rows: count };
  return { status: 200, headers: { 'Content-Type': CONTENT_TYPES.json, ...headers }, body: text, rows: count };
}

/** Content-Range (`0-0/*`, `/1` when counted) and Preference-Applied of a call's answer. */
function callHeaders(request: RestRequest, rows: number): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Range': pageStatus(0, rows, request.prefer.count === undefined ? undefined : rows).contentRange };
  const applied = preferenceApplied(request.prefer, RPC_APPLIED);
  if (applied !== '') headers['Preference-Applied'] = applied;
  return headers;
}

/** `RETURNS film` (one row): the row as an object, or `null`. */
async function singleRowReply(request: RestRequest, scope: RestScope, plan: ReadPlan, format: ResponseFormat): Promise<Reply> {
  const page = await runPage(plan, scope.run, { total: false });
  const headers = callHeaders(request, page.rows);
  if (format === 'csv') return { status: 200, headers: { 'Content-Type': CONTENT_TYPES.csv, ...headers }, body: jsonToCsv(page.body), rows: page.rows };
  const body = page.rows === 0 ? 'null' : render(page, 'object');
  return { status: 200, headers: { 'Content-Type': CONTENT_TYPES[format === 'object' ? 'object' : 'json'], ...headers }, body, rows: page.rows };
}

type Given = { readonly kind: 'named'; readonly values: Readonly<Record<string, unknown>> } | { readonly kind: 'whole'; readonly value: unknown };

/** GET: each argument from its query parameter; repeated (`?v=1&v=2`) it is an array (variadic or array arguments). */
function queryArguments(query: RestQuery): Given {
  const values: Record<string, unknown> = {};
  for (const { name, value } of query.arguments) {
    const previous = values[name];
    values[name] = previous === undefined ? value : Array.isArray(previous) ? [...(previous as unknown[]), value] : [previous, value];
  }
  return { kind: 'named', values };
}


/** `eq.1`, `not.in.(1,2)`, `fts(english).cat`, `like(any).{a*}`: the value starts with an operator. */
function hasOperator(value: string): boolean {
  const [first = '', second] = value.split('.');
  if (first === 'not' && second !== undefined) return true;
  return isOperator(first.replace(/\(.*$/, ''));
}

/**
 * GET: a VARIADIC argument given once (`?v=1`) is a list of one, as when it is repeated
 * (`?v=1&v=2`); an array literal (`?v={1,2}`, what postgrest-js sends) stays as it is.
 */
function variadicAsArrays(fn: FunctionDef, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  fn.args.forEach((arg, i) => {
    const name = defaultArgumentName(arg.name, i);
    const value = out[name];
    if (arg.mode === 'variadic' && typeof value === 'string' && !value.trim().startsWith('{')) out[name] = [value];
  });
  return out;
}

async function bodyArguments(request: RestRequest, candidates: readonly FunctionDef[]): Promise<Given> {
  const body = await request.body();
  const empty = body.toString('utf8').trim() === '';
  const value = empty ? {} : isFormBody(header(request, 'content-type')) ? parseFormBody(body) : parseJsonBody(body);
  const single = candidates.length === 1 ? candidates[0] : undefined;
  const wholeBody = request.prefer.params === 'single-object' || (single !== undefined && takesWholeBody(single));
  if (wholeBody) return { kind: 'whole', value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('the arguments of a function call are a JSON object: {"name": value}', { postgrest: 'PGRST102' });
  }
  return { kind: 'named', values: value as Record<string, unknown> };
}

/** A function of one unnamed json or jsonb argument takes the whole body (PostgREST's rule). */
function takesWholeBody(fn: FunctionDef): boolean {
  const [only, ...rest] = fn.args;
  return only !== undefined && rest.length === 0 && only.name === null && isJsonType(only.type);
}

function argumentName(fn: FunctionDef): string {
  const first = fn.args[0];
  if (first === undefined || fn.args.length !== 1) {
    throw invalidRequest(`Prefer: params=single-object needs a function of one argument; ${fn.name} takes ${fn.args.length}`, { postgrest: 'PGRST100' });
  }
  return defaultArgumentName(first.name, 0);
}

/** The overload whose argument names cover what was given and whose required arguments were all given. */
function chooseOverload(candidates: readonly FunctionDef[], given: Given, missing: (args: readonly string[]) => RequestError): FunctionDef {
  if (given.kind === 'whole') {
    const fn = candidates.find((f) => f.args.length === 1) ?? candidates[0];
    if (fn === undefined) throw missing([]);
    return fn;
  }
  const names = Object.keys(given.values);
  const fits = candidates.filter((fn) => {
    const argNames = fn.args.map((a, i) => defaultArgumentName(a.name, i));
    return names.every((n) => argNames.includes(n)) && fn.args.every((a, i) => a.hasDefault || names.includes(argNames[i] as string));
  });
  const fn = fits.length === 1 ? fits[0] : fits.find((f) => f.args.length === names.length);
  if (fn === undefined) throw missing(names);
  return fn;
}

/**
 * PostgREST's PGRST202 (404): the function and the argument names asked for (sorted), where it
 * searched, and a hint: the function's own arguments when the name exists, else a near name.
 */
function noFunction(graph: TypeGraph, schema: string, name: string, args: readonly string[], post: boolean, overloads: readonly FunctionDef[]): RequestError {
  const sorted = [...args].sort();
  const fn = `${schema}.${name}`;
  const searched = sorted.length === 0 ? ' without parameters' : ` with parameter${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
  const overload = overloads[0];
  const near = overload === undefined ? nearest(name, graph.functions.filter((f) => f.schema === schema).map((f) => f.name)) : undefined;
  const hint =
    overload !== undefined
      ? `Perhaps you meant to call the function ${fn}(${overload.args.map((a, i) => defaultArgumentName(a.name, i)).join(', ')})`
      : near !== undefined
        ? `Perhaps you meant to call the function ${schema}.${near}`
        : undefined;
  return new RequestError('PGD101', `Could not find the function ${fn}(${sorted.join(', ')}) in the schema cache`, {
    postgrest: 'PGRST202',
    details: `Searched for the function ${fn}${searched}${post ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * The rows a function returns, as an entity the read planner can select, filter and order:
 * the exposed entity of `RETURNS SETOF film`, or one made of the columns of `RETURNS TABLE (…)`
 * (or OUT parameters), or of the fields of a composite type (`RETURNS SETOF pair`).
 */
function rowsOf(scope: RestScope, fn: FunctionDef): { readonly entity: Entity; readonly set: boolean } | undefined {
  const returns = fn.returns;
  if (returns.kind === 'entity') {
    const entity = findEntity(scope.graph, returns.entity);
    return entity === undefined ? undefined : { entity, set: returns.set };
  }
  let columns: readonly { readonly name: string; readonly type: TypeRef }[];
  if (returns.kind === 'columns') {
    columns = returns.columns;
  } else if (returns.kind === 'value' && returns.type.kind === 'composite') {
    // `RETURNS SETOF some_type`: its fields are the columns
    const { schema, name } = returns.type;
    const composite = scope.graph.composites.find((c) => c.schema === schema && c.dbName === name);
    if (composite === undefined) return undefined;
    columns = composite.fields;
  } else {
    return undefined;
  }
  const entity: Entity = {
    schema: fn.schema,
    dbName: fn.dbName,
    name: fn.name,
    kind: 'view',
    columns: columns.map((c) => ({ name: c.name, dbName: c.name, type: c.type, nullable: true, hasDefault: false, generated: false })),
    primaryKey: [],
    uniqueKeys: [],
    foreignKeys: [],
    checks: [],
    relations: [],
    operations: { select: true, insert: false, update: false, delete: false },
  };
  return { entity, set: returns.set };
}
