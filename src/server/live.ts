import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/index.js';
import type { Pool } from '../db/index.js';
import type { Mount } from '../http/index.js';
import { LiveEngine } from '../live/index.js';
import { planTables, type Plan } from '../plan/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { listenOn, type ReloadListener } from './reload-triggers.js';

/** The server's live engine, and what tells it of changes: writes through the server, NOTIFY. */
export interface Live {
  readonly engine: LiveEngine;
  /** the Plans of a request that wrote: live queries over their tables refetch at once */
  readonly touch: (plans: readonly Plan[]) => void;
  stop(): Promise<void>;
}

export function createLive(options: { readonly config: Config; readonly pool: Pool; readonly metrics: Metrics; readonly logger: Logger; readonly databaseUrl: string }): Live {
  const { config, metrics, logger } = options;
  const settings = config.subscriptions;
  let counted = { cohorts: 0, shapes: 0 };
  const engine = new LiveEngine({
    intervalMs: settings.interval,
    batchSize: settings.batchSize,
    onRefetch: (seconds) => metrics.liveRefetch.observe(seconds),
    onStatement: () => metrics.statements.inc({ protocol: 'live' }),
    // by difference, not set: each source (config `sources`) has an engine, and the gauge is their sum
    onCount: (cohorts, shapes) => {
      metrics.liveCohorts.inc({ level: 'cohort' }, cohorts - counted.cohorts);
      metrics.liveCohorts.inc({ level: 'shape' }, shapes - counted.shapes);
      counted = { cohorts, shapes };
    },
    onError: (error) => logger.warn({ err: error }, 'a live query could not be refetched; its subscribers were told'),
  });
  // `NOTIFY pgduet_changes, 'public.film'` (or `'film'`, in the first exposed schema)
  const schema = config.database.schemas[0] ?? 'public';
  const listener: ReloadListener | undefined =
    settings.notifyChannel === null
      ? undefined
      : listenOn({
          url: options.databaseUrl,
          channel: settings.notifyChannel,
          log: logger,
          what: 'table changes (live queries)',
          onNotify: (payload) => {
            const tables = payload.split(',').map((t) => t.trim()).filter((t) => t !== '');
            engine.touch(tables.map((t) => (t.includes('.') ? t : `${schema}.${t}`)));
          },
          onReconnect: () => undefined,
        });
  return {
    engine,
    touch: (plans) => engine.touch(planTables(plans)),
    stop: async () => {
      engine.close();
      await listener?.stop();
    },
  };
}

/**
 * The server's `upgrade` listener: a WebSocket upgrade goes to the mount of its path (every
 * GraphQL mount takes them); any other path, or a server still starting, is refused.
 */
export function routeUpgrades(mounts: () => readonly Mount[]): { readonly listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void; closeAll(): void } {
  // upgraded sockets leave the HTTP server's bookkeeping: closing the server must end them itself
  const open = new Set<Duplex>();
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const mount = mounts().find((m) => m.path === path || m.path === path.replace(/\/+$/, ''));
    if (mount?.upgrade === undefined) {
      socket.end(`HTTP/1.1 ${mounts().length === 0 ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    mount.upgrade(req, socket, head);
  };
  return {
    listener,
    closeAll: () => {
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
