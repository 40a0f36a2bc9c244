import type { AuditEntry } from './entry.js';
import type { AuditLogger, AuditSink } from './sink.js';

/** Runs one statement (a pool's `query`, outside any request's transaction); values are parameters. */
export type AuditQuery = (text: string, values: readonly unknown[]) => Promise<unknown>;

export interface TableSinkOptions {
  /** `schema.table` or `table` */
  readonly table: string;
  readonly batchMs: number;
  readonly batchSize: number;
  readonly maxQueue: number;
}

/** `insert into "schema"."table" (entry) values ($1::jsonb), …` for `count` entries. */
export function insertStatement(table: string, count: number): string {
  const name = table
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
  const rows = Array.from({ length: count }, (_, i) => `($${i + 1}::jsonb)`).join(', ');
  return `insert into ${name} (entry) values ${rows}`;
}

/**
 * Inserts entries into a table, in batches: every `batchMs`, or as soon as `batchSize` are
 * waiting, one INSERT of up to `batchSize` rows, one statement at a time. A request only
 * queues its entry, so the database being slow or down never holds a response. While inserts
 * fail, entries stay queued (up to `maxQueue`, the oldest dropped past it) and are retried
 * every `batchMs`; the failure is logged when it starts and when it ends, not for every batch.
 */
export class TableSink implements AuditSink {
  readonly #query: AuditQuery;
  readonly #options: TableSinkOptions;
  readonly #logger: AuditLogger | undefined;
  /** JSON text of each waiting entry, oldest first */
  #queue: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #failing = false;
  #dropped = 0;
  #closed = false;

  constructor(query: AuditQuery, options: TableSinkOptions, logger?: AuditLogger) {
    this.#query = query;
    this.#options = options;
    this.#logger = logger;
  }

  /** Entries waiting to be inserted. */
  get pending(): number {
    return this.#queue.length;
  }

  write(entry: AuditEntry): void {
    if (this.#closed) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(JSON.stringify(entry));
    this.#trim();
    if (this.#queue.length >= this.#options.batchSize && !this.#failing) this.#kick();
    else this.#arm();
  }

  /** Inserts everything waiting now; stops at the first failure (the entries stay queued). */
  async flush(): Promise<void> {
    if (this.#inFlight !== undefined) await this.#inFlight;
    while (this.#queue.length > 0) {
      this.#kick();
      await this.#inFlight;
      if (this.#failing) break;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lost = this.#queue.length + this.#dropped;
    if (lost > 0) this.#logger?.error({ table: this.#options.table, lost }, 'audit entries could not be written to the table');
    this.#queue = [];
  }

  /** Starts inserting unless an insert is already under way. */
  #kick(): void {
    if (this.#inFlight !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight = this.#drain().finally(() => {
      this.#inFlight = undefined;
      this.#arm();
    });
  }

  /** Inserts batches while full ones are waiting (a half batch waits for the timer). */
  async #drain(): Promise<void> {
    do {
      const batch = this.#queue.splice(0, this.#options.batchSize);
      if (batch.length === 0) return;
      if (!(await this.#insert(batch))) return;
    } while (this.#queue.length >= this.#options.batchSize);
  }

  async #insert(batch: string[]): Promise<boolean> {
    try {
      await this.#query(insertStatement(this.#options.table, batch.length), batch);
      if (this.#failing) {
        this.#failing = false;
        this.#logger?.info({ table: this.#options.table, dropped: this.#dropped }, 'audit entries are written to the table again');
        this.#dropped = 0;
      }
      return true;
    } catch (error: unknown) {
      this.#queue.unshift(...batch);
      this.#trim();
      if (!this.#failing) {
        this.#failing = true;
        this.#logger?.error({ err: error, table: this.#options.table }, 'audit entries cannot be written to the table; they are kept and retried');
      }
      return false;
    }
  }

  /** Drops the oldest entries past `maxQueue`. */
  #trim(): void {
    const excess = this.#queue.length - this.#options.maxQueue;
    if (excess > 0) {
      this.#queue.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /** Makes sure a timer will insert what is waiting. */
  #arm(): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined || this.#closed || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.#options.batchMs);
    // pending audit entries alone do not keep the process alive: close() flushes them on shutdown
    this.#timer.unref();
  }
}
