/** An answer as kept: its JSON text and when it stops being served. */
export interface StoredAnswer {
  readonly text: string;
  /** ms since the epoch */
  readonly expiresAt: number;
}

/** Where answers are kept: this process's memory, or a Redis every instance shares. */
export interface CacheStore {
  get(key: string, now: number): Promise<StoredAnswer | undefined>;
  set(key: string, answer: StoredAnswer): Promise<void>;
  close(): Promise<void>;
}
