import type { DbRef, Entity, FunctionDef, TypeGraph } from '../model/index.js';
import { graphqlNaming, isCustomName, type GraphqlNaming, type NameBase } from './naming.js';

/**
 * GraphQL names of the type graph's objects. Hasura's conventions: a table of the first
 * exposed schema is `film`; of another schema `other_film`. Every type derived from it is
 * `film_bool_exp`, `film_order_by`, `film_aggregate`… (in graphql-default, naming.ts: `Film`,
 * `FilmBoolExp`, `filmByPk`). A name GraphQL cannot spell is made spellable (`zip code` →
 * `zip_code`); what still collides is left out with a warning.
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
  readonly naming: GraphqlNaming;
  readonly #entities = new Map<string, NameBase>();
  readonly #functions = new Map<string, NameBase>();
  readonly warnings: string[] = [];

  constructor(graph: TypeGraph, naming: GraphqlNaming = graphqlNaming()) {
    this.naming = naming;
    const first = graph.schemas[0];
    const taken = new Set<string>();
    // a name the user gave replaces the whole name, schema included (Hasura's custom_name)
    const baseOf = (ref: DbRef & { readonly name: string }): NameBase =>
      isCustomName(ref.name, ref.dbName) ? { name: toGraphqlName(ref.name), custom: true } : { name: toGraphqlName(ref.schema === first ? ref.name : `${ref.schema}_${ref.name}`), custom: false };
    for (const entity of graph.entities) {
      const base = baseOf(entity);
      // a table is known by its type name and its root field name (the same in hasura-default)
      const names = [naming.type(base), naming.field(base)];
      const name = names[0] as string;
      if (names.some((n) => taken.has(n))) {
        this.warnings.push(`${entity.schema}.${entity.dbName}: the GraphQL name "${name}" is taken; left out of the GraphQL schema`);
        continue;
      }
      for (const n of names) taken.add(n);
      this.#entities.set(keyOf(entity), base);
    }
    // functions share the root fields with tables (`film`, `film_aggregate`, `insert_film`…)
    for (const fn of graph.functions) {
      if (isComputedField(fn)) continue;
      const base = baseOf(fn);
      const name = naming.field(base);
      if (this.#functions.has(keyOf(fn)) || taken.has(name)) {
        this.warnings.push(`${fn.schema}.${fn.dbName}(${fn.args.map((a) => a.name ?? '').join(', ')}): the GraphQL name "${name}" is taken (an overload or a table); left out`);
        continue;
      }
      taken.add(name);
      this.#functions.set(keyOf(fn), base);
    }
  }

  /** The object type name of an entity, or undefined when it could not get one. */
  entity(entity: DbRef): string | undefined {
    const base = this.#entities.get(keyOf(entity));
    return base === undefined ? undefined : this.naming.type(base);
  }

  /** What an entity's type and root field names are made from (`film`; `other_film`; a custom name). */
  entityBase(entity: DbRef): NameBase | undefined {
    return this.#entities.get(keyOf(entity));
  }

  /** The root field name of a function. */
  function(fn: FunctionDef): string | undefined {
    const base = this.#functions.get(keyOf(fn));
    return base === undefined ? undefined : this.naming.field(base);
  }

  functionBase(fn: FunctionDef): NameBase | undefined {
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
