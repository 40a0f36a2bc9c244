import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedis, freePort, startRedisServer, type RunningRedis } from '../support/redis.js';
import type { Identity, RequestInfo } from '../../src/chain/index.js';
import { isPgduetError, type PgduetError } from '../../src/errors/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import {
  REDIS_CONNECTION_NAME,
  RedisBucketStore,
  RedisConnection,
  RedisUnavailableError,
  TOKEN_BUCKET_SCRIPT,
  useRateLimit,
  type RateLimitLogger,
  type RateLimitOptionsInput,
} from '../../plugins/rate-limit/index.js';

/**
 * The rate-limit plugin against a real Redis: two plugin instances (two servers) share one
 * budget. Redis is, in order: REDIS_URL; a redis-server this file starts on a free port (when
 * one is installed); the one on 127.0.0.1:6379. With none of them the file fails: a skipped
 * test would hide that the Redis store is not tested at all.
 *
 * The connection's failure handling (late replies, lost connections, AUTH, a Redis that goes
 * away and comes back) is tested against a redis-server of its own, which the tests pause,
 * disconnect, stop and start again.
 */

let redis: RunningRedis;

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;
const request = (ip: string): RequestInfo => ({ id: 'r', protocol: 'graphql', graph, headers: {}, method: 'POST', path: '/graphql', ip });
const user: Identity = { role: 'user', session: {}, authenticated: true, keyId: 'key-1' };

async function check(plugin: ReturnType<typeof useRateLimit>, req: RequestInfo, who: Identity = user): Promise<PgduetError | undefined> {
  try {
    await plugin.onRequest?.({ request: req, identity: who, setIdentity: () => undefined });
    return undefined;
  } catch (error: unknown) {
    if (isPgduetError(error)) return error;
    throw error;
  }
}

/** A prefix of its own for each test, so tests (and runs) never share a bucket. */
const freshPrefix = (): string => `pgduet:test:${randomBytes(6).toString('hex')}:`;

describe('with a Redis server', () => {
  beforeAll(async () => {
    redis = await findRedis();
  }, 30_000);

  afterAll(async () => {
    await redis?.stop();
  });

  describe('two instances sharing one Redis', () => {
    it('share one budget: the second is refused once the first has spent it', async () => {
      const prefix = freshPrefix();
      const options: RateLimitOptionsInput = { rules: [{ by: 'key', limit: 3, per: 60 }], redis: { url: redis.url, prefix } };
      const first = useRateLimit(options);
      const second = useRateLimit(options);
      try {
        for (let i = 0; i < 3; i++) expect(await check(first, request('192.0.2.1'))).toBeUndefined();
        const refused = await check(second, request('192.0.2.2'));
        expect(refused?.code).toBe('PGD401');
        expect(refused?.status).toBe(429);
        // 3 per minute: a token every 20 s
        expect(Number(refused?.headers?.['Retry-After'])).toBeGreaterThanOrEqual(19);
        expect(Number(refused?.headers?.['Retry-After'])).toBeLessThanOrEqual(20);
        expect(refused?.headers?.['RateLimit-Limit']).toBe('3');
        expect((await check(first, request('192.0.2.1')))?.code).toBe('PGD401');
        // another key has its own budget, on either instance
        expect(await check(second, request('192.0.2.2'), { ...user, keyId: 'key-2' })).toBeUndefined();
      } finally {
        await first.onClose();
        await second.onClose();
      }
    });

    it('concurrent requests from both instances never overspend the budget (the script is atomic)', async () => {
      const prefix = freshPrefix();
      const options: RateLimitOptionsInput = { rules: [{ by: 'role', limit: 25, per: 3600 }], redis: { url: redis.url, prefix } };
      const a = useRateLimit(options);
      const b = useRateLimit(options);
      try {
        const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => check(i % 2 === 0 ? a : b, request('192.0.2.9'))));
        expect(outcomes.filter((o) => o === undefined)).toHaveLength(25);
        expect(outcomes.filter((o) => o?.code === 'PGD401')).toHaveLength(35);
      } finally {
        await a.onClose();
        await b.onClose();
      }
    });

    it('takes from every bucket or from none, and refills with time', async () => {
      const connection = new RedisConnection({ url: redis.url });
      const prefix = freshPrefix();
      const store = new RedisBucketStore(connection, { prefix });
      try {
        const small = { key: 'small', capacity: 1, refillPerSecond: 5 };
        const large = { key: 'large', capacity: 10, refillPerSecond: 0.001 };
        expect((await store.take([small, large])).allowed).toBe(true);
        const refused = await store.take([small, large]);
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
        // the refusal took nothing from the large bucket: 9 left
        const afterRefill = await new Promise<Awaited<ReturnType<typeof store.take>>>((resolve, reject) =>
          setTimeout(() => store.take([small, large]).then(resolve, reject), 250),
        );
        expect(afterRefill.allowed).toBe(true);
        expect(afterRefill.remaining).toBe(0);
        const large9 = await store.take([large]);
        expect(large9.remaining).toBe(7);
        // a key expires once its bucket is full again (plus a second): 200 ms for the small one
        const ttl = await connection.run((r) => r.pttl(`${prefix}small`));
        expect(ttl).toBeGreaterThan(1000);
        expect(ttl).toBeLessThanOrEqual(1200);
        expect(await connection.run((r) => r.hgetall(`${prefix}small`))).toEqual({ t: '0', ts: expect.stringMatching(/^\d+(\.\d+)?$/) });
      } finally {
        await store.close();
      }
    });
  });

  describe('the script', () => {
    it('runs by EVALSHA, and by EVAL again once Redis has forgotten it (SCRIPT FLUSH, a restart)', async () => {
      // a Redis of its own: SCRIPT FLUSH on a shared one would pull the script from under other tests
      const own = await startRedisServer();
      const store = new RedisBucketStore(new RedisConnection({ url: own.url }), { prefix: freshPrefix() });
      const admin = new Redis(own.url);
      const sha = createHash('sha1').update(TOKEN_BUCKET_SCRIPT).digest('hex');
      const spec = { key: 'k', capacity: 5, refillPerSecond: 0.001 };
      try {
        expect((await store.take([spec])).remaining).toBe(4);
        expect(await admin.script('EXISTS', sha)).toEqual([1]);
        expect((await store.take([spec])).remaining).toBe(3);
        await admin.script('FLUSH');
        expect(await admin.script('EXISTS', sha)).toEqual([0]);
        // NOSCRIPT, then EVAL: the request never sees it
        expect((await store.take([spec])).remaining).toBe(2);
        expect(await admin.script('EXISTS', sha)).toEqual([1]);
        const commands = ((await admin.info('commandstats')) as string).split('\r\n');
        expect(commands.find((line) => line.startsWith('cmdstat_evalsha:'))).toMatch(/calls=2,.*failed_calls=1/);
        expect(commands.find((line) => line.startsWith('cmdstat_eval:'))).toMatch(/calls=2,/);
      } finally {
        await store.close();
        admin.disconnect();
        await own.stop();
      }
    });
  });
});

describe('when Redis cannot answer', () => {
  const unreachable = async (): Promise<string> => `redis://127.0.0.1:${await freePort()}`;

  it('onRedisError allow (the default) lets requests through and logs the outage once', async () => {
    const lines: string[] = [];
    const logger: RateLimitLogger = { info: (_, m) => void lines.push(m), warn: (_, m) => void lines.push(m), error: (_, m) => void lines.push(m) };
    const plugin = useRateLimit({ rules: [{ by: 'ip', limit: 1, per: 60 }], redis: { url: await unreachable() } }, { logger });
    try {
      expect(await check(plugin, request('192.0.2.3'))).toBeUndefined();
      // the first connection was refused: until the next attempt, requests do not wait for Redis at all
      const started = Date.now();
      for (let i = 0; i < 4; i++) expect(await check(plugin, request('192.0.2.3'))).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(200);
      expect(lines).toEqual(['cannot connect to Redis', 'rate limits cannot be checked; requests are let through until they can']);
    } finally {
      await plugin.onClose();
    }
  });

  it('onRedisError deny refuses with PGD401', async () => {
    const plugin = useRateLimit({ rules: [{ by: 'ip', limit: 1, per: 60 }], redis: { url: await unreachable() }, onRedisError: 'deny' });
    try {
      const refused = await check(plugin, request('192.0.2.3'));
      expect(refused?.code).toBe('PGD401');
      expect(refused?.cause).toBeInstanceOf(RedisUnavailableError);
    } finally {
      await plugin.onClose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The connection's failure handling, against a redis-server of its own

/** The connections the rate limiter holds on `admin`'s Redis (they carry REDIS_CONNECTION_NAME). */
async function rateLimitClients(admin: Redis): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${REDIS_CONNECTION_NAME} `)).map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '');
}

function recordingLogger(): { lines: string[]; logger: RateLimitLogger } {
  const lines: string[] = [];
  return { lines, logger: { info: (_, m) => void lines.push(m), warn: (_, m) => void lines.push(m), error: (_, m) => void lines.push(m) } };
}

describe('RedisConnection failure handling (a redis-server of its own)', () => {
  let own: RunningRedis;
  let admin: Redis;

  beforeAll(async () => {
    own = await startRedisServer();
    admin = new Redis(own.url);
    // a user with a password, for the AUTH tests
    await admin.acl('SETUSER', 'app', 'on', '>s3cret', '~*', '&*', '+@all');
  }, 30_000);

  afterAll(async () => {
    admin?.disconnect();
    await own?.stop();
  });

  const port = (): number => Number(new URL(own.url).port);

  it('authenticates and selects the database before any command', async () => {
    const connection = new RedisConnection({ url: `redis://app:s3cret@127.0.0.1:${port()}/3` });
    const key = `${freshPrefix()}where`;
    try {
      await connection.run((redis) => redis.set(key, 'here'));
      expect(await connection.run((redis) => redis.acl('WHOAMI'))).toBe('app');
      expect(await admin.get(key)).toBeNull();
      await admin.select(3);
      expect(await admin.get(key)).toBe('here');
    } finally {
      await admin.select(0);
      await connection.close();
    }
  });

  it('a refused AUTH is a failed connection, and says why', async () => {
    const connection = new RedisConnection({ url: `redis://app:wrong@127.0.0.1:${port()}` });
    try {
      const failure = connection.run((redis) => redis.ping());
      await expect(failure).rejects.toThrow(RedisUnavailableError);
      await expect(failure).rejects.toThrow(/WRONGPASS/);
      expect(connection.ready).toBe(false);
    } finally {
      await connection.close();
    }
  });

  it('a reply that does not come in time fails the command and the ones behind it; the connection is opened again', async () => {
    const connection = new RedisConnection({ url: own.url, commandTimeoutMs: 100, minBackoffMs: 10, maxBackoffMs: 20 });
    try {
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      const [before] = await rateLimitClients(admin);
      // Redis holds every normal client's commands for 300 ms: for a rate limiter, that is down
      await admin.client('PAUSE', 300, 'ALL');
      const started = Date.now();
      const slow = expect(connection.run((redis) => redis.ping())).rejects.toThrow(/no reply from Redis within 100 ms/);
      const behind = expect(connection.run((redis) => redis.ping())).rejects.toThrow(RedisUnavailableError);
      await slow;
      await behind;
      expect(Date.now() - started).toBeLessThan(1000);
      await eventually(async () => expect(await connection.run((redis) => redis.ping())).toBe('PONG'));
      const after = await rateLimitClients(admin);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
    } finally {
      await connection.close();
    }
  });

  it('a dropped connection fails the command in flight and is opened again at once; commands meanwhile wait for it', async () => {
    const { lines, logger } = recordingLogger();
    const connection = new RedisConnection({ url: own.url, commandTimeoutMs: 2000, logger });
    const list = `${freshPrefix()}list`;
    try {
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      const [before] = await rateLimitClients(admin);
      // a command surely in flight: it blocks in Redis until the connection is killed
      const inFlight = connection.run((redis) => redis.blpop(list, 5));
      // it may fail before the KILL's own reply comes back: handled from now on (asserted below)
      inFlight.catch(() => undefined);
      await eventually(async () => expect(((await admin.client('LIST')) as string)).toMatch(new RegExp(`id=${before} .*cmd=blpop`)));
      // Redis restarted, or closed an idle client
      await admin.client('KILL', 'ID', before ?? '');
      await expect(inFlight).rejects.toThrow(RedisUnavailableError);
      // issued while it reconnects: waits for the new connection rather than failing
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      const after = await rateLimitClients(admin);
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
      // the command that may have run was not sent again on the new connection
      await admin.rpush(list, 'x');
      expect(await admin.lrange(list, 0, -1)).toEqual(['x']);
      // a reconnection at once is not an outage
      expect(lines).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('while Redis is gone, commands fail at once; it is found again with backoff, and the outage is logged once', async () => {
    const gone = await startRedisServer();
    const { lines, logger } = recordingLogger();
    const connection = new RedisConnection({ url: gone.url, minBackoffMs: 200, maxBackoffMs: 400, logger });
    let back: RunningRedis | undefined;
    try {
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      await gone.stop();
      // the reconnection at once is refused: from then on every command fails at once, until Redis is back
      await eventually(async () => expect(await connection.run((redis) => redis.ping()).catch((e: unknown) => String(e))).toMatch(/Redis is unreachable/));
      const started = Date.now();
      await expect(connection.run((redis) => redis.ping())).rejects.toThrow(/Redis is unreachable/);
      expect(Date.now() - started).toBeLessThan(50);
      // several attempts fail while it is down; one line says so
      await new Promise((resolve) => setTimeout(resolve, 500));
      back = await startRedisServer({ port: Number(new URL(gone.url).port) });
      await eventually(async () => expect(await connection.run((redis) => redis.ping())).toBe('PONG'));
      expect(lines).toEqual(['lost the connection to Redis', 'connected to Redis again']);
    } finally {
      await connection.close();
      await back?.stop();
      await gone.stop();
    }
  });

  it('a Redis that hangs holds a command at most commandTimeoutMs, and the next ones not at all', async () => {
    const hung = await startRedisServer();
    const { lines, logger } = recordingLogger();
    const connection = new RedisConnection({ url: hung.url, commandTimeoutMs: 200, minBackoffMs: 1000, maxBackoffMs: 1000, logger });
    try {
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      hung.freeze();
      let started = Date.now();
      await expect(connection.run((redis) => redis.ping())).rejects.toThrow('no reply from Redis within 200 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      // the stalled connection is dropped (a command may slip in as it is): until the next
      // attempt, a second later, commands fail at once
      started = Date.now();
      for (let i = 0; i < 5; i++) await expect(connection.run((redis) => redis.ping())).rejects.toThrow(RedisUnavailableError);
      await expect(connection.run((redis) => redis.ping())).rejects.toThrow(/Redis is unreachable: Socket timeout/);
      expect(Date.now() - started).toBeLessThan(100);
      hung.thaw();
      await eventually(async () => expect(await connection.run((redis) => redis.ping())).toBe('PONG'));
      expect(lines).toEqual(['lost the connection to Redis', 'connected to Redis again']);
    } finally {
      hung.thaw();
      await connection.close();
      await hung.stop();
    }
  });

  it('the plugin lets requests through while Redis is gone, and counts again once it is back', async () => {
    const gone = await startRedisServer();
    const { lines, logger } = recordingLogger();
    const plugin = useRateLimit({ rules: [{ by: 'ip', limit: 2, per: 3600 }], redis: { url: gone.url, prefix: freshPrefix(), maxBackoffMs: 50 } }, { logger });
    let back: RunningRedis | undefined;
    try {
      expect(await check(plugin, request('192.0.2.4'))).toBeUndefined();
      await gone.stop();
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect(await check(plugin, request('192.0.2.4'))).toBeUndefined();
      // the first request waits for the reconnection at once to fail, the others not at all
      expect(Date.now() - started).toBeLessThan(1000);
      back = await startRedisServer({ port: Number(new URL(gone.url).port) });
      // the new Redis is empty: a full bucket of 2 again
      await eventually(async () => expect((await check(plugin, request('192.0.2.4')))?.code).toBe('PGD401'));
      // the first failed request and the failed reconnection may be told in either order
      expect(lines.slice(0, 2).sort()).toEqual(['lost the connection to Redis', 'rate limits cannot be checked; requests are let through until they can']);
      expect(lines.slice(2)).toEqual(['connected to Redis again', 'rate limits are checked again']);
    } finally {
      await plugin.onClose();
      await back?.stop();
      await gone.stop();
    }
  });

  it('a plugin that never needed Redis closes without connecting', async () => {
    const plugin = useRateLimit({ rules: [{ by: 'ip', limit: 1, per: 1 }], redis: { url: own.url } });
    await plugin.onClose();
    expect(await rateLimitClients(admin)).toEqual([]);
    // closed, Redis cannot answer: the default (allow) lets the request through, and nothing connects
    expect(await check(plugin, request('192.0.2.5'))).toBeUndefined();
    expect(await rateLimitClients(admin)).toEqual([]);
  });

  it('close() rejects what is in flight, and no reconnection follows', async () => {
    const connection = new RedisConnection({ url: own.url, commandTimeoutMs: 5000 });
    try {
      expect(await connection.run((redis) => redis.ping())).toBe('PONG');
      const pending = connection.run((redis) => redis.blpop(`${freshPrefix()}never`, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const closing = Date.now();
      await connection.close();
      expect(Date.now() - closing).toBeLessThan(500);
      await expect(pending).rejects.toThrow(RedisUnavailableError);
      await expect(connection.run((redis) => redis.ping())).rejects.toThrow(/closed/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await rateLimitClients(admin)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});

/** Retries an assertion until it passes (or 3 s have gone by). */
async function eventually(assertion: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error: unknown) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
