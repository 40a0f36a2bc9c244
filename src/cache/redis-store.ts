import { RedisConnection, type RedisLogger } from '../../plugins/index.js';
import type { CacheStore, StoredAnswer } from './store.js';

/**
 * Answers in Redis, so that every instance behind a load balancer serves what any of them
 * cached. The connection is the rate limiter's (its failure policy: a Redis that is down or
 * slow fails a command at once, never holds a request); Redis expires the key itself (PX),
 * and the value carries its expiry so that every instance reports the same `max-age`.
 */
export class RedisCacheStore implements CacheStore {
  readonly #connection: RedisConnection;
  readonly #prefix: string;

  constructor(options: { readonly url: string; readonly prefix: string; readonly commandTimeoutMs: number; readonly logger?: RedisLogger }) {
    this.#connection = new RedisConnection({
      url: options.url,
      commandTimeoutMs: options.commandTimeoutMs,
      name: 'pgduet-cache',
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.#prefix = options.prefix;
  }

  async get(key: string, now: number): Promise<StoredAnswer | undefined> {
    const value = await this.#connection.run((redis) => redis.get(this.#prefix + key));
    if (value === null) return undefined;
    // `<expiresAt>\n<text>`
    const newline = value.indexOf('\n');
    const expiresAt = Number(value.slice(0, newline));
    if (newline < 0 || !Number.isFinite(expiresAt) || expiresAt <= now) return undefined;
    return { text: value.slice(newline + 1), expiresAt };
  }

  async set(key: string, answer: StoredAnswer): Promise<void> {
    const ms = answer.expiresAt - Date.now();
    if (ms <= 0) return;
    await this.#connection.run((redis) => redis.set(this.#prefix + key, `${answer.expiresAt}\n${answer.text}`, 'PX', ms));
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
