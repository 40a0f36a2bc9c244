/**
 * The response cache of `@cached` GraphQL queries (Hasura's query response caching): in
 * memory by default, in Redis when configured, so that instances share it.
 */
export { cacheOptions } from './options.js';
export type { CacheOptions, CacheOptionsInput } from './options.js';
export { createResponseCache } from './response-cache.js';
export type { CachedAnswer, ResponseCache, ResponseCacheSetup } from './response-cache.js';
export { MemoryCacheStore } from './memory-store.js';
export { RedisCacheStore } from './redis-store.js';
export type { CacheStore, StoredAnswer } from './store.js';
