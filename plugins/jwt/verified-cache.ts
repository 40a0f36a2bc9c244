/**
 * Tokens already verified, so that a client sending the same token on every request pays for
 * one signature check, not one per request (PostgREST's experience: without a cache, JWT
 * validation dominates a cheap request; its `jwt-cache-max-entries`). The key is the whole
 * token, signature included, so only the very token that passed can hit. An entry lasts until
 * the token expires (`exp` plus the clock skew jose allows) and never longer than `maxAgeMs`;
 * least recently used entries go first when the cache is full. With a key set, an entry holds
 * only for the set it was verified against: once the set is fetched again (a key may have been
 * withdrawn), its tokens are verified again.
 */
export interface VerifiedTokenCache {
  get(token: string, nowMs: number, keys: unknown): Readonly<Record<string, unknown>> | undefined;
  set(token: string, claims: Readonly<Record<string, unknown>>, nowMs: number, keys: unknown): void;
}

export interface VerifiedCacheOptions {
  /** 0: no cache */
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly clockSkewSeconds: number;
}

interface Entry {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly until: number;
  /** the key (set) generation it was verified with */
  readonly keys: unknown;
}

export function createVerifiedTokenCache(options: VerifiedCacheOptions): VerifiedTokenCache {
  // a Map keeps insertion order: re-inserting on a hit makes its first key the least recently used
  const entries = new Map<string, Entry>();
  return {
    get(token, nowMs, keys) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      entries.delete(token);
      if (nowMs >= entry.until || entry.keys !== keys) return undefined;
      entries.set(token, entry);
      return entry.claims;
    },
    set(token, claims, nowMs, keys) {
      if (options.maxEntries <= 0) return;
      const exp = claims['exp'];
      const expiresMs = typeof exp === 'number' ? (exp + options.clockSkewSeconds) * 1000 : Number.POSITIVE_INFINITY;
      const until = Math.min(expiresMs, nowMs + options.maxAgeMs);
      if (until <= nowMs) return;
      entries.delete(token);
      entries.set(token, { claims, until, keys });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
  };
}
