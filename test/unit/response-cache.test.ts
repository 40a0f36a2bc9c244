import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { cacheOptions, createResponseCache, MemoryCacheStore } from '../../src/cache/index.js';

/** The response cache's store and bounds (src/cache), on a clock the test moves. */

const silent = pino({ level: 'silent' });

describe('the in-memory store', () => {
  it('drops the least recently used answer past maxEntries', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2, maxBytes: 1_000_000 });
    await store.set('a', { text: 'A', expiresAt: 1000 });
    await store.set('b', { text: 'B', expiresAt: 1000 });
    // a is used: b is now the least recently used
    expect((await store.get('a', 0))?.text).toBe('A');
    await store.set('c', { text: 'C', expiresAt: 1000 });
    expect(store.size).toBe(2);
    expect(await store.get('b', 0)).toBeUndefined();
    expect((await store.get('a', 0))?.text).toBe('A');
    expect((await store.get('c', 0))?.text).toBe('C');
  });

  it('stays under maxBytes, and forgets expired answers', async () => {
    const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 100 });
    await store.set('k1', { text: 'x'.repeat(30), expiresAt: 1000 });
    await store.set('k2', { text: 'y'.repeat(30), expiresAt: 1000 });
    // 2 bytes a character: the second pushes the first out
    expect(store.size).toBe(1);
    expect(await store.get('k1', 0)).toBeUndefined();
    expect(await store.get('k2', 999)).toBeDefined();
    expect(await store.get('k2', 1000)).toBeUndefined();
    expect(store.size).toBe(0);
  });
});

describe('createResponseCache', () => {
  it('cuts ttl to maxTtl, counts max-age down, and keeps nothing for ttl 0 or an answer too large', async () => {
    let now = 1_000_000;
    const cache = createResponseCache({ options: cacheOptions.parse({ maxTtl: 100, maxEntryBytes: 10 }), logger: silent, now: () => now });
    expect(await cache.set('q', '{"data":1}', 3600)).toBe(100);
    expect(await cache.get('q')).toEqual({ text: '{"data":1}', maxAge: 100 });
    now += 40_500;
    expect((await cache.get('q'))?.maxAge).toBe(60);
    now += 59_500;
    expect(await cache.get('q')).toBeUndefined();
    expect(await cache.set('zero', '{}', 0)).toBe(0);
    expect(await cache.get('zero')).toBeUndefined();
    expect(await cache.set('big', '{"data":12345}', 60)).toBe(0);
    expect(await cache.get('big')).toBeUndefined();
    await cache.close();
  });

  it('refuses a cache.redis url that is not redis://', () => {
    const result = cacheOptions.safeParse({ redis: { url: 'http://redis:6379' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/expected a redis:\/\/ URL/);
  });
});
