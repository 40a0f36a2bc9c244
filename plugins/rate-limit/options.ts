import { z } from 'zod';
import { parseRedisUrl } from './redis-connection.js';

const roleName = z.string().min(1, 'expected a role name');

const rule = z.strictObject({
  /** what requests are counted by */
  by: z.enum(['role', 'key', 'ip']),
  /** requests … */
  limit: z.number().int().positive(),
  /** … per this many seconds (the refill rate is limit / per tokens a second) */
  per: z.number().positive(),
  /** bucket capacity: requests that may pass at once after a quiet spell; default `limit` */
  burst: z.number().int().positive().optional(),
  /** only for these roles (overriding, for them, the rules of this dimension that name no role) */
  roles: z.array(roleName).min(1, 'expected at least one role (or no `roles` for every role)').optional(),
});

const redis = z.strictObject({
  /** `redis://[[user]:password@]host[:port][/db]` */
  url: z.string().superRefine((url, ctx) => {
    try {
      parseRedisUrl(url);
    } catch (error: unknown) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  }),
  /** before every key, so that deployments can share a Redis */
  prefix: z.string().default('pgduet:rl:'),
  connectTimeoutMs: z.number().int().positive().default(1000),
  /** a reply slower than this counts as Redis being down (see `onRedisError`) */
  commandTimeoutMs: z.number().int().positive().default(500),
  maxBackoffMs: z.number().int().positive().default(5000),
});

/** The options of `useRateLimit` (`limits.rate` in pgduet.yaml, once wired), with their defaults. */
export const rateLimitOptions = z.strictObject({
  rules: z.array(rule).default([]),
  /** roles never limited (a service role, an admin) */
  unlimited: z.array(roleName).default([]),
  /**
   * how many proxies' X-Forwarded-For entries to trust when finding the client's address for
   * `ip` rules (0: the socket's address); as in the ip-allow plugin
   */
  trustProxy: z.number().int().min(0).default(0),
  /** the in-memory store (used without `redis`) */
  memory: z
    .strictObject({
      /** the most buckets held; past it the least recently used one is dropped */
      maxBuckets: z.number().int().positive().default(10_000),
      /** how often buckets that have refilled completely are swept out */
      sweepIntervalMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  /** share the budget between instances through Redis */
  redis: redis.optional(),
  /** when Redis cannot answer: let the request through (and log), or refuse it with 429 */
  onRedisError: z.enum(['allow', 'deny']).default('allow'),
  /** add RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset to a refusal */
  headers: z.boolean().default(true),
});

/** The options as written (defaults may be left out). */
export type RateLimitOptionsInput = z.input<typeof rateLimitOptions>;
/** The options with every default filled in. */
export type RateLimitOptions = z.output<typeof rateLimitOptions>;
