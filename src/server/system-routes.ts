import { withCancel, type Pool } from '../db/index.js';
import type { Mount } from '../http/index.js';
import { sendJson } from './http.js';
import type { Metrics } from './metrics.js';

/** `/health`: the process is alive and serving HTTP. Never touches the database. */
export function healthRoute(): Mount {
  return {
    name: 'health',
    protocol: 'system',
    path: '/health',
    methods: ['GET', 'HEAD'],
    handler: (_req, res) => sendJson(res, 200, { status: 'ok' }),
  };
}

/** `/healthz`: Hasura's liveness check (`OK`, as text), for load balancers set up for Hasura. */
export function healthzRoute(): Mount {
  return {
    name: 'healthz',
    protocol: 'system',
    path: '/healthz',
    methods: ['GET', 'HEAD'],
    handler: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2 });
      res.end('OK');
    },
  };
}

/** Another database behind the server (config `sources`), as `/ready` reports it. */
export interface ReadySource {
  readonly name: string;
  readonly pool: Pool;
  /** its type graph is loaded */
  loaded(): boolean;
}

/**
 * `/ready`: the type graph is loaded and the database answers within `timeoutMs`. Load
 * balancers and the Dockerfile's HEALTHCHECK ask this one. The status is the first source's
 * alone: another source that is down fails only its own requests, so it must not take the
 * instance out of a load balancer; the body says how each is (`sources: { name: ready |
 * loading | unavailable }`).
 */
export function readyRoute(pool: Pool, isDraining: () => boolean, timeoutMs = 2000, sources: readonly ReadySource[] = []): Mount {
  return {
    name: 'ready',
    protocol: 'system',
    path: '/ready',
    methods: ['GET', 'HEAD'],
    handler: async (_req, res, ctx) => {
      if (isDraining()) {
        sendJson(res, 503, { status: 'unavailable', reason: 'shutting down' });
        return;
      }
      const [problem, ...others] = await Promise.all([databaseProblem(pool, timeoutMs), ...sources.map((s) => sourceState(s, timeoutMs))]);
      const bySource = sources.length === 0 ? {} : { sources: Object.fromEntries(sources.map((s, i) => [s.name, others[i]])) };
      if (problem !== undefined) {
        // the detail (host names, driver messages) goes to the log, not to whoever asks; an
        // unreachable database is logged once per outage by the pool's watch, not per probe
        if (problem.slow) ctx.log.warn({ problem: problem.text }, 'not ready');
        sendJson(res, 503, { status: 'unavailable', reason: 'database unavailable', ...bySource });
        return;
      }
      const { graph, generation } = ctx.snapshot;
      sendJson(res, 200, {
        status: 'ready',
        fingerprint: graph.fingerprint,
        generation,
        entities: graph.entities.length,
        functions: graph.functions.length,
        ...bySource,
      });
    },
  };
}

async function sourceState(source: ReadySource, timeoutMs: number): Promise<'ready' | 'loading' | 'unavailable'> {
  if ((await databaseProblem(source.pool, timeoutMs)) !== undefined) return 'unavailable';
  return source.loaded() ? 'ready' : 'loading';
}

async function databaseProblem(pool: Pool, timeoutMs: number): Promise<{ readonly text: string; readonly slow: boolean } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ text: string; slow: boolean }>((resolve) => {
    timer = setTimeout(() => resolve({ text: `database did not answer within ${timeoutMs} ms`, slow: true }), timeoutMs);
  });
  // through withCancel: the probe tells the pool's watch whether the database answers
  const probe = withCancel(pool).query({ text: 'select 1' }).then(
    () => undefined,
    (error: unknown) => ({ text: `database unreachable: ${error instanceof Error ? error.message : String(error)}`, slow: false }),
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/metrics` in Prometheus' text format. */
export function metricsRoute(metrics: Metrics): Mount {
  return {
    name: 'metrics',
    protocol: 'system',
    path: '/metrics',
    methods: ['GET'],
    handler: async (_req, res) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
      res.end(text);
    },
  };
}
