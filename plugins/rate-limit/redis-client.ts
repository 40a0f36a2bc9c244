import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeCommand, RespError, RespParser, type RespArgument, type RespValue } from './resp.js';

/**
 * A minimal Redis client over one TCP connection, speaking RESP2: enough for a rate limiter
 * (AUTH, SELECT, EVALSHA/EVAL), with no dependency. Commands are pipelined: each is written as
 * soon as it is issued, many may be in flight, and replies are matched to commands by order,
 * which Redis guarantees on one connection.
 */

/** Where to connect: `redis://[[user]:password@]host[:port][/db]`. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
}

/** Parses a `redis://` URL; throws with a message fit for a configuration error. */
export function parseRedisUrl(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (expected redis://host:port)`);
  }
  if (parsed.protocol === 'rediss:') throw new Error('rediss:// (TLS) is not supported; use a TLS proxy, or redis:// on a private network');
  if (parsed.protocol !== 'redis:') throw new Error(`expected a redis:// URL, got ${parsed.protocol}//`);
  if (parsed.hostname === '') throw new Error('the redis URL has no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new Error(`the redis URL's path must be a database number, got /${dbText}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    // URL keeps IPv6 hosts in brackets; net.connect wants them bare
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    ...(dbText === '' ? {} : { db: Number(dbText) }),
  };
}

/** What the client says about its connection; pino's Logger fits. */
export interface RedisLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RedisClientOptions {
  readonly url: string;
  /** how long a connection attempt (TCP and AUTH/SELECT) may take; default 1000 ms */
  readonly connectTimeoutMs?: number;
  /** how long a reply may take; default 500 ms. A command that times out closes the connection (see `command`) */
  readonly commandTimeoutMs?: number;
  /** the first reconnection delay, doubled on each failure (with jitter); default 100 ms */
  readonly minBackoffMs?: number;
  /** the longest reconnection delay; default 5000 ms */
  readonly maxBackoffMs?: number;
  readonly logger?: RedisLogger;
}

/** A command that got no answer: the connection is down, was lost with the command in flight, or timed out. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** A Lua script, known to Redis by its SHA1 once it has been run by EVAL. */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

interface Pending {
  readonly resolve: (value: RespValue) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Queued extends Pending {
  readonly frame: Buffer;
}

/**
 * - `idle`: never connected (the first command connects);
 * - `connecting`: TCP and handshake under way; commands wait, each within its timeout;
 * - `ready`: commands go straight to the socket;
 * - `backoff`: the last connection attempt failed; a timer will try again, and commands fail
 *   at once (a rate limiter must not hold requests while Redis is down);
 * - `closed`: `close()` was called.
 */
type State = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export class RedisClient {
  readonly address: RedisAddress;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #logger: RedisLogger | undefined;

  #state: State = 'idle';
  #socket: Socket | undefined;
  readonly #parser = new RespParser();
  /** written, waiting for their replies, oldest first */
  readonly #inFlight: Pending[] = [];
  /** issued while connecting, to be written once the handshake is done */
  #queued: Queued[] = [];
  /** failed connection attempts in a row */
  #failures = 0;
  /** the current outage began with a working connection lost (rather than a first connection refused) */
  #lostReady = false;
  #lastError: Error | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #corked = false;

  constructor(options: RedisClientOptions) {
    this.address = parseRedisUrl(options.url);
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#logger = options.logger;
  }

  /** Whether commands currently go to a live connection. */
  get ready(): boolean {
    return this.#state === 'ready';
  }

  /** Connects now rather than at the first command; resolves once ready, rejects if this attempt fails. */
  async connect(): Promise<void> {
    await this.command(['PING']);
  }

  /**
   * Sends one command and resolves with its reply; an error reply rejects with a RespError.
   * Commands issued in the same tick leave in one write. A command that gets no reply within
   * the timeout rejects, and the connection is closed and opened again: replies are matched by
   * order, so a connection that stalls stalls every command behind it, and a Redis that is
   * that slow is, for a rate limiter, down.
   */
  command(args: readonly RespArgument[]): Promise<RespValue> {
    return new Promise<RespValue>((resolve, reject) => {
      if (this.#state === 'closed') return reject(new RedisUnavailableError('the Redis client is closed'));
      if (this.#state === 'backoff') {
        return reject(new RedisUnavailableError(`Redis is unreachable: ${this.#lastError?.message ?? 'connection lost'}`));
      }
      const settle: Pick<Pending, 'resolve' | 'reject'> = {
        resolve,
        reject,
      };
      const frame = encodeCommand(args);
      if (this.#state === 'ready') {
        this.#send(frame, settle, this.#commandTimeoutMs);
        return;
      }
      // idle or connecting: wait for the connection, within the command's own timeout
      const timer = setTimeout(() => {
        const index = this.#queued.findIndex((q) => q.timer === timer);
        if (index !== -1) this.#queued.splice(index, 1);
        reject(new RedisUnavailableError(`no connection to Redis within ${this.#commandTimeoutMs} ms`));
      }, this.#commandTimeoutMs);
      this.#queued.push({ frame, timer, ...settle });
      if (this.#state === 'idle') this.#open();
    });
  }

  /** Several commands in one write; each reply (an error reply as a RespError value) in order. */
  async pipeline(commands: readonly (readonly RespArgument[])[]): Promise<RespValue[]> {
    return Promise.all(commands.map((args) => this.command(args).catch((error: unknown) => {
      if (error instanceof RespError) return error;
      throw error;
    })));
  }

  /** Runs a Lua script by its SHA1, and by its source when Redis does not have it yet (after a restart, a SCRIPT FLUSH). */
  async evalScript(script: LuaScript, keys: readonly string[], args: readonly RespArgument[]): Promise<RespValue> {
    try {
      return await this.command(['EVALSHA', script.sha, keys.length, ...keys, ...args]);
    } catch (error: unknown) {
      if (!(error instanceof RespError) || error.kind !== 'NOSCRIPT') throw error;
      return this.command(['EVAL', script.source, keys.length, ...keys, ...args]);
    }
  }

  /** Ends the connection; commands in flight are rejected and no reconnection follows. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#reconnectTimer);
    this.#failAll(new RedisUnavailableError('the Redis client is closed'));
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        // QUIT is polite but not needed: Redis drops a closed connection at once
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    }
  }

  // -------------------------------------------------------------------------------------------

  #send(frame: Buffer, settle: Pick<Pending, 'resolve' | 'reject'>, timeoutMs: number): void {
    const socket = this.#socket;
    if (socket === undefined) {
      settle.reject(new RedisUnavailableError('not connected to Redis'));
      return;
    }
    const timer = setTimeout(() => {
      // a Redis too slow to answer is down for a rate limiter: back off rather than reconnect at once
      this.#lose(socket, new RedisUnavailableError(`no reply from Redis within ${timeoutMs} ms`), false);
    }, timeoutMs);
    this.#inFlight.push({ ...settle, timer });
    // cork until the next tick, so that commands issued together leave in one packet
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  #open(): void {
    this.#state = 'connecting';
    const { host, port } = this.address;
    const socket = connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 10_000 });
    this.#socket = socket;
    this.#parser.reset();
    const connectTimer = setTimeout(() => {
      this.#lose(socket, new RedisUnavailableError(`could not connect to Redis at ${host}:${port} within ${this.#connectTimeoutMs} ms`));
    }, this.#connectTimeoutMs);

    socket.on('data', (chunk: Buffer) => this.#receive(socket, chunk));
    socket.on('error', (error: Error) => this.#lose(socket, error));
    socket.on('close', () => this.#lose(socket, new RedisUnavailableError('the connection to Redis was closed')));
    socket.once('connect', () => {
      this.#handshake(socket).then(
        () => {
          clearTimeout(connectTimer);
          if (this.#socket !== socket) return;
          if (this.#failures > 0) this.#logger?.info({ redis: `${host}:${port}` }, 'connected to Redis again');
          this.#state = 'ready';
          this.#failures = 0;
          this.#lostReady = false;
          this.#lastError = undefined;
          const queued = this.#queued;
          this.#queued = [];
          for (const q of queued) {
            clearTimeout(q.timer);
            this.#send(q.frame, q, this.#commandTimeoutMs);
          }
        },
        (error: unknown) => {
          clearTimeout(connectTimer);
          this.#lose(socket, error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    socket.once('close', () => clearTimeout(connectTimer));
  }

  /** AUTH and SELECT, written ahead of any queued command. */
  async #handshake(socket: Socket): Promise<void> {
    const { username, password, db } = this.address;
    const steps: Promise<RespValue>[] = [];
    const run = (args: readonly RespArgument[]): Promise<RespValue> =>
      new Promise<RespValue>((resolve, reject) => this.#send(encodeCommand(args), { resolve, reject }, this.#connectTimeoutMs));
    if (this.#socket !== socket) return;
    if (password !== undefined) steps.push(run(username === undefined ? ['AUTH', password] : ['AUTH', username, password]));
    if (db !== undefined) steps.push(run(['SELECT', db]));
    for (const step of steps) {
      try {
        await step;
      } catch (error: unknown) {
        // a wrong password is not going to fix itself, but the operator may fix Redis: keep retrying, with backoff
        throw error instanceof RespError ? new RedisUnavailableError(`Redis refused the handshake: ${error.message}`) : error;
      }
    }
  }

  #receive(socket: Socket, chunk: Buffer): void {
    if (this.#socket !== socket) return;
    let replies: RespValue[];
    try {
      replies = this.#parser.push(chunk);
    } catch (error: unknown) {
      this.#lose(socket, error instanceof Error ? error : new Error(String(error)), false);
      return;
    }
    for (const reply of replies) {
      const pending = this.#inFlight.shift();
      if (pending === undefined) {
        this.#lose(socket, new RedisUnavailableError('Redis sent a reply no command asked for'), false);
        return;
      }
      clearTimeout(pending.timer);
      if (reply instanceof RespError) pending.reject(reply);
      else pending.resolve(reply);
    }
  }

  /**
   * The connection `socket` is unusable: fail what waits on it, then try again. A connection
   * that was working is opened again at once (Redis restarted, or closed an idle client: the
   * commands meanwhile wait for it, within their timeouts); a connection attempt that failed
   * is retried after a growing delay, during which commands fail at once.
   */
  #lose(socket: Socket, error: Error, retryAtOnce = true): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    socket.destroy();
    if (this.#state === 'closed') return;
    const wasReady = this.#state === 'ready';
    this.#failAll(error instanceof RedisUnavailableError ? error : new RedisUnavailableError(`Redis: ${error.message}`, { cause: error }));
    if (wasReady) this.#lostReady = true;
    if (wasReady && retryAtOnce) {
      this.#open();
      return;
    }
    this.#lastError = error;
    this.#failures += 1;
    const delay = this.#backoff();
    // one line per outage, not one per attempt: the outage is the news
    if (this.#failures === 1) {
      this.#logger?.warn(
        { redis: `${this.address.host}:${this.address.port}`, err: error, retryInMs: delay },
        this.#lostReady ? 'lost the connection to Redis' : 'cannot connect to Redis',
      );
    }
    this.#state = 'backoff';
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === 'backoff') this.#open();
    }, delay);
    // a process that has nothing else to do may exit while waiting to reconnect
    this.#reconnectTimer.unref();
  }

  #backoff(): number {
    const exponential = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#failures - 1, 20));
    // jitter: instances that lost Redis together do not all come back in the same millisecond
    return Math.round(exponential * (0.5 + Math.random() / 2));
  }

  #failAll(error: Error): void {
    for (const pending of this.#inFlight.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const queued of this.#queued.splice(0)) {
      clearTimeout(queued.timer);
      queued.reject(error);
    }
  }
}
