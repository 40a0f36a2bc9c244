import type { Redis } from 'ioredis';

/**
 * The rate limiter's connection to Redis: an ioredis client with the failure policy a rate
 * limiter needs. ioredis speaks the protocol, pipelines, authenticates, selects the database,
 * queues commands while it connects and runs scripts by EVALSHA; this file only decides what
 * happens when Redis goes away, because a request must never wait long on a dead Redis:
 *
 * - a working connection that drops is opened again at once, and commands issued meanwhile
 *   wait for it (within `commandTimeoutMs`);
 * - a command that was in flight when the connection dropped fails: it may or may not have run,
 *   so it is never sent twice;
 * - a failed connection attempt is retried after a growing delay, with jitter; while it waits,
 *   commands fail at once;
 * - a command with no reply within `commandTimeoutMs` fails, and the connection is closed and
 *   reopened after a delay: replies come in order, so a stalled connection stalls every command
 *   behind it, and a Redis that slow is, for a rate limiter, down.
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
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new Error(`the redis URL's path must be a database number, got /${dbText}`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    // URL keeps IPv6 hosts in brackets; a socket wants them bare
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    ...(dbText === '' ? {} : { db: Number(dbText) }),
  };
}

/** What the connection says about outages; pino's Logger fits. */
export interface RedisLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RedisConnectionOptions {
  readonly url: string;
  /** how long opening the TCP connection may take; default 1000 ms */
  readonly connectTimeoutMs?: number;
  /** how long a reply may take, waiting for a connection included; default 500 ms */
  readonly commandTimeoutMs?: number;
  /** the first reconnection delay after a failure, doubled on each failure (with jitter); default 100 ms */
  readonly minBackoffMs?: number;
  /** the longest reconnection delay; default 5000 ms */
  readonly maxBackoffMs?: number;
  readonly logger?: RedisLogger;
  /** what `CLIENT LIST` shows; default REDIS_CONNECTION_NAME (the response cache names its own) */
  readonly name?: string;
}

/** A command that got no answer: Redis is down, the connection was lost with it in flight, or the reply was late. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** The name the connection gives itself (`CLIENT LIST` shows it). */
export const REDIS_CONNECTION_NAME = 'pgduet-rate-limit';

export class RedisConnection {
  readonly address: RedisAddress;
  readonly #commandTimeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #logger: RedisLogger | undefined;
  /** the current connection finished its handshake */
  #ready = false;
  /** failed connection attempts in a row; above 0, commands fail at once while the next attempt waits */
  #failures = 0;
  /** the current outage began with a working connection lost (rather than a first connection refused) */
  #lostReady = false;
  /** the connection was dropped because a reply was late: reopen it after a delay, not at once */
  #stalled = false;
  #lastError: Error | undefined;
  #closed = false;
  /** makes the client, given ioredis's class */
  readonly #make: (RedisClass: typeof Redis) => Redis;
  /**
   * The ioredis client, made (and ioredis loaded) by the first command: a server that never
   * needs Redis, or a CLI that prints its help, does not pay for loading a Redis client.
   */
  #client: Promise<Redis> | undefined;
  #redis: Redis | undefined;

  constructor(options: RedisConnectionOptions) {
    this.address = parseRedisUrl(options.url);
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#logger = options.logger;
    const { host, port, username, password, db } = this.address;
    this.#make = (RedisClass) =>
      new RedisClass({
      host,
      port,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      db: db ?? 0,
      connectionName: options.name ?? REDIS_CONNECTION_NAME,
      // connect on the first command, not at start-up: the server starts whether Redis is up or not
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      commandTimeout: this.#commandTimeoutMs,
      // no reply within the same time: the socket is destroyed, failing the commands behind the
      // late one, and the connection reopened (after a backoff, see #reconnectDelay). Closing it
      // politely would wait for a hung Redis to answer the FIN.
      socketTimeout: this.#commandTimeoutMs,
      // a connection that closes fails every command waiting on it, instead of keeping it for the next one
      maxRetriesPerRequest: 0,
      // a command in flight when the connection dropped may have run: taking a token twice is wrong
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => this.#reconnectDelay(),
    });
  }

  /** The ioredis client, made on the first call. */
  async #connection(): Promise<Redis> {
    this.#client ??= import('ioredis').then(({ Redis }) => this.#listen(this.#make(Redis)));
    return this.#client;
  }

  #listen(redis: Redis): Redis {
    this.#redis = redis;
    // ioredis reports every failed attempt as an 'error' event; the outage is logged once, in #reconnectDelay
    redis.on('error', (error: Error) => {
      this.#lastError = error;
      // ioredis's socketTimeout: the connection stalled, which is not the blip a reconnection at once is for
      if (error.message.startsWith('Socket timeout')) this.#stalled = true;
    });
    redis.on('ready', () => {
      this.#ready = true;
      if (this.#failures > 0) this.#logger?.info({ redis: this.#where() }, 'connected to Redis again');
      this.#failures = 0;
      this.#lostReady = false;
      this.#lastError = undefined;
    });
    return redis;
  }

  /** Whether commands currently go to a live connection. */
  get ready(): boolean {
    return this.#redis?.status === 'ready';
  }

  /**
   * Sends commands with the failure policy above. Every failure to get an answer rejects with a
   * RedisUnavailableError (the ioredis error as its cause); an error reply from Redis itself
   * (a bad command, a failing script) rejects as ioredis gives it. The first call makes the
   * client; `send` may then also set it up (defineCommand) before sending.
   */
  async run<T>(send: (redis: Redis) => Promise<T>): Promise<T> {
    if (this.#closed) throw new RedisUnavailableError('the Redis connection is closed');
    // waiting to try again after a failure: a rate limiter must not hold requests while Redis is down
    if (this.#redis?.status === 'reconnecting' && this.#failures > 0) {
      throw new RedisUnavailableError(`Redis is unreachable: ${this.#lastError?.message ?? 'connection lost'}`);
    }
    const redis = await this.#connection();
    if (this.#closed) throw new RedisUnavailableError('the Redis connection is closed');
    try {
      return await send(redis);
    } catch (error: unknown) {
      if (!(error instanceof Error)) throw new RedisUnavailableError(`Redis: ${String(error)}`);
      if (error.message === 'Command timed out') {
        throw new RedisUnavailableError(`no reply from Redis within ${this.#commandTimeoutMs} ms`, { cause: error });
      }
      // an error reply on a working connection is Redis's answer; anything else means no answer came
      if (error.name === 'ReplyError' && this.#ready) throw error;
      throw new RedisUnavailableError(`Redis cannot answer: ${error.message}`, { cause: error });
    }
  }

  /** Closes the connection: commands in flight or waiting are rejected, and no reconnection follows. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client === undefined) return;
    const redis = await this.#client;
    if (redis.status === 'end') return;
    const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
    // no QUIT: Redis 7.2 deprecates it, and closing the socket is what it does anyway
    redis.disconnect();
    await ended;
  }

  // -------------------------------------------------------------------------------------------

  /** ioredis's retryStrategy: how long to wait before the next connection attempt. */
  #reconnectDelay(): number | null {
    if (this.#closed) return null;
    const lostReady = this.#ready;
    const stalled = this.#stalled;
    this.#ready = false;
    this.#stalled = false;
    if (lostReady) this.#lostReady = true;
    // Redis restarted, or closed an idle client: open again at once, commands wait for it
    if (lostReady && !stalled) return 0;
    this.#failures += 1;
    const exponential = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#failures - 1, 20));
    // jitter: instances that lost Redis together do not all come back in the same millisecond
    const delay = Math.round(exponential * (0.5 + Math.random() / 2));
    // one line per outage, not one per attempt: the outage is the news
    if (this.#failures === 1) {
      this.#logger?.warn(
        { redis: this.#where(), err: this.#lastError, retryInMs: delay },
        this.#lostReady ? 'lost the connection to Redis' : 'cannot connect to Redis',
      );
    }
    return delay;
  }

  #where(): string {
    return `${this.address.host}:${this.address.port}`;
  }
}
