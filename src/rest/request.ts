import type { IncomingMessage } from 'node:http';
import { invalidRequest, RequestError } from '../errors/index.js';
import { readBody } from '../http/index.js';
import type { Entity, TypeGraph } from '../model/index.js';
import { parsePrefer, type Preferences } from './parse/index.js';

/**
 * The parts of an HTTP request the REST handlers read, gathered once: the path under the
 * prefix, the query string, the headers that shape the answer, and the body (read on demand).
 */
export interface RestRequest {
  readonly method: string;
  /** where the REST API is mounted (`/rest`; `` at the root): the start of every path it names */
  readonly prefix: string;
  /** the path below the REST prefix, without the leading slash: `film`, `rpc/fn`, `` */
  readonly resource: string;
  readonly params: URLSearchParams;
  /** the raw query string (without `?`), as the client sent it */
  readonly query: string;
  readonly prefer: Preferences;
  readonly headers: IncomingMessage['headers'];
  /** the schema chosen by Accept-Profile (reads) or Content-Profile (writes), else the first */
  readonly schema: string;
  /** the schema was negotiated (a profile header, or more than one schema exposed): answers say which in Content-Profile */
  readonly negotiated: boolean;
  body(): Promise<Buffer>;
}

export function restRequest(req: IncomingMessage, prefix: string, schemas: readonly string[], maxBodyBytes: number): RestRequest {
  // split by hand: a WHATWG URL per request costs more than the rest of a cached read
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const pathname = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q + 1);
  let rest = pathname.slice(prefix.length);
  if (rest.startsWith('/')) rest = rest.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  let resource: string;
  try {
    resource = decodeURIComponent(rest);
  } catch {
    throw invalidRequest(`the path ${pathname} is not valid percent-encoding`, { postgrest: 'PGRST100' });
  }
  const method = req.method ?? 'GET';
  const preferHeader = joinHeader(req.headers['prefer']);
  const prefer = preferHeader === undefined ? NO_PREFERENCES : parsePrefer(preferHeader);
  if (prefer.handling === 'strict' && prefer.invalid.length > 0) {
    throw invalidRequest(`Invalid preferences given with handling=strict`, { postgrest: 'PGRST122', details: `Invalid preferences: ${prefer.invalid.join(', ')}` });
  }
  let body: Promise<Buffer> | undefined;
  let params: URLSearchParams | undefined;
  return {
    method,
    prefix,
    resource,
    // parsed only when a request is not in the plan cache
    get params() {
      return (params ??= new URLSearchParams(query));
    },
    query,
    prefer,
    headers: req.headers,
    schema: chooseSchema(req, method, schemas),
    negotiated: schemas.length > 1 || profileHeader(req, method) !== undefined,
    body: () => (body ??= readBody(req, maxBodyBytes)),
  };
}

const NO_PREFERENCES = parsePrefer(undefined);

function joinHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function profileHeader(req: IncomingMessage, method: string): string | undefined {
  const header = method === 'GET' || method === 'HEAD' ? req.headers['accept-profile'] : req.headers['content-profile'];
  const wanted = typeof header === 'string' ? header.trim() : undefined;
  return wanted === '' ? undefined : wanted;
}

function chooseSchema(req: IncomingMessage, method: string, schemas: readonly string[]): string {
  const wanted = profileHeader(req, method);
  if (wanted === undefined || wanted === '') return schemas[0] ?? 'public';
  if (!schemas.includes(wanted)) {
    throw new RequestError('PGD103', `The schema must be one of the following: ${schemas.join(', ')}`, { postgrest: 'PGRST106' });
  }
  return wanted;
}

/**
 * `application/x-www-form-urlencoded` (an HTML form, `curl -d a=1`): one object of its fields,
 * each a string (PostgreSQL reads it as the column's or argument's type), as PostgREST takes it.
 */
export function isFormBody(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

export function parseFormBody(body: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
}

/** The body as JSON, or PGRST102 (400). */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw invalidRequest('Empty or invalid json', { postgrest: 'PGRST102' });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidRequest('Empty or invalid json', { postgrest: 'PGRST102', ...(error instanceof Error ? { details: error.message } : {}) });
  }
}

/** The entities of a schema whose rows a GeoJSON answer can be made of (one PostGIS geometry column). */
export function geometryColumn(entity: Entity): string | undefined {
  return entity.columns.find((c) => c.type.kind === 'scalar' && (c.type.name === 'geometry' || c.type.name === 'geography'))?.dbName;
}

export function entityNames(graph: TypeGraph, schema: string): string[] {
  return graph.entities.filter((e) => e.schema === schema).map((e) => e.name);
}
