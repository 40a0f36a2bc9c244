import pg from 'pg';
import { quoteIdentifier } from '../sql/index.js';
import type { Logger } from './logger.js';

export interface ReloadListener {
  stop(): Promise<void>;
}

/** Coalesces a burst of calls into one, `ms` after the last. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const call = (): void => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
  call.cancel = (): void => clearTimeout(timer);
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
  const { url, channel, log, onReload } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 500;

  const connect = async (reconnecting: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'pgduet-listen' });
    next.on('error', (error) => log.warn({ err: error }, 'reload listener connection error'));
    next.on('end', () => {
      if (!stopped) schedule();
    });
    next.on('notification', (message) => {
      if (message.channel !== channel) return;
      const payload = message.payload ?? '';
      if (payload === '' || payload === 'reload schema') onReload();
    });
    try {
      await next.connect();
      await next.query(`listen ${quoteIdentifier(channel)}`);
    } catch (error) {
      log.warn({ err: error, retryInMs: delay }, 'cannot LISTEN for schema reloads; retrying');
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
    if (reconnecting) onReload();
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
