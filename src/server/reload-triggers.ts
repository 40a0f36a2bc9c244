import pg from 'pg';
import { quoteIdentifier } from '../sql/index.js';
import type { Logger } from './logger.js';

export interface ReloadListener {
  stop(): Promise<void>;
}

/**
 * Coalesces a burst of calls into one, `ms` after the last — but never later than `maxWait`
 * after the first, so that a steady trickle of notifications cannot put a reload off forever.
 */
export function debounce(fn: () => void, ms: number, maxWait = Math.max(1000, ms * 10)): { (): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let first: number | undefined;
  const fire = (): void => {
    first = undefined;
    fn();
  };
  const call = (): void => {
    const now = Date.now();
    first ??= now;
    clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(ms, first + maxWait - now)));
  };
  call.cancel = (): void => {
    clearTimeout(timer);
    first = undefined;
  };
  return call;
}

/**
 * LISTENs on `channel` with its own connection (a pooled one would be handed to requests).
 * `NOTIFY pgduet, 'reload schema'` (or an empty payload, as PostgREST accepts) calls
 * `onReload`. When the connection drops it reconnects with a growing delay and then
 * reloads once, because notifications sent while it was away are lost.
 */
export function listenForReload(options: {
  readonly url: string;
  readonly channel: string;
  readonly log: Logger;
  readonly onReload: () => void;
}): ReloadListener {
  const { onReload } = options;
  return listenOn({
    ...options,
    what: 'schema reloads',
    onNotify: (payload) => {
      if (payload === '' || payload === 'reload schema') onReload();
    },
    // notifications sent while the connection was away are lost
    onReconnect: onReload,
  });
}

/**
 * LISTENs on `channel` with its own connection, reconnecting with a growing delay; told of
 * each payload, and of each reconnection (what was sent meanwhile is lost).
 */
export function listenOn(options: {
  readonly url: string;
  readonly channel: string;
  readonly log: Logger;
  /** for the log lines: what the notifications are for */
  readonly what: string;
  readonly onNotify: (payload: string) => void;
  readonly onReconnect: () => void;
}): ReloadListener {
  const { url, channel, log, what, onNotify, onReconnect } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 500;

  const connect = async (reconnecting: boolean): Promise<void> => {
    // keepAlive: NATs and load balancers drop idle connections silently; TCP keepalive makes
    // the loss visible ('end'), so that we reconnect instead of missing every NOTIFY after it.
    const next = new pg.Client({
      connectionString: url,
      application_name: 'pgduet-listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      connectionTimeoutMillis: 10_000,
    });
    // a lost database is reported once by the pool's availability watch; here it is only the detail
    next.on('error', (error) => log.debug({ err: error, channel }, `listener connection error (${what})`));
    next.on('end', () => {
      if (!stopped) schedule();
    });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`listen ${quoteIdentifier(channel)}`);
    } catch (error) {
      log.warn({ err: error, retryInMs: delay }, `cannot LISTEN for ${what}; retrying`);
      await next.end().catch(() => undefined);
      schedule();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delay = 500;
    if (reconnecting) onReconnect();
  };

  const schedule = (): void => {
    client = undefined;
    if (stopped) return;
    clearTimeout(retry);
    retry = setTimeout(() => void connect(true), delay);
    delay = Math.min(delay * 2, 30_000);
  };

  void connect(false);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
