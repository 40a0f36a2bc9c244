import { z } from 'zod';
import { parseRedisUrl } from '../../plugins/index.js';

/** `redis://[[user]:password@]host[:port][/db]`, checked as the rate limiter checks it. */
const redisUrl = z.string().superRefine((url, ctx) => {
  try {
    parseRedisUrl(url);
  } catch (error: unknown) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

/**
 * `cache` in pgduet.yaml: where the answers of `@cached` queries are kept (Hasura's query
 * response cache). In memory, per instance, by default; in Redis, shared by every instance
 * pointing at it, when `redis` is set (or when the rate limiter has a Redis: `rateLimit.redis`).
 */
export const cacheOptions = z
  .object({
    /** the in-memory cache: at most this many answers, and this many bytes of them; least recently used go first */
    maxEntries: z.number().int().min(1).default(1000),
    maxBytes: z.number().int().min(1).default(64 * 1024 * 1024),
    /** an answer larger than this is not cached (Hasura Cloud: 100 KB; here 1 MB) */
    maxEntryBytes: z.number().int().min(1).default(1024 * 1024),
    /** the longest `@cached(ttl:)` honoured, in seconds (Hasura: 300); a longer ttl is cut to it */
    maxTtl: z.number().int().min(1).default(300),
    redis: z
      .object({
        url: redisUrl,
        /** before every key, so that deployments can share a Redis */
        prefix: z.string().default('pgduet:cache:'),
        /** a reply slower than this is a miss (the query runs), never a wait */
        commandTimeoutMs: z.number().int().positive().default(500),
      })
      .strict()
      .optional(),
  })
  .strict();

export type CacheOptions = z.output<typeof cacheOptions>;
export type CacheOptionsInput = z.input<typeof cacheOptions>;
