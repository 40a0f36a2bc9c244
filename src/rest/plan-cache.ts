import type { TypeGraph } from '../model/index.js';

/** Entries kept per type graph; past it the map starts over (a client cannot grow it without bound). */
const MAX_ENTRIES = 1000;

/**
 * Plans of requests seen before, per type graph: parsing and planning are pure functions of
 * the request's text (path, query string, the headers that shape the answer) and the graph, so
 * the same request text gives the same Plan. Applications repeat a small set of requests;
 * they skip the parser and planner after the first. The Plan still goes through the chain on
 * every request: only what precedes the chain is cached. A reload brings a new graph, and the
 * WeakMap lets the old entries go with it.
 */
export class PlanCache<T> {
  readonly #byGraph = new WeakMap<TypeGraph, Map<string, T>>();

  get(graph: TypeGraph, key: string, make: () => T): T {
    let entries = this.#byGraph.get(graph);
    if (entries === undefined) this.#byGraph.set(graph, (entries = new Map()));
    let entry = entries.get(key);
    if (entry === undefined) {
      // errors are thrown, never cached: a bad request is parsed again, and refused again
      entry = make();
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, entry);
    }
    return entry;
  }
}
