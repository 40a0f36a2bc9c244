import { describe, expect, it } from 'vitest';
import type { Identity, RequestInfo } from '../../src/chain/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import { isPgduetError, type PgduetError } from '../../src/errors/index.js';
import {
  MemoryBucketStore,
  bucketsFor,
  parseRedisUrl,
  rateLimitOptions,
  takeAll,
  useRateLimit,
  type BucketStore,
  type RateLimitLogger,
  type RateLimitOptionsInput,
} from '../../plugins/rate-limit/index.js';

/** The rate-limit plugin alone, over hand-built requests, with a fake clock. */

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;

function request(ip = '203.0.113.7', headers: RequestInfo['headers'] = {}): RequestInfo {
  return { id: 'r', protocol: 'rest', graph, headers, method: 'GET', path: '/rest/film', ip };
}

function identity(role: string, keyId?: string): Identity {
  return { role, session: {}, authenticated: role !== 'anonymous', ...(keyId === undefined ? {} : { keyId }) };
}

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Runs the plugin's onRequest; the refusal if it threw one. */
async function check(plugin: ReturnType<typeof useRateLimit>, req: RequestInfo, who: Identity): Promise<PgduetError | undefined> {
  try {
    await plugin.onRequest?.({ request: req, identity: who, setIdentity: () => undefined });
    return undefined;
  } catch (error: unknown) {
    if (isPgduetError(error)) return error;
    throw error;
  }
}

function limiter(options: RateLimitOptionsInput, clock = fakeClock()): { plugin: ReturnType<typeof useRateLimit>; clock: ReturnType<typeof fakeClock> } {
  return { plugin: useRateLimit(options, { now: clock.now }), clock };
}

describe('token buckets (takeAll)', () => {
  const spec = { key: 'k', capacity: 2, refillPerSecond: 1 };

  it('takes a token from every bucket, or none when one is empty', () => {
    const other = { key: 'o', capacity: 5, refillPerSecond: 1 };
    const ok = takeAll([spec, other], [2, 5]);
    expect(ok.decision).toEqual({ allowed: true, retryAfterMs: 0, remaining: 1, limit: 2, resetMs: 1000 });
    expect(ok.tokens).toEqual([1, 4]);
    const refused = takeAll([spec, other], [0.25, 5]);
    expect(refused.decision).toEqual({ allowed: false, retryAfterMs: 750, remaining: 0, limit: 2, resetMs: 750 });
    expect(refused.tokens).toEqual([0.25, 5]);
  });
});

describe('MemoryBucketStore', () => {
  it('lets a burst of `capacity` through, then one request per refill interval', async () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ now: clock.now });
    const spec = { key: 'k', capacity: 3, refillPerSecond: 0.5 };
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await store.take([spec])).allowed);
    expect(results).toEqual([true, true, true, false]);
    expect((await store.take([spec])).retryAfterMs).toBe(2000);
    clock.advance(1999);
    expect((await store.take([spec])).allowed).toBe(false);
    clock.advance(1);
    expect((await store.take([spec])).allowed).toBe(true);
    expect((await store.take([spec])).allowed).toBe(false);
    // a long pause refills up to the capacity, not beyond
    clock.advance(60_000);
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push((await store.take([spec])).allowed);
    expect(burst).toEqual([true, true, true, false]);
  });

  it('a clock that goes back refills nothing', async () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ now: clock.now });
    const spec = { key: 'k', capacity: 1, refillPerSecond: 1 };
    expect(store.takeNow([spec]).allowed).toBe(true);
    clock.advance(-5000);
    expect(store.takeNow([spec]).allowed).toBe(false);
  });

  it('sweeps out buckets that have refilled completely, and only those', () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ now: clock.now, sweepIntervalMs: 10_000 });
    const fast = { key: 'fast', capacity: 1, refillPerSecond: 1 };
    const slow = { key: 'slow', capacity: 1, refillPerSecond: 0.01 };
    store.takeNow([fast]);
    store.takeNow([slow]);
    expect(store.size).toBe(2);
    clock.advance(9_000);
    store.takeNow([{ key: 'x', capacity: 5, refillPerSecond: 5 }]);
    expect(store.size).toBe(3); // no sweep before the interval, though fast is full already
    clock.advance(1_000);
    store.takeNow([{ key: 'y', capacity: 5, refillPerSecond: 5 }]);
    // fast and x refilled (gone); slow needs 100 s; y was just taken
    expect(store.size).toBe(2);
    expect(store.takeNow([slow]).allowed).toBe(false);
  });

  it('past maxBuckets drops the least recently used bucket', () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ now: clock.now, maxBuckets: 2 });
    const spec = (key: string): { key: string; capacity: number; refillPerSecond: number } => ({ key, capacity: 1, refillPerSecond: 0.001 });
    store.takeNow([spec('a')]);
    store.takeNow([spec('b')]);
    // a refused request writes nothing, so a stays the least recently used
    expect(store.takeNow([spec('a')]).allowed).toBe(false);
    store.takeNow([spec('c')]);
    expect(store.size).toBe(2);
    // a was dropped for c: it starts full again (and its return drops b)
    expect(store.takeNow([spec('a')]).allowed).toBe(true);
    expect(store.size).toBe(2);
    expect(store.takeNow([spec('c')]).allowed).toBe(false);
    expect(store.takeNow([spec('b')]).allowed).toBe(true);
  });
});

describe('bucketsFor', () => {
  const rules = [
    { by: 'role' as const, limit: 100, per: 60 },
    { by: 'role' as const, limit: 1000, per: 60, roles: ['admin'] },
    { by: 'key' as const, limit: 10, per: 1 },
    { by: 'ip' as const, limit: 5, per: 1, burst: 20 },
    { by: 'ip' as const, limit: 1000, per: 3600 },
  ];

  it('picks the rules for each dimension; a rule naming the role overrides the general one', () => {
    const user = bucketsFor(rules, { role: 'user', keyId: 'k1', ip: '::1' });
    expect(user.map((b) => [b.capacity, b.refillPerSecond])).toEqual([[100, 100 / 60], [10, 10], [20, 5], [1000, 1000 / 3600]]);
    const admin = bucketsFor(rules, { role: 'admin' });
    expect(admin.map((b) => b.capacity)).toEqual([1000]);
  });

  it('keys buckets by rule and subject, and escapes the subject', () => {
    const [a] = bucketsFor([rules[4]!], { role: 'x', ip: '2001:db8::1' });
    const [b] = bucketsFor([rules[4]!], { role: 'y', ip: '2001:db8::1' });
    expect(a?.key).toBe(b?.key);
    expect(a?.key.endsWith(':2001%3Adb8%3A%3A1')).toBe(true);
    const [c] = bucketsFor([rules[0]!], { role: 'x' });
    const [d] = bucketsFor([{ ...rules[0]!, limit: 101 }], { role: 'x' });
    expect(c?.key).not.toBe(d?.key);
  });
});

describe('useRateLimit', () => {
  it('refuses with PGD401, a whole-second Retry-After and RateLimit headers', async () => {
    const { plugin, clock } = limiter({ rules: [{ by: 'role', limit: 2, per: 3 }] });
    expect(await check(plugin, request(), identity('user'))).toBeUndefined();
    expect(await check(plugin, request(), identity('user'))).toBeUndefined();
    const refused = await check(plugin, request(), identity('user'));
    expect(refused?.code).toBe('PGD401');
    expect(refused?.status).toBe(429);
    expect(refused?.message).toBe('Rate limit exceeded');
    // 1.5 s until a token: rounded up
    expect(refused?.headers).toEqual({ 'Retry-After': '2', 'RateLimit-Limit': '2', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '2' });
    clock.advance(1400);
    expect((await check(plugin, request(), identity('user')))?.headers?.['Retry-After']).toBe('1');
    clock.advance(100);
    expect(await check(plugin, request(), identity('user'))).toBeUndefined();
  });

  it('Retry-After is at least 1, and headers: false leaves only Retry-After', async () => {
    const { plugin } = limiter({ rules: [{ by: 'role', limit: 100, per: 1, burst: 1 }], headers: false });
    await check(plugin, request(), identity('user'));
    expect((await check(plugin, request(), identity('user')))?.headers).toEqual({ 'Retry-After': '1' });
  });

  it('counts roles, keys and addresses separately', async () => {
    const { plugin } = limiter({
      rules: [
        { by: 'role', limit: 3, per: 60 },
        { by: 'key', limit: 1, per: 60 },
        { by: 'ip', limit: 2, per: 60 },
      ],
    });
    // key k1 spent by its first request; k2 is its own budget
    expect(await check(plugin, request('10.0.0.1'), identity('user', 'k1'))).toBeUndefined();
    expect((await check(plugin, request('10.0.0.2'), identity('user', 'k1')))?.code).toBe('PGD401');
    expect(await check(plugin, request('10.0.0.2'), identity('user', 'k2'))).toBeUndefined();
    // 10.0.0.1 has one request left; the role 'user' has one left (the refused request took nothing)
    expect(await check(plugin, request('10.0.0.1'), identity('user'))).toBeUndefined();
    expect((await check(plugin, request('10.0.0.3'), identity('user')))?.code).toBe('PGD401');
    // another role, same address budget: 10.0.0.1 is spent
    expect((await check(plugin, request('10.0.0.1'), identity('guest')))?.code).toBe('PGD401');
    expect(await check(plugin, request('10.0.0.4'), identity('guest'))).toBeUndefined();
  });

  it('per-role overrides, and unlimited roles', async () => {
    const { plugin } = limiter({
      rules: [
        { by: 'ip', limit: 1, per: 60 },
        { by: 'ip', limit: 3, per: 60, roles: ['staff'] },
      ],
      unlimited: ['service'],
    });
    expect(await check(plugin, request(), identity('anonymous'))).toBeUndefined();
    expect((await check(plugin, request(), identity('anonymous')))?.code).toBe('PGD401');
    for (let i = 0; i < 3; i++) expect(await check(plugin, request(), identity('staff'))).toBeUndefined();
    expect((await check(plugin, request(), identity('staff')))?.code).toBe('PGD401');
    for (let i = 0; i < 50; i++) expect(await check(plugin, request(), identity('service'))).toBeUndefined();
  });

  it('behind trusted proxies, counts the forwarded client address', async () => {
    const { plugin } = limiter({ rules: [{ by: 'ip', limit: 1, per: 60 }], trustProxy: 1 });
    const via = (client: string): RequestInfo => request('10.0.0.254', { 'x-forwarded-for': `198.51.100.1, ${client}` });
    expect(await check(plugin, via('192.0.2.1'), identity('anonymous'))).toBeUndefined();
    expect(await check(plugin, via('192.0.2.2'), identity('anonymous'))).toBeUndefined();
    expect((await check(plugin, via('192.0.2.1'), identity('anonymous')))?.code).toBe('PGD401');
  });

  it('without rules that apply, does nothing', async () => {
    const { plugin } = limiter({ rules: [{ by: 'key', limit: 1, per: 60 }] });
    for (let i = 0; i < 5; i++) expect(await check(plugin, request(), identity('anonymous'))).toBeUndefined();
  });

  it('a store that fails: allow (default) lets requests through and logs once per outage; deny refuses', async () => {
    let broken = true;
    const store: BucketStore = {
      take: () => (broken ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve({ allowed: true, retryAfterMs: 0, remaining: 1, limit: 2, resetMs: 0 })),
      close: () => Promise.resolve(),
    };
    const lines: string[] = [];
    const logger: RateLimitLogger = { info: (_, m) => void lines.push(`info ${m}`), warn: (_, m) => void lines.push(`warn ${m}`), error: (_, m) => void lines.push(`error ${m}`) };
    const rules: RateLimitOptionsInput['rules'] = [{ by: 'role', limit: 1, per: 1 }];
    const open = useRateLimit({ rules }, { store, logger });
    expect(await check(open, request(), identity('user'))).toBeUndefined();
    expect(await check(open, request(), identity('user'))).toBeUndefined();
    broken = false;
    expect(await check(open, request(), identity('user'))).toBeUndefined();
    expect(lines).toEqual(['error rate limits cannot be checked; requests are let through until they can', 'info rate limits are checked again']);

    broken = true;
    const closed = useRateLimit({ rules, onRedisError: 'deny' }, { store });
    const refused = await check(closed, request(), identity('user'));
    expect(refused?.code).toBe('PGD401');
    expect(refused?.message).toBe('Rate limit cannot be checked');
    expect(refused?.headers).toEqual({ 'Retry-After': '1' });
  });

  it('refuses bad options with a ConfigError naming the key', () => {
    expect(() => useRateLimit({ rules: [{ by: 'role', limit: 0, per: 1 }] })).toThrow(/rate-limit: rules\.0\.limit: /);
    expect(() => useRateLimit({ rules: [{ by: 'user' as 'role', limit: 1, per: 1 }] })).toThrow(/rules\.0\.by/);
    expect(() => useRateLimit({ redis: { url: 'http://x' } })).toThrow(/redis\.url: expected a redis:\/\/ URL/);
    expect(() => useRateLimit({ limits: 1 } as RateLimitOptionsInput)).toThrow(/Unrecognized key/);
  });

  it('the options have their defaults, and parsed options parse to themselves', () => {
    const parsed = rateLimitOptions.parse({});
    expect(parsed).toEqual({ rules: [], unlimited: [], trustProxy: 0, memory: { maxBuckets: 10_000, sweepIntervalMs: 60_000 }, onRedisError: 'allow', headers: true });
    const withRedis = rateLimitOptions.parse({ redis: { url: 'redis://127.0.0.1:6379' } });
    expect(withRedis.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'pgduet:rl:', connectTimeoutMs: 1000, commandTimeoutMs: 500, maxBackoffMs: 5000 });
    expect(rateLimitOptions.parse(withRedis)).toEqual(withRedis);
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, credentials and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 6379 });
    expect(parseRedisUrl('redis://:s%40cret@cache:6380/2')).toEqual({ host: 'cache', port: 6380, password: 's@cret', db: 2 });
    expect(parseRedisUrl('redis://app:pw@[::1]:7000')).toEqual({ host: '::1', port: 7000, username: 'app', password: 'pw' });
    expect(() => parseRedisUrl('rediss://cache')).toThrow(/TLS/);
    expect(() => parseRedisUrl('redis://cache/x')).toThrow(/database number/);
    expect(() => parseRedisUrl('cache:6379')).toThrow(/redis:\/\//);
  });
});
