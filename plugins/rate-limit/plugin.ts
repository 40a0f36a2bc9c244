import { declarePlugin, type PgduetPlugin } from '../../src/chain/index.js';
import { ConfigError, PgduetError } from '../../src/errors/index.js';
import { clientAddress } from '../ip-allow/index.js';
import { MemoryBucketStore } from './memory-store.js';
import { rateLimitOptions, type RateLimitOptionsInput } from './options.js';
import { RedisClient } from './redis-client.js';
import { RedisBucketStore } from './redis-store.js';
import { bucketsFor } from './rules.js';
import type { BucketStore, Decision } from './token-bucket.js';

/** Where the plugin reports Redis trouble; pino's Logger fits. */
export interface RateLimitLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface RateLimitDeps {
  /** Redis outages and recoveries; without one they are silent */
  readonly logger?: RateLimitLogger;
  /** the clock of the in-memory store, in ms (tests pass a fake one) */
  readonly now?: () => number;
  /** a store of your own, instead of the one the options describe */
  readonly store?: BucketStore;
}

/** The plugin, with its store. */
export interface RateLimitPlugin extends PgduetPlugin {
  readonly store: BucketStore;
  /** at shutdown (the chain's `close`): closes the Redis connection; for the in-memory store, forgets the buckets */
  onClose(): Promise<void>;
}

/**
 * Counts each request against token buckets per role, per API key and per client address, and
 * refuses it with PGD401 (429, Retry-After) when one of them is empty. List it after the
 * identity plugins: it counts the caller they identified. Throws a ConfigError (PGD001) for bad
 * options.
 */
export function useRateLimit(options: RateLimitOptionsInput = {}, deps: RateLimitDeps = {}): RateLimitPlugin {
  const parsed = rateLimitOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? '' : `${issue.path.join('.')}: `}${issue.message}`);
    throw new ConfigError('PGD001', `rate-limit: ${issues.join('; ')}`);
  }
  const config = parsed.data;
  const { logger } = deps;
  const store =
    deps.store ??
    (config.redis === undefined
      ? new MemoryBucketStore({ ...config.memory, ...(deps.now === undefined ? {} : { now: deps.now }) })
      : new RedisBucketStore(
          new RedisClient({
            url: config.redis.url,
            connectTimeoutMs: config.redis.connectTimeoutMs,
            commandTimeoutMs: config.redis.commandTimeoutMs,
            maxBackoffMs: config.redis.maxBackoffMs,
            ...(logger === undefined ? {} : { logger }),
          }),
          { prefix: config.redis.prefix },
        ));
  const unlimited = new Set(config.unlimited);
  // the store failing is logged once per outage, not once per request
  let failing = false;

  const refusal = (decision: Decision): PgduetError => {
    const seconds = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    const headers: Record<string, string> = { 'Retry-After': seconds };
    if (config.headers) {
      headers['RateLimit-Limit'] = String(decision.limit);
      headers['RateLimit-Remaining'] = '0';
      headers['RateLimit-Reset'] = seconds;
    }
    return new PgduetError('PGD401', 'Rate limit exceeded', { headers });
  };

  return {
    name: 'rate-limit',
    description: 'token buckets per role, API key and client address; 429 with Retry-After when one is empty',
    store,
    onClose: () => store.close(),
    async onRequest({ request, identity }) {
      if (unlimited.has(identity.role)) return;
      const buckets = bucketsFor(config.rules, { role: identity.role, keyId: identity.keyId, ip: clientAddress(request, config.trustProxy) });
      if (buckets.length === 0) return;
      let decision: Decision;
      try {
        decision = await store.take(buckets);
      } catch (error: unknown) {
        if (!failing) {
          failing = true;
          logger?.error({ err: error, onRedisError: config.onRedisError }, `rate limits cannot be checked; requests are ${config.onRedisError === 'allow' ? 'let through' : 'refused'} until they can`);
        }
        if (config.onRedisError === 'allow') return;
        throw new PgduetError('PGD401', 'Rate limit cannot be checked', { headers: { 'Retry-After': '1' }, cause: error });
      }
      if (failing) {
        failing = false;
        logger?.info({}, 'rate limits are checked again');
      }
      if (!decision.allowed) throw refusal(decision);
    },
  };
}

/** `rateLimit`: token buckets per role, API key and client address. */
export const rateLimitPlugin = declarePlugin({
  name: 'rate-limit',
  description: 'refuses requests over the token buckets of their role, API key or address (rateLimit)',
  configKey: 'rateLimit',
  options: rateLimitOptions.optional(),
  // it counts the caller the identity plugins identified
  after: ['api-key', 'jwt'],
  create: (options, { logger }) => useRateLimit(options, { logger }),
});
