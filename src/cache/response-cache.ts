import type { Logger } from 'pino';
import { MemoryCacheStore } from './memory-store.js';
import type { CacheOptions } from './options.js';
import { RedisCacheStore } from './redis-store.js';
import type { CacheStore } from './store.js';

/** A cached answer: its text and how many more seconds it is served (`Cache-Control: max-age`). */
export interface CachedAnswer {
  readonly text: string;
  readonly maxAge: number;
}

/**
 * The response cache of `@cached` queries. It only keeps texts under keys; what the key is
 * made of (the query, its variables, the role and session) is the GraphQL side's
 * (graphql/cached.ts). A store that cannot answer (Redis down) is a miss: the query runs.
 */
export interface ResponseCache {
  /** the answer under `key`, unless it expired */
  get(key: string): Promise<CachedAnswer | undefined>;
  /** keeps `text` for `ttl` seconds (cut to `cache.maxTtl`); says for how long, or 0 when it was not kept */
  set(key: string, text: string, ttl: number): Promise<number>;
  close(): Promise<void>;
}

export interface ResponseCacheSetup {
  readonly options: CacheOptions;
  /** `rateLimit.redis.url`: used when `cache.redis` is not set, so instances sharing a budget share answers too */
  readonly rateLimitRedisUrl?: string | undefined;
  readonly logger: Logger;
  /** the clock (tests) */
  readonly now?: () => number;
}

export function createResponseCache(setup: ResponseCacheSetup): ResponseCache {
  const { options, logger } = setup;
  const now = setup.now ?? Date.now;
  const redis = options.redis ?? (setup.rateLimitRedisUrl === undefined ? undefined : { url: setup.rateLimitRedisUrl, prefix: 'pgduet:cache:', commandTimeoutMs: 500 });
  const store: CacheStore =
    redis === undefined ? new MemoryCacheStore(options) : new RedisCacheStore({ url: redis.url, prefix: redis.prefix, commandTimeoutMs: redis.commandTimeoutMs, logger });
  return {
    async get(key) {
      const at = now();
      try {
        const found = await store.get(key, at);
        return found === undefined ? undefined : { text: found.text, maxAge: Math.max(1, Math.ceil((found.expiresAt - at) / 1000)) };
      } catch (error) {
        logger.debug({ err: error }, 'the response cache could not answer; running the query');
        return undefined;
      }
    },
    async set(key, text, ttl) {
      const seconds = Math.min(Math.floor(ttl), options.maxTtl);
      if (seconds <= 0 || Buffer.byteLength(text) > options.maxEntryBytes) return 0;
      try {
        await store.set(key, { text, expiresAt: now() + seconds * 1000 });
        return seconds;
      } catch (error) {
        logger.debug({ err: error }, 'the response cache could not keep an answer');
        return 0;
      }
    },
    close: () => store.close(),
  };
}
