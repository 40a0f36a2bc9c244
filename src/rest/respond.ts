import type { ServerResponse } from 'node:http';
import { RequestError, toRestError } from '../errors/index.js';
import type { Logger } from 'pino';
import type { ResponseFormat } from './parse/index.js';

/** Content types of the formats pgduet's REST surface writes. */
export const CONTENT_TYPES: Readonly<Record<ResponseFormat, string>> = {
  json: 'application/json; charset=utf-8',
  object: 'application/vnd.pgrst.object+json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
  openapi: 'application/openapi+json; charset=utf-8',
};

/** Writes a response; `body` undefined (or a HEAD request) sends no body. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | undefined, head = false): void {
  const out = body === undefined || head ? undefined : body;
  res.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) });
  res.end(out);
}

/** PostgREST's error body and status; a bug is logged and masked. */
export function sendRestError(res: ServerResponse, error: unknown, log: Logger, head = false, authenticated = false): void {
  const rendered = toRestError(error, authenticated);
  if (rendered.unexpected) log.error({ err: error }, 'unexpected error in a REST request');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.removeHeader('Content-Profile');
  const headers: Record<string, string> = { ...rendered.headers, 'Content-Type': CONTENT_TYPES.json };
  if (rendered.status === 405 && error instanceof RequestError && error.details !== undefined && error.details.startsWith('Allow: ')) {
    headers['Allow'] = error.details.slice('Allow: '.length);
  }
  send(res, rendered.status, headers, JSON.stringify({ ...rendered.body, details: structuredDetails(rendered.body.code, rendered.body.details) }), head);
}

/**
 * PostgREST's PGRST201 (ambiguous embedding) gives its candidates in `details` as a JSON array
 * of `{cardinality, embedding, relationship}`, not as text: the planner writes them as JSON.
 */
function structuredDetails(code: string, details: string | null): unknown {
  if (code !== 'PGRST201' || details === null || !details.startsWith('[')) return details;
  try {
    return JSON.parse(details) as unknown;
  } catch {
    return details;
  }
}

/**
 * `Content-Range: 0-24/*` (or `/total` when counted; `*\/0` for an empty page) and the status
 * PostgREST gives a page: 206 when a counted page is only part of the rows, 416 when the
 * offset is past their count, else 200.
 */
export function pageStatus(offset: number, rows: number, total: number | undefined): { readonly status: number; readonly contentRange: string } {
  const totalText = total === undefined ? '*' : String(total);
  const contentRange = rows === 0 ? `*/${totalText}` : `${offset}-${offset + rows - 1}/${totalText}`;
  if (total === undefined) return { status: 200, contentRange };
  if (offset > total) return { status: 416, contentRange: `*/${total}` };
  return { status: rows < total ? 206 : 200, contentRange };
}

/**
 * A JSON array of objects as CSV, for answers PostgreSQL did not write as CSV itself (written
 * rows, a single row from a function): PostgREST's layout (a header line of the first row's
 * keys, unquoted; a newline; one line per row), values quoted the way a PostgreSQL record
 * quotes them, booleans as `t`/`f`, nested values as their JSON text.
 */
export function jsonToCsv(text: string): string {
  const parsed = JSON.parse(text) as unknown;
  const rows = (Array.isArray(parsed) ? parsed : parsed === null ? [] : [parsed]) as Record<string, unknown>[];
  const first = rows[0];
  if (first === undefined) return '\n';
  const keys = Object.keys(first);
  const lines = rows.map((row) => keys.map((k) => csvField(row[k])).join(','));
  return `${keys.join(',')}\n${lines.join('\n')}`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 't' : 'f') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' || /[",()\\\s]/.test(text) ? `"${text.replaceAll('\\', '\\\\').replaceAll('"', '""')}"` : text;
}
