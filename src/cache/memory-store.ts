import type { CacheStore, StoredAnswer } from './store.js';

interface Entry {
  readonly text: string;
  /** ms since the epoch */
  readonly expiresAt: number;
}

/**
 * Answers in this process, bounded by count and bytes: a Map keeps insertion order, and
 * re-inserting on a hit makes its first key the least recently used.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: { readonly maxEntries: number; readonly maxBytes: number }) {
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes;
  }

  get(key: string, now: number): Promise<StoredAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(undefined);
    this.#remove(key, entry);
    if (entry.expiresAt <= now) return Promise.resolve(undefined);
    this.#add(key, entry);
    return Promise.resolve({ text: entry.text, expiresAt: entry.expiresAt });
  }

  set(key: string, answer: StoredAnswer): Promise<void> {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(key, old);
    this.#add(key, answer);
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.entries().next();
      if (oldest.done === true) break;
      this.#remove(oldest.value[0], oldest.value[1]);
    }
    return Promise.resolve();
  }

  /** how many answers are held (tests, metrics) */
  get size(): number {
    return this.#entries.size;
  }

  close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
    return Promise.resolve();
  }

  #add(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#bytes += entry.text.length * 2 + key.length * 2;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.text.length * 2 + key.length * 2;
  }
}
