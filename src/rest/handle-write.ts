import type { ServerResponse } from 'node:http';
import { findByQualifiedName } from '../model/index.js';
import type { Config } from '../config/index.js';
import { runPage, runPlan } from '../pipeline/index.js';
import { RequestError, invalidRequest } from '../errors/index.js';
import type { Entity } from '../model/index.js';
import { isNestedRow, type Condition, type InsertPlan, type InsertRow, type Plan } from '../plan/index.js';
import { header, readFormat, strippedNulls, stripNulls } from './handle-read.js';
import type { RestScope } from './scope.js';
import { methodNotAllowed } from './allow.js';
import { checkMaxAffected } from './handle-rpc.js';
import { parseCsv, parseQuery, type Preferences, type ResponseFormat } from './parse/index.js';
import { planDelete, planInsert, planPut, planRead, planUpdate, returningOf } from './plan/index.js';
import { isFormBody, parseFormBody, parseJsonBody, type RestRequest } from './request.js';
import { CONTENT_TYPES, jsonToCsv, send } from './respond.js';

/**
 * `POST` (insert, upsert, nested insert), `PUT` (upsert by primary key), `PATCH` and `DELETE`
 * on `/rest/<entity>`. One request is one transaction: a single statement is atomic by itself;
 * a nested insert, `Prefer: tx=rollback`, `Prefer: max-affected`, a singular answer
 * (`vnd.pgrst.object`) and PUT (which first looks whether its row exists) run in BEGIN … COMMIT.
 */
export async function handleWrite(request: RestRequest, res: ServerResponse, scope: RestScope, entity: Entity): Promise<void> {
  checkOperation(request.method, entity);
  const query = parseQuery(request.params);
  const prefer = request.prefer;
  const format = prefer.return === 'representation' ? readFormat(request, entity) : 'json';
  const returning = returningOf(scope.graph, entity, query, prefer, request.method);
  const plan = await planWrite(request, scope, entity, query, returning);

  const rollback = prefer.tx === 'rollback';
  // a check that can fail after the write (max-affected, a singular answer) runs inside the
  // transaction, so that a failed check writes nothing (as in PostgREST)
  const put = request.method === 'PUT';
  const parts = plan === undefined ? [] : statements(plan);
  const inTx = rollback || put || parts.length > 1 || (prefer.maxAffected !== undefined && prefer.handling === 'strict') || format === 'object' || (plan?.kind === 'insert' && plan.rows.some(isNestedRow));
  let text = '[]';
  // PUT answers 201 when its row was created, 200 when it replaced one: was it there before?
  let existed = false;
  // rows an upsert inserted (not merged)
  let inserted = 0;
  if (plan !== undefined) {
    const run = async (db: RestScope['run']['db']): Promise<string> => {
      if (put) existed = (await runPage(planRead(scope.graph, entity, { ...query, select: [] }), { ...scope.run, db }, { total: false })).rows > 0;
      const answers: string[] = [];
      for (const part of parts) {
        const answer = await runPlan(part, { ...scope.run, db });
        const json = typeof answer === 'string' ? answer : JSON.stringify(answer);
        if (!returning.countInserted) {
          answers.push(json);
          continue;
        }
        const counted = JSON.parse(json) as { inserted: number; rows: unknown[] };
        inserted += counted.inserted;
        answers.push(JSON.stringify(counted.rows));
      }
      const written = answers.length === 1 ? (answers[0] as string) : JSON.stringify(answers.flatMap((a) => JSON.parse(a) as unknown[]));
      checkWriteMaxAffected(prefer, written);
      if (format === 'object') checkSingular(rowCount(written));
      return written;
    };
    text = inTx ? await scope.atomically((db) => run(() => db), { rollback }) : await run(scope.run.db);
  } else if (format === 'object') {
    checkSingular(0);
  }
  respond(request, res, entity, plan, text, format, put && !existed, returning.countInserted === true && inserted === 0);
}

/**
 * PostgreSQL takes at most 65,535 parameters in one statement, and each value of an insert is
 * one: a bulk insert larger than that (PostgREST takes any size) runs as several inserts of
 * consecutive rows, in one transaction, their answers joined.
 */
const MAX_INSERT_PARAMETERS = 30_000;

function statements(plan: Plan): Plan[] {
  if (plan.kind !== 'insert' || plan.rows.some(isNestedRow)) return [plan];
  const parts: InsertPlan[] = [];
  let rows: InsertRow[] = [];
  let parameters = 0;
  for (const row of plan.rows) {
    if (rows.length > 0 && parameters + row.values.length > MAX_INSERT_PARAMETERS) {
      parts.push({ ...plan, rows });
      rows = [];
      parameters = 0;
    }
    rows.push(row);
    parameters += row.values.length;
  }
  parts.push({ ...plan, rows });
  return parts;
}

/** `Accept: application/vnd.pgrst.object+json` on a write: exactly one row, else PGRST116 (406). */
function checkSingular(rows: number): void {
  if (rows !== 1) {
    throw new RequestError('PGD103', 'Cannot coerce the result to a single JSON object', { postgrest: 'PGRST116', details: `The result contains ${rows} rows` });
  }
}

function checkOperation(method: string, entity: Entity): void {
  const ops = entity.operations;
  const allowed = method === 'POST' ? ops.insert : method === 'PATCH' ? ops.update : method === 'DELETE' ? ops.delete : ops.insert && ops.update;
  if (allowed) return;
  throw methodNotAllowed(method, allowedMethods(entity).filter((m) => m !== 'OPTIONS').join(', '));
}

/** The methods a table or view answers, as PostgREST lists them in `Allow`. */
export function allowedMethods(entity: Entity): string[] {
  const ops = entity.operations;
  return ['OPTIONS', 'GET', 'HEAD', ...(ops.insert ? ['POST'] : []), ...(ops.insert && ops.update && entity.primaryKey.length > 0 ? ['PUT'] : []), ...(ops.update ? ['PATCH'] : []), ...(ops.delete ? ['DELETE'] : [])];
}

async function planWrite(request: RestRequest, scope: RestScope, entity: Entity, query: ReturnType<typeof parseQuery>, returning: ReturnType<typeof returningOf>): Promise<Plan | undefined> {
  const graph = scope.graph;
  switch (request.method) {
    case 'POST':
      return planInsert(graph, entity, await bodyOf(request, entity), query, request.prefer, returning);
    case 'PUT':
      return planPut(graph, entity, await bodyOf(request, entity), query, request.prefer, returning);
    case 'PATCH': {
      const where = filtered(scope, entity, query);
      return planUpdate(graph, entity, await bodyOf(request, entity), query, where, returning);
    }
    default:
      return planDelete(graph, entity, query, filtered(scope, entity, query), returning);
  }
}

/**
 * The filters of a PATCH or DELETE. None at all would touch every row: refused (PGD105)
 * unless the table's config says `allowUnfilteredWrites: true`, so a forgotten filter never
 * wipes a table.
 */
function filtered(scope: RestScope, entity: Entity, query: ReturnType<typeof parseQuery>): Condition | undefined {
  // the top level's filters pick the rows; those of embedded resources shape the answer only
  const where = planRead(scope.graph, entity, { ...query, select: [], conditions: query.conditions.filter((c) => c.path.length === 0), order: [], limits: [], offsets: [] }).where;
  if (where !== undefined || allowsUnfiltered(scope.config, entity)) return where;
  throw new RequestError('PGD105', `a ${'PATCH or DELETE'} on '${entity.name}' without any filter would change every row; it is refused`, {
    hint: `add a filter (…?id=eq.1), or allow it for this table in pgduet.yaml: tables: { ${entity.dbName}: { allowUnfilteredWrites: true } }`,
  });
}

function allowsUnfiltered(config: Config, entity: Entity): boolean {
  const candidate = [{ schema: entity.schema, name: entity.dbName }];
  return Object.entries(config.tables).some(([key, options]) => options.allowUnfilteredWrites === true && findByQualifiedName(key, candidate, config.database.schemas).length > 0);
}

async function bodyOf(request: RestRequest, entity: Entity): Promise<unknown> {
  const type = (header(request, 'content-type') ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  const body = await request.body();
  if (type === 'text/csv') return csvRows(parseCsv(body.toString('utf8')), entity);
  if (isFormBody(type)) return parseFormBody(body);
  if (type === 'application/json' || type === '' || type === undefined) {
    const json = parseJsonBody(body);
    // Prefer: params=single-object is for RPC; here the body is always rows
    return json;
  }
  throw new RequestError('PGD103', `Content-Type not acceptable: ${type}`, { postgrest: 'PGRST107' });
}

/**
 * CSV fields are text, which PostgreSQL reads as the column's type; but a json or jsonb value
 * is sent as JSON, so a CSV field of such a column is parsed here (`{"a":1}` is an object,
 * not the string that spells it).
 */
function csvRows(rows: Record<string, string | null>[], entity: Entity): Record<string, unknown>[] {
  const json = new Set(entity.columns.filter((c) => c.type.kind === 'scalar' && c.type.schema === 'pg_catalog' && (c.type.name === 'json' || c.type.name === 'jsonb')).map((c) => c.name));
  if (json.size === 0) return rows;
  return rows.map((row, i) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => {
        if (value === null || !json.has(key)) return [key, value];
        try {
          return [key, JSON.parse(value) as unknown];
        } catch {
          throw invalidRequest(`CSV line ${i + 2}: the value of ${key} is not valid JSON`, { postgrest: 'PGRST102', details: value });
        }
      }),
    ),
  );
}

/** `Prefer: handling=strict, max-affected=N` (PostgREST ignores max-affected without strict handling). */
function checkWriteMaxAffected(prefer: Preferences, written: string): void {
  if (prefer.maxAffected === undefined || prefer.handling !== 'strict') return;
  checkMaxAffected(prefer.maxAffected, rowCount(written));
}

function rowCount(text: string): number {
  const rows = JSON.parse(text) as unknown;
  return Array.isArray(rows) ? rows.length : 0;
}

function respond(request: RestRequest, res: ServerResponse, entity: Entity, plan: Plan | undefined, text: string, format: ResponseFormat, putCreated: boolean, allMerged: boolean): void {
  const prefer = request.prefer;
  const headers: Record<string, string> = {};
  const applied = preferenceApplied(prefer);
  if (applied !== '') headers['Preference-Applied'] = applied;
  const rows = rowCount(text);
  headers['Content-Range'] = writeContentRange(request.method, rows, prefer.count === 'exact');
  if (request.method === 'POST' && prefer.return === 'headers-only' && plan?.kind === 'insert') {
    const location = locationOf(request.prefix, entity, plan, text);
    if (location !== undefined) headers['Location'] = location;
  }
  // an upsert whose every row was merged into an existing one created nothing: 200 (PostgREST)
  const created = request.method === 'POST' && !allMerged ? 201 : undefined;
  if (allMerged && prefer.return !== 'representation') {
    send(res, 200, headers, '');
    return;
  }
  if (prefer.return !== 'representation') {
    // a 201 says so with an empty body; a 204 has none at all
    send(res, created ?? 204, headers, created === undefined ? undefined : '');
    return;
  }
  headers['Content-Type'] = CONTENT_TYPES[format];
  let body = text;
  if (format === 'object') {
    body = text.trim().slice(1, -1).trim();
  } else if (format === 'csv') {
    body = jsonToCsv(text);
  }
  if ((format === 'json' || format === 'object') && strippedNulls(request)) body = stripNulls(body);
  send(res, created ?? (putCreated ? 201 : 200), headers, body);
}

/**
 * PostgREST's Content-Range of a write: a PATCH names the rows it changed (`0-2/3`, or `0-2/*`
 * uncounted); a POST, PUT or DELETE only their count (`*\/3`, or `*\/*`).
 */
function writeContentRange(method: string, rows: number, counted: boolean): string {
  const total = counted ? String(rows) : '*';
  return method === 'PATCH' && rows > 0 ? `0-${rows - 1}/${total}` : `*/${total}`;
}

/**
 * `Location: /rest/film?film_id=eq.1001` for a single row inserted into a table with a primary
 * key: PostgREST's path, under the mount prefix, so that a GET of it finds the row.
 */
function locationOf(prefix: string, entity: Entity, plan: InsertPlan, text: string): string | undefined {
  if (plan.rows.length !== 1 || entity.primaryKey.length === 0) return undefined;
  const row = (JSON.parse(text) as Record<string, unknown>[])[0];
  if (row === undefined) return undefined;
  const params = entity.primaryKey.map((dbName) => {
    const column = entity.columns.find((c) => c.dbName === dbName);
    const name = column?.name ?? dbName;
    return `${encodeURIComponent(name)}=eq.${encodeURIComponent(String(row[name]))}`;
  });
  return `${prefix}/${encodeURIComponent(entity.name)}?${params.join('&')}`;
}

function preferenceApplied(prefer: Preferences): string {
  const applied: string[] = [];
  if (prefer.return !== undefined) applied.push(`return=${prefer.return}`);
  if (prefer.resolution !== undefined) applied.push(`resolution=${prefer.resolution}`);
  if (prefer.missing !== undefined) applied.push(`missing=${prefer.missing}`);
  if (prefer.tx !== undefined) applied.push(`tx=${prefer.tx}`);
  if (prefer.count !== undefined) applied.push(`count=${prefer.count}`);
  if (prefer.maxAffected !== undefined) applied.push(`max-affected=${prefer.maxAffected}`);
  return applied.join(', ');
}
