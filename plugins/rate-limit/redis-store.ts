import type { Redis, Result } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';
import type { BucketSpec, BucketStore, Decision } from './token-bucket.js';

/** The script as an ioredis command (defineCommand): EVALSHA, and EVAL when Redis does not know it yet. */
const TOKEN_BUCKET_COMMAND = 'pgduetTakeTokens';

/** The clients the command has been defined on. */
const withScript = new WeakSet<Redis>();

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** TOKEN_BUCKET_SCRIPT: `numberOfKeys`, the keys, then cost and each key's capacity and refill per ms */
    pgduetTakeTokens(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
  }
}

/**
 * The token bucket of `token-bucket.ts`, in Lua, so that reading, refilling and taking happen
 * in one atomic step inside Redis, whichever server instance asks. The clock is Redis's own
 * (TIME), so instances whose clocks disagree still agree on the buckets.
 *
 * KEYS: one hash per bucket, fields t (tokens) and ts (last update, ms).
 * ARGV: cost, then for each key its capacity and its refill per millisecond.
 * Returns { allowed 0|1, retry-after ms, remaining, index (1-based) of the deciding bucket, reset ms }
 * as integers (Redis truncates Lua numbers in replies, so the script rounds them itself).
 * A key expires once its bucket would be full again: an absent key is a full bucket.
 */
export const TOKEN_BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local cost = tonumber(ARGV[1])
local tokens = {}
local allowed = 1
local wait = 0
local deciding = 1
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 'ts')
  local t = tonumber(state[1])
  local ts = tonumber(state[2])
  if t == nil or ts == nil then
    t = capacity
  else
    t = math.min(capacity, t + math.max(0, now - ts) * rate)
  end
  tokens[i] = t
  if t < cost then
    local w = (cost - t) / rate
    if allowed == 1 or w > wait then
      wait = w
      deciding = i
    end
    allowed = 0
  end
end
if allowed == 0 then
  return { 0, math.ceil(wait), 0, deciding, math.ceil(wait) }
end
local remaining = nil
local reset = 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local t = tokens[i] - cost
  local full = (capacity - t) / rate
  redis.call('HSET', KEYS[i], 't', t, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(full) + 1000)
  if remaining == nil or t < remaining then
    remaining = t
    deciding = i
    reset = full
  end
end
return { 1, 0, math.floor(remaining), deciding, math.ceil(reset) }
`;

export interface RedisStoreOptions {
  /** put before every key, so that several deployments can share one Redis (default `pgduet:rl:`) */
  readonly prefix?: string;
}

/** Buckets in Redis: every instance pointing at the same Redis and prefix shares one budget. */
export class RedisBucketStore implements BucketStore {
  readonly connection: RedisConnection;
  readonly #prefix: string;

  constructor(connection: RedisConnection, options: RedisStoreOptions = {}) {
    this.connection = connection;
    this.#prefix = options.prefix ?? 'pgduet:rl:';
  }

  async take(specs: readonly BucketSpec[]): Promise<Decision> {
    if (specs.length === 0) return { allowed: true, retryAfterMs: 0, remaining: 0, limit: 0, resetMs: 0 };
    const args: (string | number)[] = [1];
    for (const spec of specs) args.push(spec.capacity, spec.refillPerSecond / 1000);
    const keys = specs.map((spec) => this.#prefix + spec.key);
    const reply = await this.connection.run((redis) => {
      // ioredis sends it by EVALSHA, and by EVAL on a new connection or after NOSCRIPT (a Redis restart, a SCRIPT FLUSH)
      if (!withScript.has(redis)) {
        redis.defineCommand(TOKEN_BUCKET_COMMAND, { lua: TOKEN_BUCKET_SCRIPT });
        withScript.add(redis);
      }
      return redis.pgduetTakeTokens(keys.length, ...keys, ...args);
    });
    return toDecision(reply, specs);
  }

  /** Closes the Redis connection. */
  close(): Promise<void> {
    return this.connection.close();
  }
}

function toDecision(reply: unknown, specs: readonly BucketSpec[]): Decision {
  if (!Array.isArray(reply) || reply.length !== 5 || !reply.every((v): v is number => typeof v === 'number')) {
    throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  }
  const [allowed, retryAfterMs, remaining, deciding, resetMs] = reply as [number, number, number, number, number];
  return {
    allowed: allowed === 1,
    retryAfterMs,
    remaining,
    limit: specs[deciding - 1]?.capacity ?? 0,
    resetMs,
  };
}
