import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Chain } from '../chain/index.js';
import { PgduetError, isPgduetError } from '../errors/index.js';
import { tooLarge, type Mount, type RequestContext, type RequestTrace } from '../http/index.js';
import type { GraphHolder } from './graph-holder.js';
import type { RoleConcurrency } from './role-concurrency.js';
import type { Logger } from './logger.js';
import { watchGraphqlErrorCodes } from './graphql-error-codes.js';
import type { Metrics } from './metrics.js';
import type { Plan } from '../plan/index.js';
import { CancelController } from '../db/index.js';

function isWrite(plan: Plan): boolean {
  return plan.kind === 'insert' || plan.kind === 'update' || plan.kind === 'delete';
}

/** Counts requests in flight, so that shutdown can wait for them. */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];
  draining = false;

  get count(): number {
    return this.#count;
  }
  enter(): void {
    this.#count++;
  }
  leave(): void {
    this.#count--;
    if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
  }
  /** resolves when nothing is in flight (at once if nothing is) */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Routes that orchestrators and scrapers call every few seconds: their lines are at debug. */
const PROBES = new Set(['health', 'ready', 'metrics']);

export interface ListenerOptions {
  readonly mounts: readonly Mount[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** absent while the server starts: only mounts that need no graph are served then */
  readonly holder: GraphHolder | undefined;
  readonly inFlight: InFlight;
  /** told of every response the protocol handlers traced (audit) */
  readonly chain?: Chain;
  /** a request declaring a larger body is refused (413) */
  readonly maxBodyBytes?: number;
  /** per-role caps on requests at once (`database.concurrency`) */
  readonly concurrency?: RoleConcurrency;
  /** told of the Plans of every request that wrote (live queries over those tables refetch at once) */
  readonly onWrite?: (plans: readonly Plan[]) => void;
}

export function createRequestListener(options: ListenerOptions): RequestListener {
  const { mounts, logger, metrics, holder, inFlight, chain, maxBodyBytes, concurrency, onWrite } = options;
  // the series of the few label sets there are (route × status) are looked up once and kept
  // (server/request-metrics.ts)
  const counted = new Map<string, Map<number, { inc(): void }>>();
  const timed = new Map<string, { observe(value: number): void }>();
  const countRequest = (protocol: string, route: string, status: number): void => {
    let byStatus = counted.get(route);
    if (byStatus === undefined) counted.set(route, (byStatus = new Map()));
    let child = byStatus.get(status);
    if (child === undefined) byStatus.set(status, (child = metrics.requests.series(protocol, route, status)));
    child.inc();
  };
  const timeRequest = (protocol: string, route: string, seconds: number): void => {
    let child = timed.get(route);
    if (child === undefined) timed.set(route, (child = metrics.duration.series(protocol, route)));
    child.observe(seconds);
  };
  return (req, res) => {
    // a double, not hrtime.bigint(): no BigInt made per request
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    if (inFlight.draining) res.setHeader('Connection', 'close');
    const path = pathOf(req.url);
    const mount = findMount(mounts, path);
    const declared = Number(req.headers['content-length'] ?? 0);
    // another database's routes are its own (`graphql/archive`): its traffic and errors apart from the first's
    const route = mount === undefined ? 'not_found' : mount.source === undefined ? mount.name : `${mount.name}/${mount.source}`;
    const protocol = mount?.protocol ?? 'system';
    // a child logger costs a serialization of its bindings: made only when something logs
    let child: Logger | undefined;
    const log = (): Logger => (child ??= logger.child({ reqId: id }));
    inFlight.enter();
    const gone = new CancelController();
    let giveBack: (() => void) | undefined;
    res.on('close', () => {
      // closed before the whole answer was written: the client left
      if (!res.writableFinished) gone.abort();
      giveBack?.();
      inFlight.leave();
      const seconds = (performance.now() - started) / 1000;
      countRequest(protocol, route, res.statusCode);
      timeRequest(protocol, route, seconds);
      // one line per request: probes at debug, everything else (4xx included) at info
      const level = protocol === 'system' && PROBES.has(route) ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        // the request id as a field, not through a child logger (made only when something else logs)
        // one object of one shape, filled in place (spreads of optional parts cost a copy each)
        const line: RequestLine = { reqId: child === undefined ? id : undefined, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, role: trace.identity?.role, errorCodes: trace.errorCodes };
        (child ?? logger)[level](line, 'request');
      }
      if (onWrite !== undefined && trace.plans.some(isWrite)) onWrite(trace.plans.filter(isWrite));
      if (chain !== undefined && trace.request !== undefined && trace.identity !== undefined) {
        chain.response({
          request: trace.request,
          identity: trace.identity,
          status: res.statusCode,
          durationMs: seconds * 1000,
          plans: trace.plans,
          ...(trace.rowsAffected === undefined ? {} : { rowsAffected: trace.rowsAffected }),
        });
      }
    });
    const trace: RequestTrace = { plans: [] };
    if (protocol === 'graphql') watchGraphqlErrorCodes(res, (codes) => (trace.errorCodes = codes));

    const snapshot = holder?.current;
    const ctx: RequestContext = {
      id,
      get log() {
        return log();
      },
      get snapshot() {
        // only mounts that need no graph are mounted while the server starts
        if (snapshot === undefined) throw new Error('no type graph yet: the server is starting');
        return snapshot;
      },
      trace,
      signal: gone,
      // without per-role caps, one settled promise for every request (no function, no promise made)
      admit:
        concurrency === undefined
          ? admitted
          : async (role) => {
              const release = await concurrency.admit(role);
              // the client may have left while it waited
              if (res.closed) release();
              else giveBack = release;
            },
    };
    // a declared body over the limit is refused before any handler reads it
    if (maxBodyBytes !== undefined && declared > maxBodyBytes) {
      res.setHeader('Connection', 'close');
      sendError(res, tooLarge(maxBodyBytes), log());
      return;
    }
    void run(mount, req, res, ctx, path).catch((error: unknown) => sendError(res, error, log()));
  };
}

async function run(mount: Mount | undefined, req: IncomingMessage, res: ServerResponse, ctx: RequestContext, path: string): Promise<void> {
  if (mount === undefined) throw new PgduetError('PGD101', `no route for ${path}`);
  if (mount.methods !== undefined && !mount.methods.includes(req.method ?? 'GET')) {
    res.setHeader('Allow', mount.methods.join(', '));
    throw new PgduetError('PGD102', `${req.method ?? ''} is not allowed on ${path}`);
  }
  await mount.handler(req, res, ctx);
}

/** Renders an error as JSON; anything that is not a PgduetError is a bug and is masked. */
export function sendError(res: ServerResponse, error: unknown, log: Logger): void {
  const known = isPgduetError(error) ? error : undefined;
  if (known === undefined) log.error({ err: error }, 'unexpected error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = known
    ? { code: known.code, message: known.message, details: known.details ?? null, hint: known.hint ?? null }
    : { code: 'PGD599', message: 'unexpected error; it has been logged', details: null, hint: null };
  sendJson(res, known?.status ?? 500, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A request's log line; pino leaves out the fields that are undefined. */
interface RequestLine {
  readonly reqId: string | undefined;
  readonly method: string | undefined;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly role: string | undefined;
  readonly errorCodes: string[] | undefined;
}

const settled = Promise.resolve();
const admitted = (): Promise<void> => settled;

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

function findMount(mounts: readonly Mount[], path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const hit = path === m.path || (m.prefix === true && path.startsWith(m.path.endsWith('/') ? m.path : `${m.path}/`));
    if (hit && (best === undefined || m.path.length > best.path.length)) best = m;
  }
  return best;
}
