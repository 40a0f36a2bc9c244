import { scrypt, timingSafeEqual } from 'node:crypto';
import { parseStoredHash, SCRYPT_PARAMS, sha256, type StoredHash } from './hash.js';
import type { ApiKey } from './options.js';

/** A key made ready for checking: its hash parsed, its expiry a number, its session as text. */
export interface CompiledApiKey {
  readonly key: ApiKey;
  /** the fields it was compiled from */
  readonly source: Pick<ApiKey, 'hash' | 'expiresAt' | 'session'>;
  /** undefined when `key.hash` does not parse: such a key never matches */
  readonly hash: StoredHash | undefined;
  readonly expiresAtMs: number | undefined;
  readonly session: Readonly<Record<string, string>>;
}

/** What a presented key is. `reason` is for logs, never for the response. */
export type ApiKeyVerdict =
  | { readonly kind: 'valid'; readonly key: CompiledApiKey }
  | { readonly kind: 'invalid'; readonly reason: 'unknown' | 'revoked' | 'expired' };

const compiled = new WeakMap<ApiKey, CompiledApiKey>();

/**
 * The keys of `keys`, each compiled once: a provider that returns the same keys on every
 * request pays for parsing once. A key whose hash, expiry or session was replaced (a reload,
 * even one that edits a list in place) is compiled again; `revoked` is always read live.
 */
export function compileApiKeys(keys: readonly ApiKey[]): readonly CompiledApiKey[] {
  return keys.map((key) => {
    let entry = compiled.get(key);
    if (entry === undefined || entry.source.hash !== key.hash || entry.source.expiresAt !== key.expiresAt || entry.source.session !== key.session) {
      entry = compileApiKey(key);
      compiled.set(key, entry);
    }
    return entry;
  });
}

function compileApiKey(key: ApiKey): CompiledApiKey {
  const expires = key.expiresAt === undefined ? undefined : new Date(key.expiresAt).getTime();
  return {
    key,
    source: { hash: key.hash, expiresAt: key.expiresAt, session: key.session },
    hash: parseStoredHash(key.hash),
    // an expiry that does not parse has passed: refuse rather than accept forever
    expiresAtMs: expires === undefined ? undefined : Number.isNaN(expires) ? -Infinity : expires,
    session: Object.fromEntries(Object.entries(key.session ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)])),
  };
}

/**
 * Remembers which scrypt hash a presented key matched, by the key's SHA-256, so that a valid
 * scrypt key costs one scrypt per process, not one per request. Only matches are kept, and a
 * hit still requires the same hash text in the current list: a reload that drops or replaces
 * the key ends it.
 */
export class ScryptMatchCache {
  readonly #matches = new Map<string, string>();
  readonly #size: number;

  constructor(size = 1000) {
    this.#size = size;
  }

  get(digest: string): string | undefined {
    return this.#matches.get(digest);
  }

  set(digest: string, hashText: string): void {
    if (this.#matches.size >= this.#size) {
      const oldest = this.#matches.keys().next().value;
      if (oldest !== undefined) this.#matches.delete(oldest);
    }
    this.#matches.set(digest, hashText);
  }
}

/**
 * Which key `presented` is, checked against `keys` in constant time: its SHA-256 is compared
 * with every sha256 key (`timingSafeEqual`, no early exit), so neither the time nor the answer
 * tells which stored digest came close. scrypt keys are tried only when no sha256 key matches.
 * A revoked or expired key is found like any other, then refused.
 */
export async function matchApiKey(
  presented: string,
  keys: readonly CompiledApiKey[],
  nowMs: number,
  cache?: ScryptMatchCache,
): Promise<ApiKeyVerdict> {
  const digest = sha256(presented);
  let found: CompiledApiKey | undefined;
  for (const candidate of keys) {
    if (candidate.hash?.kind === 'sha256' && timingSafeEqual(digest, candidate.hash.digest) && found === undefined) found = candidate;
  }
  found ??= await matchScrypt(presented, digest.toString('hex'), keys, cache);
  if (found === undefined) return { kind: 'invalid', reason: 'unknown' };
  if (found.key.revoked === true) return { kind: 'invalid', reason: 'revoked' };
  if (found.expiresAtMs !== undefined && nowMs >= found.expiresAtMs) return { kind: 'invalid', reason: 'expired' };
  return { kind: 'valid', key: found };
}

async function matchScrypt(presented: string, digest: string, keys: readonly CompiledApiKey[], cache: ScryptMatchCache | undefined): Promise<CompiledApiKey | undefined> {
  const remembered = cache?.get(digest);
  if (remembered !== undefined) {
    const hit = keys.find((k) => k.hash?.kind === 'scrypt' && k.key.hash === remembered);
    if (hit !== undefined) return hit;
  }
  for (const candidate of keys) {
    if (candidate.hash?.kind !== 'scrypt') continue;
    const derived = await scryptAsync(presented, candidate.hash.salt, candidate.hash.digest.length);
    if (timingSafeEqual(derived, candidate.hash.digest)) {
      cache?.set(digest, candidate.key.hash);
      return candidate;
    }
  }
  return undefined;
}

/** scrypt off the event loop (libuv's thread pool) */
function scryptAsync(key: string, salt: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(key, salt, length, SCRYPT_PARAMS, (error, derived) => (error === null ? resolve(derived) : reject(error)));
  });
}

/** `matchApiKey` over a plain list (compiled on the way). */
export function verifyApiKey(presented: string, keys: readonly ApiKey[], now: Date | number = Date.now()): Promise<ApiKeyVerdict> {
  return matchApiKey(presented, compileApiKeys(keys), typeof now === 'number' ? now : now.getTime());
}
