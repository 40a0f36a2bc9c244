import { msUntil, takeAll, tokensAt, type BucketSpec, type BucketState, type BucketStore, type Decision } from './token-bucket.js';

export interface MemoryStoreOptions {
  /** the most buckets kept; past it the least recently used one is dropped (default 10 000) */
  readonly maxBuckets?: number;
  /** how often, at most, buckets that are full again are swept out (default 60 000 ms) */
  readonly sweepIntervalMs?: number;
  /** the clock, in ms (tests pass a fake one) */
  readonly now?: () => number;
}

interface Entry extends BucketState {
  /** when the bucket is full again: from then on it is the same as no bucket */
  readonly fullAt: number;
}

/**
 * Buckets in this process's memory: one server's budget. Bounded two ways: buckets that have
 * refilled completely are swept out (forgetting them changes nothing), and past `maxBuckets`
 * the least recently used bucket is dropped — that one loses its state, the price of a memory
 * bound when a flood of distinct addresses arrives. A Map keeps insertion order, so moving a
 * bucket to the end on each use makes its first entry the least recently used.
 */
export class MemoryBucketStore implements BucketStore {
  readonly #buckets = new Map<string, Entry>();
  readonly #maxBuckets: number;
  readonly #sweepIntervalMs: number;
  readonly #now: () => number;
  #lastSweep: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxBuckets = options.maxBuckets ?? 10_000;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#lastSweep = this.#now();
  }

  /** How many buckets are held. */
  get size(): number {
    return this.#buckets.size;
  }

  take(specs: readonly BucketSpec[]): Promise<Decision> {
    return Promise.resolve(this.takeNow(specs));
  }

  /** `take`, synchronously. */
  takeNow(specs: readonly BucketSpec[]): Decision {
    const now = this.#now();
    if (now - this.#lastSweep >= this.#sweepIntervalMs) this.sweep();
    const tokens = specs.map((spec) => tokensAt(this.#buckets.get(spec.key), spec, now));
    const result = takeAll(specs, tokens);
    if (result.decision.allowed) {
      specs.forEach((spec, i) => {
        const left = result.tokens[i] ?? spec.capacity;
        this.#buckets.delete(spec.key);
        this.#buckets.set(spec.key, { tokens: left, updatedAt: now, fullAt: now + msUntil(left, spec.capacity, spec) });
      });
      this.#evictOverflow();
    }
    // refused: nothing was taken, and the stored states still say the same thing
    return result.decision;
  }

  /** Drops every bucket that has refilled completely. */
  sweep(): void {
    const now = this.#now();
    this.#lastSweep = now;
    for (const [key, entry] of this.#buckets) if (entry.fullAt <= now) this.#buckets.delete(key);
  }

  close(): Promise<void> {
    this.#buckets.clear();
    return Promise.resolve();
  }

  #evictOverflow(): void {
    while (this.#buckets.size > this.#maxBuckets) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done === true) return;
      this.#buckets.delete(oldest.value);
    }
  }
}
