import { executeMultiplexed, type StatementRunner } from '../db/index.js';
import type { CompiledQuery } from '../sql/index.js';
import { compileMultiplexed } from '../sql/index.js';

/**
 * Live queries, multiplexed as Hasura multiplexes them.
 *
 * A subscriber brings the statement its authorized Plan compiled to (`LiveSource.query`).
 * Subscribers whose statements have the same text (the same shape: same fields, same
 * permission rules for their role) and the same values share a **cohort**; every cohort of a
 * shape is refetched by **one statement** per interval (per `batchSize` cohorts), which takes
 * the cohorts' values as a set (sql/compile-multiplexed.ts). So the database cost grows with
 * the number of shapes, not of subscribers. A cohort's answer goes out only when its text
 * changed.
 *
 * Beyond the interval: `touch(tables)` (a write through this server, a NOTIFY) refetches at once
 * every shape that reads one of those tables; a new cohort is fetched at once (its first answer).
 *
 * The engine holds no state shared between instances: each serves its own subscribers.
 */
export interface LiveSource {
  /** the compiled statement of an authorized Plan (its one column `result`, the answer's JSON text) */
  readonly query: CompiledQuery;
  /** `schema.table` of every table the Plan reads: a write to one of them refetches at once */
  readonly tables: readonly string[];
  /**
   * who may share a statement: '' for everyone (the pool runs it); in PostgreSQL-native mode
   * the identity, whose transaction (role, claims) `run` sets up
   */
  readonly group: string;
  /** who may share a cohort (Hasura: the role and its session values; the values already say the latter) */
  readonly role: string;
  /** runs the statement: on the pool, or in a transaction the chain sets up (native mode) */
  readonly run: <T>(work: (db: StatementRunner) => Promise<T>) => Promise<T>;
}

/** Told of a cohort's answers (each a JSON text as PostgreSQL wrote it). */
export interface LiveSink {
  next(text: string): void;
  error(error: unknown): void;
  /** the server stops: no more answers */
  end?(): void;
}

/**
 * A stream's cohort: each answer is handed to `advance`, which says what to send (nothing for
 * an empty batch) and the values of the next fetch (the cursor moved past the batch).
 */
export type Advance = (text: string) => { readonly send?: string; readonly values?: readonly unknown[]; readonly more?: boolean };

export interface LiveOptions {
  /** ms between refetches of every shape (Hasura: 1 s) */
  readonly intervalMs: number;
  /** at most this many cohorts in one statement */
  readonly batchSize: number;
  /** a refetch of a shape took this long (seconds, per statement) */
  readonly onRefetch?: (seconds: number) => void;
  /** told of every statement run */
  readonly onStatement?: () => void;
  /** cohorts and shapes changed in number */
  readonly onCount?: (cohorts: number, shapes: number) => void;
  readonly onError?: (error: unknown) => void;
}

interface Cohort {
  readonly id: number;
  readonly key: string;
  values: readonly unknown[];
  readonly sinks: Set<LiveSink>;
  /** the last answer (a new subscriber of this cohort gets it at once) */
  last?: string;
  readonly advance?: Advance;
}

interface Shape {
  readonly key: string;
  readonly text: string;
  readonly multiplexed: string;
  readonly parameterCount: number;
  readonly tables: readonly string[];
  readonly run: LiveSource['run'];
  readonly cohorts: Map<string, Cohort>;
  /** cohorts not fetched yet: fetched on their own, at once */
  readonly fresh: Set<Cohort>;
  running: boolean;
  /** touched or given fresh cohorts while it ran: again once it is done */
  again: boolean;
}

export class LiveEngine {
  readonly #options: LiveOptions;
  readonly #shapes = new Map<string, Shape>();
  #nextCohort = 1;
  #cohortCount = 0;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Immediate | undefined;
  readonly #pending = new Set<Shape>();
  #closed = false;

  constructor(options: LiveOptions) {
    this.#options = options;
  }

  /** Subscribes to the answer of `source`; returns how to unsubscribe. */
  subscribe(source: LiveSource, sink: LiveSink): () => void {
    return this.#join(source, sink, `${source.role}\u0000${JSON.stringify(source.query.values)}`, undefined);
  }

  /**
   * A stream: a cohort of its own (its cursor is its own), in the shape's one statement;
   * `advance` moves its cursor after each answer.
   */
  stream(source: LiveSource, sink: LiveSink, advance: Advance): () => void {
    return this.#join(source, sink, `stream\u0000${this.#nextCohort}`, advance);
  }

  /** Refetches at once every shape that reads one of `tables` (`schema.table`). */
  touch(tables: Iterable<string>): void {
    const touched = new Set(tables);
    if (touched.size === 0) return;
    for (const shape of this.#shapes.values()) {
      if (!shape.tables.some((t) => touched.has(t))) continue;
      this.#touched.add(shape);
      this.#schedule(shape);
    }
  }

  get shapeCount(): number {
    return this.#shapes.size;
  }

  get cohortCount(): number {
    return this.#cohortCount;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#soon !== undefined) clearImmediate(this.#soon);
    for (const shape of this.#shapes.values()) for (const cohort of shape.cohorts.values()) for (const sink of cohort.sinks) sink.end?.();
    this.#shapes.clear();
    this.#cohortCount = 0;
  }

  #join(source: LiveSource, sink: LiveSink, cohortKey: string, advance: Advance | undefined): () => void {
    const shapeKey = `${source.group}\u0000${source.query.text}`;
    let shape = this.#shapes.get(shapeKey);
    if (shape === undefined) {
      shape = {
        key: shapeKey,
        text: source.query.text,
        multiplexed: compileMultiplexed(source.query.text, source.query.values.length),
        parameterCount: source.query.values.length,
        tables: source.tables,
        run: source.run,
        cohorts: new Map(),
        fresh: new Set(),
        running: false,
        again: false,
      };
      this.#shapes.set(shapeKey, shape);
    }
    let cohort = shape.cohorts.get(cohortKey);
    if (cohort === undefined) {
      cohort = { id: this.#nextCohort++, key: cohortKey, values: source.query.values, sinks: new Set(), ...(advance === undefined ? {} : { advance }) };
      shape.cohorts.set(cohortKey, cohort);
      shape.fresh.add(cohort);
      this.#cohortCount++;
      this.#counted();
      this.#schedule(shape);
    } else if (cohort.last !== undefined) {
      sink.next(cohort.last);
    }
    cohort.sinks.add(sink);
    this.#start();
    const joined = cohort;
    const inShape = shape;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.sinks.delete(sink);
      if (joined.sinks.size > 0) return;
      // the last one out frees the cohort's slot (and the shape's, when it was the last)
      if (inShape.cohorts.get(joined.key) === joined) {
        inShape.cohorts.delete(joined.key);
        inShape.fresh.delete(joined);
        this.#cohortCount--;
      }
      if (inShape.cohorts.size === 0 && this.#shapes.get(inShape.key) === inShape) this.#shapes.delete(inShape.key);
      this.#counted();
      if (this.#shapes.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  #counted(): void {
    this.#options.onCount?.(this.#cohortCount, this.#shapes.size);
  }

  #start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => {
      for (const shape of this.#shapes.values()) void this.#refetch(shape, false);
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Refetch `shape` at once (after the current turn, so that a burst of touches and joins is one statement). */
  #schedule(shape: Shape): void {
    this.#pending.add(shape);
    this.#soon ??= setImmediate(() => {
      this.#soon = undefined;
      const shapes = [...this.#pending];
      this.#pending.clear();
      for (const one of shapes) void this.#refetch(one, true);
    });
  }

  /**
   * One statement per batch of cohorts. `now`: asked for out of turn (a touch: every cohort; a
   * join: only the fresh ones, unless it was touched too).
   */
  async #refetch(shape: Shape, now: boolean): Promise<void> {
    if (this.#closed || this.#shapes.get(shape.key) !== shape) return;
    if (shape.running) {
      if (now) shape.again = true;
      return;
    }
    shape.running = true;
    try {
      // out of turn for new cohorts only: those alone (their first answer); touched: all of them
      const onlyFresh = now && !this.#touched.delete(shape);
      const cohorts = onlyFresh ? [...shape.fresh] : [...shape.cohorts.values()];
      shape.fresh.clear();
      const size = Math.max(1, this.#options.batchSize);
      for (let i = 0; i < cohorts.length; i += size) await this.#fetchBatch(shape, cohorts.slice(i, i + size));
    } finally {
      shape.running = false;
    }
    if (shape.again) {
      shape.again = false;
      this.#schedule(shape);
    }
  }

  /** shapes touched since their last refetch: all their cohorts are fetched, not only the fresh ones */
  readonly #touched = new WeakSet<Shape>();

  async #fetchBatch(shape: Shape, cohorts: readonly Cohort[]): Promise<void> {
    // a cohort whose last subscriber left while the statement before ran is not fetched
    const live = cohorts.filter((c) => shape.cohorts.get(c.key) === c);
    if (live.length === 0) return;
    const began = performance.now();
    let rows: readonly { readonly cohort: number; readonly result: unknown }[];
    try {
      this.#options.onStatement?.();
      rows = await shape.run((db) => executeMultiplexed(db, shape.multiplexed, live, shape.parameterCount));
    } catch (error) {
      // the shape cannot be answered (a table gone, a permission revoked in the database): its subscribers are told and dropped
      this.#options.onError?.(error);
      for (const cohort of live) for (const sink of [...cohort.sinks]) sink.error(error);
      return;
    } finally {
      this.#options.onRefetch?.((performance.now() - began) / 1000);
    }
    const byId = new Map(live.map((c) => [c.id, c]));
    for (const row of rows) {
      const cohort = byId.get(row.cohort);
      if (cohort === undefined) continue;
      const text = typeof row.result === 'string' ? row.result : JSON.stringify(row.result);
      this.#deliver(shape, cohort, text);
    }
  }

  #deliver(shape: Shape, cohort: Cohort, text: string): void {
    if (cohort.advance !== undefined) {
      const { send, values, more } = cohort.advance(text);
      if (values !== undefined) cohort.values = values;
      if (send !== undefined) for (const sink of [...cohort.sinks]) sink.next(send);
      // a full batch: the next one at once (existing rows stream as fast as the client takes them)
      if (more === true && shape.cohorts.get(cohort.key) === cohort) {
        shape.fresh.add(cohort);
        this.#schedule(shape);
      }
      return;
    }
    if (text === cohort.last) return;
    cohort.last = text;
    for (const sink of [...cohort.sinks]) sink.next(text);
  }
}
