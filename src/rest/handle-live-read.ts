import type { ServerResponse } from 'node:http';
import { liveRunner, type LiveEngine } from '../live/index.js';
import type { Entity } from '../model/index.js';
import { planTables } from '../plan/index.js';
import { authorize, resultHooks } from '../pipeline/index.js';
import { compilePage, multiplexedOptions } from '../sql/index.js';
import type { Databases } from '../db/index.js';
import { parseQuery, parseRange } from './parse/index.js';
import { planRead } from './plan/index.js';
import type { RestRequest } from './request.js';
import type { RestScope } from './scope.js';
import { header } from './handle-read.js';

/** What a REST server-sent-event stream needs besides the request's scope. */
export interface LiveRest {
  readonly live: LiveEngine;
  readonly databases: Databases;
  /** ms between `: keep-alive` comments (proxies close idle streams); 0: none */
  readonly keepAliveMs: number;
  readonly onMessage: () => void;
  readonly onStream: (delta: number) => void;
}

/** `Accept: text/event-stream` on a read. */
export function wantsEventStream(request: RestRequest): boolean {
  return request.method === 'GET' && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(header(request, 'accept') ?? '');
}

/**
 * `GET /rest/<table>` with `Accept: text/event-stream`: the read as server-sent events. The
 * request is parsed, planned and authorized once, like any read (the same Plan, the same
 * chain); its statement then joins the live queries (src/live), multiplexed with every other
 * subscriber of the same shape. The first event is the current answer; then one event each
 * time the answer changes (`event: change`, `data:` the JSON array). A client that cannot keep
 * up gets the latest answer when it can, never a backlog.
 */
export async function handleLiveRead(request: RestRequest, res: ServerResponse, scope: RestScope, entity: Entity, deps: LiveRest): Promise<void> {
  const range = parseRange(header(request, 'range'), header(request, 'range-unit'));
  const plan = planRead(scope.graph, entity, parseQuery(request.params), { maxRows: scope.config.rest.maxRows, ...(range === undefined ? {} : { range }) });
  const authorized = await authorize(plan, scope.run);
  const query = compilePage(authorized, multiplexedOptions(scope.run.options), { total: false });
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  let id = 0;
  let pending: string | undefined;
  const write = (text: string): void => {
    // a JSON text may hold newlines (json_agg writes some): one `data:` line each, joined again by the client
    const frame = `id: ${++id}\nevent: ${id === 1 ? 'snapshot' : 'change'}\n${text.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`;
    deps.onMessage();
    if (!res.write(frame)) res.once('drain', flush);
  };
  const flush = (): void => {
    if (pending === undefined || res.writableNeedDrain) return;
    const text = pending;
    pending = undefined;
    write(text);
  };
  const send = (text: string): void => {
    pending = text;
    flush();
  };
  let stop: () => void = () => undefined;
  const keepAlive = deps.keepAliveMs > 0 ? setInterval(() => res.writableNeedDrain || res.write(': keep-alive\n\n'), deps.keepAliveMs) : undefined;
  keepAlive?.unref();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    stop();
    deps.onStream(-1);
    res.end();
  };
  deps.onStream(1);
  res.on('close', end);
  stop = deps.live.subscribe(
    { query, tables: planTables([authorized]), role: scope.run.identity.role, ...liveRunner(scope.run.chain, deps.databases, scope.run.request, scope.run.identity) },
    {
      next: (text) => {
        if (!scope.run.chain.hasResultHooks) return send(text);
        void resultHooks(authorized, JSON.parse(text) as unknown, scope.run).then((rows) => send(JSON.stringify(rows)), () => end());
      },
      error: (error) => {
        const message = error instanceof Error ? error.message : 'the answer could not be refetched';
        if (!ended) res.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
        end();
      },
      end,
    },
  );
}
