import type { ServerResponse } from 'node:http';
import { runPage, type Page } from '../pipeline/index.js';
import { RequestError } from '../errors/index.js';
import type { Entity } from '../model/index.js';
import { PlanCache } from '../plan/index.js';
import type { RestScope } from './scope.js';
import type { ReadPlan } from '../plan/index.js';
import { isGeometry } from '../sql/index.js';
import { negotiateFormat, parseQuery, parseRange, type ResponseFormat } from './parse/index.js';
import { planRead } from './plan/index.js';
import { geometryColumn, type RestRequest } from './request.js';
import { CONTENT_TYPES, jsonToCsv, pageStatus, send } from './respond.js';
import { explainRequest, sendExplain } from './explain.js';

const readPlans = new PlanCache<{ readonly plan: ReadPlan; readonly format: ResponseFormat }>();

/** `GET` / `HEAD /rest/<entity>`: parse → plan → chain → one statement → the text as it is. */
export async function handleRead(request: RestRequest, res: ServerResponse, scope: RestScope, entity: Entity): Promise<void> {
  const accept = header(request, 'accept');
  const rangeHeader = header(request, 'range');
  const rangeUnit = header(request, 'range-unit');
  const explain = explainRequest(request, scope.config.rest.explain);
  if (explain !== undefined) {
    const range = parseRange(rangeHeader, rangeUnit);
    const plan = planRead(scope.graph, entity, parseQuery(request.params), { maxRows: scope.config.rest.maxRows, ...(range === undefined ? {} : { range }) });
    await sendExplain(request, res, scope, plan, explain);
    return;
  }
  const key = `${entity.schema}\n${entity.name}\n${request.query}\n${accept ?? ''}\n${rangeHeader ?? ''}\n${rangeUnit ?? ''}`;
  const { plan, format } = readPlans.get(scope.graph, key, () => {
    const chosen = readFormat(request, entity);
    const range = parseRange(rangeHeader, rangeUnit);
    return { plan: planRead(scope.graph, entity, parseQuery(request.params), { maxRows: scope.config.rest.maxRows, ...(range === undefined ? {} : { range }) }), format: chosen };
  });
  await sendPage(request, res, scope, plan, format);
}

/** The formats a read of `entity` can answer in, chosen by `Accept`. */
export function readFormat(request: RestRequest, entity: Entity | undefined): ResponseFormat {
  const offers: ResponseFormat[] = ['json', 'object', 'csv'];
  if (entity !== undefined && geometryColumn(entity) !== undefined) offers.push('geojson');
  return negotiateFormat(header(request, 'accept'), offers);
}

/** An answer not yet written: what `send` takes, and how many rows it holds. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly rows: number;
}

/** Runs a read Plan and writes its page in `format`, with Content-Range and the page's status. */
export async function sendPage(request: RestRequest, res: ServerResponse, scope: RestScope, plan: ReadPlan, format: ResponseFormat): Promise<void> {
  sendReply(request, res, await pageReply(request, scope, plan, format));
}

export function sendReply(request: RestRequest, res: ServerResponse, reply: Reply): void {
  send(res, reply.status, reply.headers, reply.body, request.method === 'HEAD');
}

/** Runs a read Plan: its page in `format`, with Content-Range and the page's status. */
export async function pageReply(request: RestRequest, scope: RestScope, plan: ReadPlan, format: ResponseFormat, applied: readonly string[] = ['count']): Promise<Reply> {
  const page = await runPage(plan, scope.run, { total: request.prefer.count, estimateAbove: scope.config.rest.maxRows, csv: format === 'csv' });
  const { status, contentRange } = pageStatus(plan.offset ?? 0, page.rows, page.total);
  if (status === 416) {
    throw new RequestError('PGD103', 'Requested range not satisfiable', {
      postgrest: 'PGRST103',
      details: `An offset of ${plan.offset ?? 0} was requested, but there are only ${page.total ?? 0} rows.`,
    });
  }
  const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format], 'Content-Range': contentRange };
  const preferences = preferenceApplied(request.prefer, applied);
  if (preferences !== '') headers['Preference-Applied'] = preferences;
  const body = format === 'csv' ? csvOf(page, plan) : render(page, format, geometryKey(plan));
  return { status: format === 'object' ? 200 : status, headers, body: (format === 'json' || format === 'object') && strippedNulls(request) ? stripNulls(body) : body, rows: page.rows };
}

/** `Preference-Applied`: those of `names` the request gave, in PostgREST's order. */
export function preferenceApplied(prefer: RestRequest['prefer'], names: readonly string[]): string {
  const out: string[] = [];
  const add = (name: string, value: string | number | undefined): void => {
    if (value !== undefined && names.includes(name)) out.push(`${name}=${value}`);
  };
  add('resolution', prefer.resolution);
  add('return', prefer.return);
  add('count', prefer.count);
  add('tx', prefer.tx);
  add('missing', prefer.missing);
  add('handling', prefer.handling);
  add('max-affected', prefer.maxAffected);
  return out.join(', ');
}

/**
 * `Accept: application/vnd.pgrst.array+json;nulls=stripped` (or `vnd.pgrst.object+json;…`,
 * postgrest-js's `stripNulls()`): keys whose value is null are left out of every object.
 */
export function strippedNulls(request: RestRequest): boolean {
  return /application\/vnd\.pgrst\.(array|object)(\+json)?\s*;[^,]*\bnulls\s*=\s*stripped/i.test(header(request, 'accept') ?? '');
}

/** The JSON text without the null-valued keys of its objects, at any depth (`json_strip_nulls`). */
export function stripNulls(text: string): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, strip(v)]));
  };
  return JSON.stringify(strip(JSON.parse(text) as unknown));
}

/**
 * `text/csv` as PostgREST writes it: a header line of the keys of the first row (none when
 * there is no row), a newline, then one line per row in PostgreSQL's record text form.
 */
function csvOf(page: Page, plan: ReadPlan): string {
  if (page.csv !== true) return jsonToCsv(page.body);
  return `${page.rows === 0 ? '' : selectionKeys(plan.selection).join(',')}\n${page.body}`;
}

function selectionKeys(selection: ReadPlan['selection']): string[] {
  return selection.flatMap((s) => (s.kind === 'spread' ? selectionKeys(s.plan.selection) : [s.key]));
}

/** The page's text in the chosen format (the JSON array goes out as PostgreSQL wrote it). */
export function render(page: Page, format: ResponseFormat, geometry?: string): string {
  switch (format) {
    case 'object':
      return singleObject(page);
    case 'csv':
      return jsonToCsv(page.body);
    case 'geojson':
      return geoJson(page.body, geometry);
    default:
      return page.body;
  }
}

/** `application/vnd.pgrst.object+json`: exactly one row, as an object; else PGRST116 (406). */
function singleObject(page: Page): string {
  if (page.rows !== 1) {
    throw new RequestError('PGD103', 'Cannot coerce the result to a single JSON object', {
      postgrest: 'PGRST116',
      details: `The result contains ${page.rows} rows`,
    });
  }
  // json_agg of one row is `[<row>]`: the row is the text between the brackets
  return page.body.slice(1, -1);
}

/** A FeatureCollection: each row a Feature whose geometry is its (already GeoJSON) geometry key. */
function geoJson(body: string, geometry: string | undefined): string {
  const rows = JSON.parse(body) as Record<string, unknown>[];
  const features = rows.map((row) => {
    const properties = { ...row };
    if (geometry !== undefined) delete properties[geometry];
    return { type: 'Feature', geometry: geometry === undefined ? null : (row[geometry] ?? null), properties };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}

/** The key of the first selected geometry column: the Features' geometry. */
function geometryKey(plan: ReadPlan): string | undefined {
  for (const s of plan.selection) if (s.kind === 'column' && s.cast === undefined && isGeometry(s.type)) return s.key;
  return undefined;
}

export function header(request: RestRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
