import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedis, type RunningRedis } from '../support/redis.js';
import type { Identity, RequestInfo } from '../../src/chain/index.js';
import { isPgduetError, type PgduetError } from '../../src/errors/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import {
  LuaScript,
  RedisBucketStore,
  RedisClient,
  RedisUnavailableError,
  RespError,
  RespParser,
  useRateLimit,
  type RateLimitLogger,
  type RateLimitOptionsInput,
  type RespValue,
} from '../../plugins/rate-limit/index.js';

/**
 * The rate-limit plugin against a real Redis: two plugin instances (two servers) share one
 * budget. Redis is, in order: REDIS_URL; a redis-server this file starts on a free port (when
 * one is installed); the one on 127.0.0.1:6379. With none of them the file fails: a skipped
 * test would hide that the Redis store is not tested at all.
 *
 * The client's failure handling (timeouts, lost connections, AUTH) is tested against a fake
 * server speaking RESP, which can misbehave on cue.
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
      const client = new RedisClient({ url: redis.url });
      const prefix = freshPrefix();
      const store = new RedisBucketStore(client, { prefix });
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
        const ttl = await client.command(['PTTL', `${prefix}small`]);
        expect(ttl).toBeGreaterThan(1000);
        expect(ttl).toBeLessThanOrEqual(1200);
        expect(await client.command(['HGETALL', `${prefix}small`])).toEqual(['t', '0', 'ts', expect.stringMatching(/^\d+(\.\d+)?$/)]);
      } finally {
        await store.close();
      }
    });
  });

  describe('RedisClient against Redis', () => {
    it('pipelines: commands issued together come back in order', async () => {
      const client = new RedisClient({ url: redis.url });
      const key = `${freshPrefix()}counter`;
      try {
        const replies = await Promise.all(Array.from({ length: 200 }, () => client.command(['INCR', key])));
        expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        const mixed = await client.pipeline([['SET', key, 'é\r\n'], ['GET', key], ['HGET', key, 'x'], ['DEL', key], ['GET', key]]);
        expect(mixed.slice(0, 2)).toEqual(['OK', 'é\r\n']);
        expect(mixed[2]).toBeInstanceOf(RespError);
        expect((mixed[2] as RespError).kind).toBe('WRONGTYPE');
        expect(mixed.slice(3)).toEqual([1, null]);
        await expect(client.command(['NOSUCHCOMMAND'])).rejects.toThrow(/unknown command/);
      } finally {
        await client.close();
      }
    });

    it('EVALSHA falls back to EVAL for a script Redis does not know yet', async () => {
      const client = new RedisClient({ url: redis.url });
      // a script no one has sent before: its SHA1 is unknown to this Redis
      const script = new LuaScript(`-- ${randomBytes(8).toString('hex')}\nreturn { KEYS[1], ARGV[1], 42 }`);
      try {
        expect(await client.command(['SCRIPT', 'EXISTS', script.sha])).toEqual([0]);
        expect(await client.evalScript(script, ['k'], ['v'])).toEqual(['k', 'v', 42]);
        expect(await client.command(['SCRIPT', 'EXISTS', script.sha])).toEqual([1]);
        expect(await client.evalScript(script, ['k2'], ['v2'])).toEqual(['k2', 'v2', 42]);
        await expect(client.evalScript(new LuaScript('return redis.call("NOPE")'), [], [])).rejects.toThrow(RespError);
      } finally {
        await client.close();
      }
    });
  });
});

describe('when Redis cannot answer', () => {
  const unreachable = async (): Promise<string> => {
    // a port nothing listens on: bind one, then let it go
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return `redis://127.0.0.1:${port}`;
  };

  it('onRedisError allow (the default) lets requests through and logs the outage once', async () => {
    const lines: string[] = [];
    const logger: RateLimitLogger = { info: (_, m) => void lines.push(m), warn: (_, m) => void lines.push(m), error: (_, m) => void lines.push(m) };
    const plugin = useRateLimit({ rules: [{ by: 'ip', limit: 1, per: 60 }], redis: { url: await unreachable() } }, { logger });
    try {
      for (let i = 0; i < 5; i++) expect(await check(plugin, request('192.0.2.3'))).toBeUndefined();
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
// The client's failure handling, against a fake server

/** A TCP server that parses commands and lets the test decide each reply. */
class FakeRedis {
  readonly commands: string[][] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  /** the reply to a command, as RESP text; undefined: no reply at all */
  answer: (command: string[]) => string | undefined = () => '+PONG\r\n';
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.#server = createServer((socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const parser = new RespParser();
      socket.on('data', (chunk: Buffer) => {
        for (const value of parser.push(chunk)) {
          const command = (value as readonly RespValue[]).map(String);
          this.commands.push(command);
          const reply = this.answer(command);
          if (reply !== undefined) socket.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server?.address() as { port: number }).port;
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropConnections();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('RedisClient failure handling (fake server)', () => {
  it('authenticates and selects the database before any command', async () => {
    const fake = new FakeRedis();
    await fake.start();
    const client = new RedisClient({ url: `redis://app:s3cret@127.0.0.1:${fake.port}/3` });
    fake.answer = (c) => (c[0] === 'AUTH' || c[0] === 'SELECT' ? '+OK\r\n' : '+PONG\r\n');
    try {
      expect(await client.command(['PING'])).toBe('PONG');
      expect(fake.commands).toEqual([['AUTH', 'app', 's3cret'], ['SELECT', '3'], ['PING']]);
    } finally {
      await client.close();
      await fake.stop();
    }
  });

  it('a refused AUTH is a failed connection', async () => {
    const fake = new FakeRedis();
    await fake.start();
    fake.answer = (c) => (c[0] === 'AUTH' ? '-WRONGPASS invalid username-password pair\r\n' : '+PONG\r\n');
    const client = new RedisClient({ url: `redis://:bad@127.0.0.1:${fake.port}` });
    try {
      await expect(client.command(['PING'])).rejects.toThrow(/refused the handshake: WRONGPASS/);
      expect(client.ready).toBe(false);
    } finally {
      await client.close();
      await fake.stop();
    }
  });

  it('a reply that does not come in time rejects the command and reconnects', async () => {
    const fake = new FakeRedis();
    await fake.start();
    const client = new RedisClient({ url: `redis://127.0.0.1:${fake.port}`, commandTimeoutMs: 100, minBackoffMs: 10, maxBackoffMs: 20 });
    try {
      expect(await client.command(['PING'])).toBe('PONG');
      // Redis answers in order, so a stalled command stalls the ones behind it too
      fake.answer = () => undefined;
      const started = Date.now();
      const slow = expect(client.command(['PING'])).rejects.toThrow(/no reply from Redis within 100 ms/);
      // the command behind the stalled one fails with it: its reply could not be told apart
      const behind = expect(client.command(['PING'])).rejects.toThrow(RedisUnavailableError);
      await slow;
      await behind;
      expect(Date.now() - started).toBeLessThan(1000);
      fake.answer = () => '+PONG\r\n';
      await eventually(async () => expect(await client.command(['PING'])).toBe('PONG'));
      expect(fake.connections).toBe(2);
    } finally {
      await client.close();
      await fake.stop();
    }
  });

  it('a dropped connection fails the commands in flight and is opened again at once', async () => {
    const fake = new FakeRedis();
    await fake.start();
    const lines: string[] = [];
    const logger = { info: (_: object, m: string) => void lines.push(m), warn: (_: object, m: string) => void lines.push(m) };
    const client = new RedisClient({ url: `redis://127.0.0.1:${fake.port}`, logger });
    try {
      expect(await client.command(['PING'])).toBe('PONG');
      fake.answer = () => undefined;
      const inFlight = expect(client.command(['PING'])).rejects.toThrow(RedisUnavailableError);
      await new Promise((resolve) => setTimeout(resolve, 20));
      fake.answer = () => '+PONG\r\n';
      // Redis restarted, or closed an idle client: the next command waits for the new connection
      fake.dropConnections();
      await inFlight;
      expect(await client.command(['PING'])).toBe('PONG');
      expect(fake.connections).toBe(2);
      expect(lines).toEqual([]);
    } finally {
      await client.close();
      await fake.stop();
    }
  });

  it('while Redis is gone, commands fail at once; it is found again with backoff, and the outage logged once', async () => {
    const fake = new FakeRedis();
    await fake.start();
    const lines: string[] = [];
    const logger = { info: (_: object, m: string) => void lines.push(m), warn: (_: object, m: string) => void lines.push(m) };
    const client = new RedisClient({ url: `redis://127.0.0.1:${fake.port}`, minBackoffMs: 20, maxBackoffMs: 50, logger });
    try {
      expect(await client.command(['PING'])).toBe('PONG');
      await fake.stop();
      // the immediate reconnection is refused: then every command fails at once until Redis is back
      await eventually(async () => expect(await client.command(['PING']).catch((e: unknown) => String(e))).toMatch(/Redis is unreachable/));
      const started = Date.now();
      await expect(client.command(['PING'])).rejects.toThrow(/Redis is unreachable/);
      expect(Date.now() - started).toBeLessThan(50);
      // several attempts fail while it is down; one line says so
      await new Promise((resolve) => setTimeout(resolve, 200));
      await fake.start(fake.port);
      await eventually(async () => expect(await client.command(['PING'])).toBe('PONG'));
      expect(lines).toEqual(['lost the connection to Redis', 'connected to Redis again']);
    } finally {
      await client.close();
      await fake.stop();
    }
  });

  it('close() rejects what is in flight and stops reconnecting', async () => {
    const fake = new FakeRedis();
    await fake.start();
    fake.answer = () => undefined;
    const client = new RedisClient({ url: `redis://127.0.0.1:${fake.port}`, commandTimeoutMs: 5000 });
    try {
      const pending = expect(client.command(['PING'])).rejects.toThrow(/closed/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await client.close();
      await pending;
      await expect(client.command(['PING'])).rejects.toThrow(/closed/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.connections).toBe(1);
    } finally {
      await fake.stop();
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
