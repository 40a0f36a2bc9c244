import pg from 'pg';
import { PgduetError, databaseTrouble } from '../errors/index.js';
import { checkout, noteOutcome } from './availability.js';
import type { Pool, PoolClient } from './pool.js';
import type { StatementRunner } from './execute.js';
import { runStatement } from './run-statement.js';

/**
 * Says when a request's client has gone away. Not an AbortSignal: an EventTarget made per
 * request cost ~4 % of a simple read's CPU (under W3 of bench/rest.mjs), and only the
 * statements below listen.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  /** calls `listener` once when the signal aborts (at once if it has); returns how to stop listening */
  onAbort(listener: () => void): () => void;
}

/** The one CancelSignal there is: `abort()` once, by whoever sees the client go. */
export class CancelController implements CancelSignal {
  #aborted = false;
  #listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.#aborted;
  }

  onAbort(listener: () => void): () => void {
    if (this.#aborted) {
      listener();
      return () => undefined;
    }
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at !== -1) this.#listeners.splice(at, 1);
    };
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

/**
 * Statements that stop when their request does. `runner` is the pool (each statement checks
 * out a connection of its own, as `pool.query` would) or the request's transaction client;
 * when `signal` aborts (the HTTP client went away) the running statement is cancelled in
 * PostgreSQL with a cancel request, and no further statement starts. A write's transaction
 * then fails, so its owner rolls it back; the connection goes back to the pool healthy.
 *
 * Every statement's outcome is also told to the pool's availability watch (availability.ts).
 */
export function withCancel(runner: Pool | PoolClient, signal?: CancelSignal): StatementRunner {
  return {
    query: async (config) => {
      if (aborted(signal)) throw cancelled();
      if (!(runner instanceof pg.Pool)) return run(runner, config, signal);
      const client = await checkout(runner);
      let broken: Error | undefined;
      try {
        return await run(client, config, signal);
      } catch (error) {
        // a connection that failed under the statement is not given to the next request
        if (databaseTrouble(error) !== undefined) broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken ?? false);
      }
    },
  };
}

type Statement = Parameters<StatementRunner['query']>[0];

async function run(client: PoolClient, statement: Statement, signal: CancelSignal | undefined): Promise<{ rows: Record<string, unknown>[] }> {
  // the client may have left while this waited for a pooled connection
  if (aborted(signal)) throw cancelled();
  let cancelling: Promise<void> | undefined;
  const stopWatching = signal?.onAbort(() => void (cancelling = sendCancel(client)));
  try {
    const result = await runStatement(client, statement);
    noteOutcome(client);
    return result;
  } catch (error) {
    if (aborted(signal)) throw cancelled(error);
    noteOutcome(client, error);
    throw error;
  } finally {
    stopWatching?.();
    // The cancel request must have been handled before the connection runs anything else
    // (the next statement of the transaction, or another request's): PostgreSQL signals the
    // backend, then closes the cancel connection. A cancel that arrives after the statement
    // ended finds the backend idle, and an idle backend ignores it.
    if (cancelling !== undefined) await cancelling;
  }
}

/** A function, not `signal.aborted` inline: TypeScript would keep a narrowing from before an await. */
function aborted(signal: CancelSignal | undefined): boolean {
  return signal?.aborted === true;
}

function cancelled(cause?: unknown): PgduetError {
  return new PgduetError('PGD503', 'the client closed the connection before the answer: its statement was cancelled', cause === undefined ? {} : { cause });
}

/** The part of pg's Connection that sends a cancel request (pg's types leave it out). */
interface CancelConnection {
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
  on(event: 'connect' | 'end' | 'error', listener: () => void): void;
  readonly stream: { destroy(): void };
}

/** How long a cancel request may take; past it the statement is left to statement_timeout. */
const CANCEL_TIMEOUT_MS = 2000;

/**
 * PostgreSQL's cancel request for the statement running on `client`, sent on a connection of
 * its own as pg's `Client#cancel` does (which needs pg's internal query object): no
 * authentication, no pool slot. Resolves once PostgreSQL has closed that connection.
 */
function sendCancel(client: PoolClient): Promise<void> {
  const processID: unknown = Reflect.get(client, 'processID');
  const secretKey: unknown = Reflect.get(client, 'secretKey');
  if (typeof processID !== 'number' || typeof secretKey !== 'number') return Promise.resolve();
  return new Promise((resolve) => {
    const connection = new pg.Connection() as unknown as CancelConnection;
    const finish = (): void => {
      clearTimeout(timer);
      connection.stream.destroy();
      resolve();
    };
    const timer = setTimeout(finish, CANCEL_TIMEOUT_MS);
    connection.on('connect', () => connection.cancel(processID, secretKey));
    connection.on('end', finish);
    connection.on('error', finish);
    if (client.host.startsWith('/')) connection.connect(`${client.host}/.s.PGSQL.${client.port}`);
    else connection.connect(client.port, client.host);
  });
}
