import { databaseTrouble } from '../errors/index.js';
import { checkout } from './availability.js';
import { withCancel, type CancelSignal } from './cancel.js';
import type { StatementRunner } from './execute.js';
import type { Pool } from './pool.js';

/**
 * What a statement does to the database: `read` may run on a read replica, `write` (a write, a
 * volatile function, anything that must see its own writes) runs on the primary. The pipeline
 * says which, from the Plan (plan/access.ts); this folder decides where that goes.
 */
export type Access = 'read' | 'write';

/** A pool and the name its metrics carry (`primary`, `replica0`, `replica1`, …). */
export interface NamedPool {
  readonly name: string;
  readonly pool: Pool;
  /** false while a replica is left out (it could not be reached) */
  readonly healthy: boolean;
}

/** Who reads, for read-your-writes: a key per caller, and whether this request asked for the primary. */
export interface ReadSession {
  /** the caller (JWT subject, API key, or role and session variables); undefined: no window applies */
  readonly key: string | undefined;
  /** the request asked to read from the primary (`x-pgduet-read-primary: true`) */
  readonly primary: boolean;
}

export interface DatabasesOptions {
  /** after a write, the same caller's reads go to the primary for this long (ms); 0: never */
  readonly readYourWritesMs: number;
  /** how long a replica that could not be reached is left out before it is probed again (ms) */
  readonly retryMs?: number;
  /** told when a replica is left out and when it is back */
  readonly log?: { warn(fields: Record<string, unknown>, message: string): void };
  /** told of each statement sent to a pool outside a transaction (metrics) */
  readonly onStatement?: (pool: string) => void;
  /**
   * put before each pool's name (`archive.primary`, `archive.replica0`): the pools of another
   * source (config `sources`) beside the first's in the metrics and the log
   */
  readonly label?: string;
}

/** Callers with a write in their window: at most this many are remembered (the oldest go first). */
const MAX_WINDOWS = 100_000;

/**
 * The primary and its read replicas. Reads go to the healthy replicas in turn (round robin),
 * to the primary when there is none, when the request asks for it, or when the same caller
 * wrote within `readYourWritesMs`. A replica that cannot be reached is left out: the read that
 * found it down runs again elsewhere at once, and the replica is probed (`select 1`) every
 * `retryMs` until it answers again. The window of each caller is kept in this instance's
 * memory: another instance behind the same load balancer does not know of the write.
 */
export class Databases {
  readonly #primary: NamedPool;
  readonly #replicas: readonly Replica[];
  readonly #options: DatabasesOptions;
  /** caller → until when their reads go to the primary (a Map keeps insertion order: the oldest first) */
  readonly #wroteUntil = new Map<string, number>();
  #next = 0;
  #closed = false;

  constructor(primary: Pool, replicas: readonly Pool[], options: DatabasesOptions) {
    const prefix = options.label === undefined ? '' : `${options.label}.`;
    this.#primary = { name: `${prefix}primary`, pool: primary, healthy: true };
    this.#replicas = replicas.map((pool, i) => new Replica(`${prefix}replica${i}`, pool, options.retryMs ?? 2000, options.log));
    this.#options = options;
  }

  get primary(): Pool {
    return this.#primary.pool;
  }

  /** every pool, the primary first: what the metrics report on */
  get pools(): readonly NamedPool[] {
    return [this.#primary, ...this.#replicas];
  }

  /** whether any replica is configured */
  get hasReplicas(): boolean {
    return this.#replicas.length > 0;
  }

  /** A write by `key` now: its reads go to the primary for `readYourWritesMs`. */
  wrote(key: string | undefined): void {
    const window = this.#options.readYourWritesMs;
    if (key === undefined || window === 0 || this.#replicas.length === 0) return;
    this.#wroteUntil.delete(key);
    this.#wroteUntil.set(key, Date.now() + window);
    if (this.#wroteUntil.size > MAX_WINDOWS) {
      const oldest = this.#wroteUntil.keys().next();
      if (oldest.done !== true) this.#wroteUntil.delete(oldest.value);
    }
  }

  /**
   * The pool a statement of `access` goes to now: the primary for a write; for a read, the next
   * healthy replica unless `session` must read from the primary.
   */
  pick(access: Access, session: ReadSession = ANY_READER): NamedPool {
    if (access === 'write' || this.#replicas.length === 0 || session.primary || this.#inWindow(session.key)) return this.#primary;
    const count = this.#replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.#replicas[(this.#next + i) % count] as Replica;
      if (replica.healthy) {
        this.#next = (this.#next + i + 1) % count;
        return replica;
      }
    }
    return this.#primary;
  }

  /**
   * Runs `work` on the pool a statement of `access` goes to. A read that finds its replica
   * unreachable (or cancelled by a recovery conflict) runs again on the next pool: reads are
   * safe to repeat. Nothing else is repeated.
   */
  async on<T>(access: Access, session: ReadSession, work: (pool: Pool, name: string) => Promise<T>): Promise<T> {
    for (;;) {
      const chosen = this.pick(access, session);
      if (!(chosen instanceof Replica)) return work(chosen.pool, chosen.name);
      try {
        return await work(chosen.pool, chosen.name);
      } catch (error) {
        if (isRecoveryConflict(error)) return work(this.#primary.pool, this.#primary.name);
        if (this.#closed || databaseTrouble(error) !== 'unavailable') throw error;
        // left out: the loop picks the next healthy replica, or the primary
        chosen.down(error);
      }
    }
  }

  /**
   * Statements of `access` for `session`, each on the pool chosen for it (a read found its
   * replica down runs again elsewhere); they stop when `signal` aborts (cancel.ts).
   */
  runner(access: Access, session: ReadSession = ANY_READER, signal?: CancelSignal): StatementRunner {
    const counted = this.#options.onStatement;
    if (access === 'write' || this.#replicas.length === 0) {
      const primary = withCancel(this.#primary.pool, signal);
      return counted === undefined ? primary : { query: (config) => (counted('primary'), primary.query(config)) };
    }
    return {
      query: (config) =>
        this.on(access, session, (pool, name) => {
          counted?.(name);
          return withCancel(pool, signal).query(config);
        }),
    };
  }

  /** Stops the probes and closes every pool. */
  async end(): Promise<void> {
    this.#closed = true;
    for (const replica of this.#replicas) replica.stop();
    await Promise.all(this.pools.map((p) => p.pool.end().catch(() => undefined)));
  }

  #inWindow(key: string | undefined): boolean {
    if (key === undefined) return false;
    const until = this.#wroteUntil.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#wroteUntil.delete(key);
    return false;
  }
}

/** A read that no caller's window applies to (live-query refetches). */
export const ANY_READER: ReadSession = { key: undefined, primary: false };

/**
 * 40001 from a hot standby: "canceling statement due to conflict with recovery" (the primary
 * removed rows the query still needed). The primary answers it instead.
 */
function isRecoveryConflict(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '40001' && /conflict with recovery/i.test(error.message);
}

/** A replica's pool, and whether it answers. */
class Replica implements NamedPool {
  #healthy = true;
  #probe: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly pool: Pool,
    private readonly retryMs: number,
    private readonly log: DatabasesOptions['log'],
  ) {}

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Left out until a probe gets an answer. */
  down(error: unknown): void {
    if (!this.#healthy) return;
    this.#healthy = false;
    this.log?.warn({ replica: this.name, cause: error instanceof Error ? error.message : String(error) }, 'a read replica cannot be reached; its reads go elsewhere until it answers again');
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#probe);
    this.#probe = undefined;
  }

  #schedule(): void {
    this.#probe = setTimeout(() => void this.#check(), this.retryMs);
    // a probe never keeps the process alive
    this.#probe.unref();
  }

  async #check(): Promise<void> {
    this.#probe = undefined;
    try {
      const client = await checkout(this.pool);
      let broken: Error | undefined;
      try {
        await client.query('select 1');
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(broken ?? false);
      }
    } catch {
      this.#schedule();
      return;
    }
    this.#healthy = true;
    this.log?.warn({ replica: this.name }, 'a read replica answers again; it takes reads again');
  }
}
