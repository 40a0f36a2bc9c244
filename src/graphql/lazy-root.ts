import { GraphQLObjectType, type GraphQLField, type GraphQLFieldConfig, type GraphQLFieldMap } from 'graphql';
import type { GraphqlContext } from './context.js';

type FieldConfig = GraphQLFieldConfig<unknown, GraphqlContext>;
type Field = GraphQLField<unknown, GraphqlContext>;

/**
 * Root fields by name, each config made when the field is first asked for. A Map: 120,000
 * names at 10,000 tables, which an object would take as as many property keys.
 */
export type FieldThunks = Map<string, () => FieldConfig>;

/**
 * A root type (query_root, mutation_root, subscription_root) whose fields are made one at a time.
 *
 * graphql-js makes all of an object type's fields, with their argument types, the first time
 * anything asks for one. For the roots that is every table's `where`, `order_by`,
 * `insert_input`, `on_conflict`, `_set`… input types: at 10,000 tables about 130,000 types,
 * 3 s and 300 MB before a `{ __typename }` is answered. Validation and execution only look
 * fields up by name (`getFields()[name]`), so this type's field map is a proxy that makes
 * a field when it is looked up; enumerating it (introspection, the SDL, "did you mean")
 * makes them all, in order. Together with LazySchema (lazy-schema.ts), a request builds
 * the types it touches and no others.
 */
export class LazyRootType extends GraphQLObjectType<unknown, GraphqlContext> {
  /** where its fields come from, looked up in order (subscription_root: the query fields, then the streams) */
  readonly #layers: readonly FieldThunks[];
  #names: readonly string[] | undefined;
  readonly #made = new Map<string, Field>();
  readonly #fields: GraphQLFieldMap<unknown, GraphqlContext>;

  /**
   * `thunks`: the fields by name, as they were collected (nothing is copied, sorted or indexed
   * now: at 10,000 tables that was a quarter of a second before the first request).
   */
  constructor(name: string, thunks: FieldThunks | readonly FieldThunks[]) {
    super({ name, fields: {} });
    this.#layers = thunks instanceof Map ? [thunks] : thunks;
    const field = (key: string | symbol): Field | undefined => (typeof key === 'string' ? this.#field(key) : undefined);
    this.#fields = new Proxy(Object.create(null) as GraphQLFieldMap<unknown, GraphqlContext>, {
      get: (_target, key) => field(key),
      has: (_target, key) => typeof key === 'string' && this.#thunk(key) !== undefined,
      ownKeys: () => [...this.fieldNames],
      // an accessor, so that listing the names (`Object.keys`: graphql-js's "did you mean" for
      // an unknown root field) makes no field; reading one (`Object.values`, `entries`) does
      getOwnPropertyDescriptor: (_target, key) =>
        typeof key === 'string' && this.#thunk(key) !== undefined ? { get: () => field(key), enumerable: true, configurable: true } : undefined,
    });
  }

  /** the names of its fields, sorted as Hasura lists its root fields (and as the eager schema did), without making any */
  get fieldNames(): readonly string[] {
    this.#names ??= [...new Set(this.#layers.flatMap((layer) => [...layer.keys()]))].sort();
    return this.#names;
  }

  /** the same root type with more fields after its own (other sources' namespaces: namespaces.ts) */
  extendedWith(fields: FieldThunks): LazyRootType {
    return new LazyRootType(this.name, [...this.#layers, fields]);
  }

  /** how many of its fields have been made (tests) */
  get madeFieldCount(): number {
    return this.#made.size;
  }

  override getFields(): GraphQLFieldMap<unknown, GraphqlContext> {
    return this.#fields;
  }

  #thunk(name: string): (() => FieldConfig) | undefined {
    for (const layer of this.#layers) {
      const thunk = layer.get(name);
      if (thunk !== undefined) return thunk;
    }
    return undefined;
  }

  #field(name: string): Field | undefined {
    let made = this.#made.get(name);
    if (made !== undefined) return made;
    const thunk = this.#thunk(name);
    if (thunk === undefined) return undefined;
    // graphql-js's own field definition (argument defaults, extensions…), from a one-field type
    made = new GraphQLObjectType<unknown, GraphqlContext>({ name: this.name, fields: { [name]: thunk() } }).getFields()[name] as Field;
    this.#made.set(name, made);
    return made;
  }
}
