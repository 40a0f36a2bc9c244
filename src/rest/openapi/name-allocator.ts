/**
 * Hands out unique names in one namespace of the document (component keys, operation ids,
 * tags), first come, first served: a name already taken gets `_2`, `_3`… The callers ask
 * in a sorted order, so the same graph always gives the same names.
 */
export class NameAllocator {
  readonly #taken = new Set<string>();

  allocate(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.#taken.has(name); n++) name = `${wanted}_${n}`;
    this.#taken.add(name);
    return name;
  }
}

/**
 * A name as a component key or operation id may spell it: OpenAPI allows only
 * `[A-Za-z0-9._-]` in component keys, and a PostgreSQL name may hold anything.
 */
export function safeKey(name: string): string {
  const key = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return key === '' ? '_' : key;
}
