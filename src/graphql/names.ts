import type { DbRef, Entity, FunctionDef, TypeGraph } from '../model/index.js';

/**
 * GraphQL names of the type graph's objects. Hasura's conventions: a table of the first
 * exposed schema is `film`; of another schema `other_film`. Every type derived from it is
 * `film_bool_exp`, `film_order_by`, `film_aggregate`… A name GraphQL cannot spell is made
 * spellable (`zip code` → `zip_code`); what still collides is left out with a warning.
 */

const VALID = /^[_A-Za-z][_0-9A-Za-z]*$/;

export function toGraphqlName(name: string): string {
  const cleaned = name.replace(/[^_0-9A-Za-z]/g, '_').replace(/^(?=\d)/, '_');
  // names starting with __ are reserved for introspection
  return cleaned.startsWith('__') ? `x${cleaned}` : cleaned;
}

export function isValidName(name: string): boolean {
  return VALID.test(name) && !name.startsWith('__');
}

const keyOf = (ref: DbRef): string => `${ref.schema}.${ref.dbName}`;

export class GraphqlNames {
  readonly #entities = new Map<string, string>();
  readonly #functions = new Map<string, string>();
  readonly warnings: string[] = [];

  constructor(graph: TypeGraph) {
    const first = graph.schemas[0];
    const taken = new Set<string>();
    const claim = (base: string, schema: string, what: string): string | undefined => {
      const name = toGraphqlName(schema === first ? base : `${schema}_${base}`);
      if (taken.has(name)) {
        this.warnings.push(`${what}: the GraphQL name "${name}" is taken; left out of the GraphQL schema`);
        return undefined;
      }
      taken.add(name);
      return name;
    };
    for (const entity of graph.entities) {
      const name = claim(entity.name, entity.schema, `${entity.schema}.${entity.dbName}`);
      if (name !== undefined) this.#entities.set(keyOf(entity), name);
    }
    // functions share the root fields with tables (`film`, `film_aggregate`, `insert_film`…)
    for (const fn of graph.functions) {
      if (isComputedField(fn)) continue;
      const name = toGraphqlName(fn.schema === first ? fn.name : `${fn.schema}_${fn.name}`);
      if (this.#functions.has(keyOf(fn)) || taken.has(name)) {
        this.warnings.push(`${fn.schema}.${fn.dbName}(${fn.args.map((a) => a.name ?? '').join(', ')}): the GraphQL name "${name}" is taken (an overload or a table); left out`);
        continue;
      }
      taken.add(name);
      this.#functions.set(keyOf(fn), name);
    }
  }

  /** The object type name of an entity, or undefined when it could not get one. */
  entity(entity: DbRef): string | undefined {
    return this.#entities.get(keyOf(entity));
  }

  function(fn: FunctionDef): string | undefined {
    return this.#functions.get(keyOf(fn));
  }
}

export function entityKey(entity: Pick<Entity, 'schema' | 'dbName'>): string {
  return keyOf(entity);
}

/**
 * A function that is a computed field of the table of its first argument rather than a root
 * field: stable or immutable, and any further arguments named (they become the field's `args`).
 */
export function isComputedField(fn: FunctionDef): boolean {
  return fn.computedFieldOf !== undefined && fn.volatility !== 'volatile' && fn.args.slice(1).every((a) => a.name !== null);
}
