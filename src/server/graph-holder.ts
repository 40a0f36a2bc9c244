import { PgduetError } from '../errors/index.js';
import type { GraphSnapshot } from '../http/index.js';
import type { TypeGraph } from '../model/index.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export type { GraphSnapshot } from '../http/index.js';

export type ReloadOutcome =
  /** `warnings`: the model's, and any error a swap listener threw (the swap stands) */
  | { readonly kind: 'swapped'; readonly snapshot: GraphSnapshot; readonly warnings: readonly string[] }
  | { readonly kind: 'unchanged'; readonly snapshot: GraphSnapshot }
  | { readonly kind: 'failed'; readonly error: unknown };

export interface GraphLoad {
  readonly graph: TypeGraph;
  readonly warnings: readonly string[];
}

/**
 * Holds the current type graph and swaps it atomically on reload.
 *
 * A request reads `current` once when it starts and keeps that snapshot to the end, so a
 * reload never changes the graph under a request in flight: old requests finish on the old
 * graph, new ones start on the new. The new graph is built completely before the swap; a
 * failed reload keeps the old graph. Reloads are single-flight: a trigger that arrives
 * while one runs schedules exactly one more, so a burst of DDL costs at most two.
 *
 * A holder may start empty (`initial` undefined: another source whose database was down at
 * start-up, config `sources`): `loaded` is false and `current` throws a 503 until a reload
 * succeeds, which is then the first swap (generation 1).
 */
export class GraphHolder {
  #current: GraphSnapshot | undefined;
  #running: Promise<ReloadOutcome> | undefined;
  #again = false;
  readonly #load: () => Promise<GraphLoad>;
  readonly #listeners: ((snapshot: GraphSnapshot) => void)[] = [];

  constructor(initial: TypeGraph | undefined, load: () => Promise<GraphLoad>) {
    this.#current = initial === undefined ? undefined : { graph: initial, generation: 1, loadedAt: new Date() };
    this.#load = load;
  }

  /** whether a graph has been loaded (always, unless the holder started empty) */
  get loaded(): boolean {
    return this.#current !== undefined;
  }

  get current(): GraphSnapshot {
    if (this.#current === undefined) throw graphNotLoaded();
    return this.#current;
  }

  /** Called after every swap (GraphQL and REST rebuild their derived schemas here). */
  onSwap(listener: (snapshot: GraphSnapshot) => void): void {
    this.#listeners.push(listener);
  }

  reload(): Promise<ReloadOutcome> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome;
      do {
        this.#again = false;
        outcome = await this.#reloadOnce();
      } while (this.#again);
      return outcome;
    };
    this.#running = run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #reloadOnce(): Promise<ReloadOutcome> {
    let loaded: GraphLoad;
    try {
      loaded = await this.#load();
    } catch (error) {
      return { kind: 'failed', error };
    }
    const old = this.#current;
    if (old !== undefined && loaded.graph.fingerprint === old.graph.fingerprint && loaded.graph.configDigest === old.graph.configDigest) {
      return { kind: 'unchanged', snapshot: old };
    }
    const snapshot: GraphSnapshot = { graph: loaded.graph, generation: (old?.generation ?? 0) + 1, loadedAt: new Date() };
    this.#current = snapshot;
    const warnings = [...loaded.warnings];
    for (const listener of this.#listeners) {
      // one listener's failure must neither skip the others nor reject the reload
      try {
        listener(snapshot);
      } catch (error) {
        warnings.push(`after the swap: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { kind: 'swapped', snapshot, warnings };
  }
}

/** PostgREST's answer while its schema cache is not loaded: 503, PGRST002, retry shortly. */
export function graphNotLoaded(): PgduetError {
  return new PgduetError('PGD005', 'the database schema is not loaded yet (its database cannot be reached); retry shortly', {
    postgrest: 'PGRST002',
    headers: { 'Retry-After': '1' },
  });
}

/**
 * A reload's outcome in the metrics and the log: the new graph's warnings and generation
 * (`swapped`, said as `message` gives it), or why it failed while the previous graph is served.
 */
export function reportReload(outcome: ReloadOutcome, log: Logger, metrics: Metrics, message: (snapshot: GraphSnapshot) => string = () => 'schema reloaded'): void {
  metrics.reloads.inc({ result: outcome.kind });
  if (outcome.kind === 'swapped') {
    for (const warning of outcome.warnings) log.warn(warning);
    log.info({ generation: outcome.snapshot.generation, fingerprint: outcome.snapshot.graph.fingerprint }, message(outcome.snapshot));
  } else if (outcome.kind === 'failed') {
    log.error({ err: outcome.error }, 'schema reload failed; still serving the previous schema');
  }
}
