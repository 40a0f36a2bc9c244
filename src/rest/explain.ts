import type { ServerResponse } from 'node:http';
import { invalidRequest } from '../errors/index.js';
import { explainPage, type ExplainOptions } from '../pipeline/index.js';
import type { ReadPlan } from '../plan/index.js';
import type { RestRequest } from './request.js';
import { send } from './respond.js';
import type { RestScope } from './scope.js';

/**
 * EXPLAIN in PostgREST's dialect: `Accept: application/vnd.pgrst.plan+json` (or `+text`, or no
 * suffix: text) with `for="<media type>"` and `options=analyze|verbose|settings|buffers|wal`
 * answers the plan PostgreSQL makes for the request's statement instead of its rows. Off unless
 * `rest.explain: true` (PostgREST's `db-plan-enabled`): a plan shows the shape of the data and
 * the policies; off, such an Accept is PGRST107 (406), as in PostgREST.
 */
export interface ExplainRequest extends ExplainOptions {
  /** the media type whose statement is explained (`application/json`) */
  readonly for: string;
}

const PLAN = /^application\/vnd\.pgrst\.plan(\+(json|text))?$/i;
const OPTIONS = new Set(['analyze', 'verbose', 'settings', 'buffers', 'wal']);

/** The plan the Accept header asks for, or undefined when it asks for rows. */
export function explainRequest(request: RestRequest, enabled: boolean): ExplainRequest | undefined {
  const raw = request.headers['accept'];
  const accept = Array.isArray(raw) ? raw.join(', ') : raw;
  if (accept === undefined) return undefined;
  for (const range of accept.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const [type = '', ...parameters] = range.split(';').map((p) => p.trim());
    const match = PLAN.exec(type);
    if (match === null) continue;
    if (!enabled) throw invalidRequest(`None of these media types are available: ${accept}`, { postgrest: 'PGRST107' });
    const params = new Map(parameters.map((p) => {
      const equals = p.indexOf('=');
      return [p.slice(0, equals).trim().toLowerCase(), p.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1')] as const;
    }));
    const options = (params.get('options') ?? '').split('|').map((o) => o.trim().toLowerCase()).filter((o) => o !== '');
    for (const option of options) {
      if (!OPTIONS.has(option)) throw invalidRequest(`None of these media types are available: ${accept}`, { postgrest: 'PGRST107', details: `unknown plan option '${option}'` });
    }
    return {
      format: match[2]?.toLowerCase() === 'json' ? 'json' : 'text',
      for: params.get('for') ?? 'application/json',
      analyze: options.includes('analyze'),
      verbose: options.includes('verbose'),
      settings: options.includes('settings'),
      buffers: options.includes('buffers'),
      wal: options.includes('wal'),
    };
  }
  return undefined;
}

/**
 * Answers the plan of a read: EXPLAIN of the very statement the request would run. ANALYZE
 * runs it, in a transaction rolled back afterwards (a function it calls may write).
 */
export async function sendExplain(request: RestRequest, res: ServerResponse, scope: RestScope, plan: ReadPlan, explain: ExplainRequest): Promise<void> {
  const body = explain.analyze
    ? await scope.atomically((db) => explainPage(plan, { ...scope.run, db: () => db }, explain), { rollback: true })
    : await explainPage(plan, scope.run, explain);
  const options = (['analyze', 'verbose', 'settings', 'buffers', 'wal'] as const).filter((o) => explain[o]);
  const type = `application/vnd.pgrst.plan+${explain.format}; for="${explain.for}"${options.length > 0 ? `; options=${options.join('|')}` : ''}; charset=utf-8`;
  send(res, 200, { 'Content-Type': type }, body, request.method === 'HEAD');
}
