/** Entries kept per owner; past it the map starts over (a client cannot grow it without bound). */
const MAX_ENTRIES = 1000;

/**
 * Results of pure functions kept per owner object. Its first use: Plans of requests seen before,
 * per owner (REST: the type graph; GraphQL: the role's schema) — parsing and planning are pure
 * functions of the request's text and of that owner, so the same text gives the same Plan, and
 * applications repeat a small set of requests. The Plan still goes through the chain on every
 * request: only what precedes the chain is cached, and nothing downstream changes a Plan (the
 * chain makes new ones). The same shape keeps what follows from a Plan object: its statement
 * (pipeline/run.ts) and its rewrite by the permissions plugin. A reload brings new owners, and
 * the WeakMap lets the old entries go with them.
 */
export class PlanCache<T> {
  readonly #byOwner = new WeakMap<object, Map<string, T>>();

  get(owner: object, key: string, make: () => T): T {
    let entries = this.#byOwner.get(owner);
    if (entries === undefined) this.#byOwner.set(owner, (entries = new Map()));
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
