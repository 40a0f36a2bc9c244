import { GraphQLSchema, specifiedDirectives, specifiedScalarTypes, type GraphQLNamedType, type GraphQLObjectType } from 'graphql';
import { TypeWalk } from './collect-types.js';
import { cachedDirective } from './cached.js';
import type { SchemaBuilder } from './schema-builder.js';

/** graphql-js's directives and Hasura's `@cached` (cached.ts) */
export const SCHEMA_DIRECTIVES = [...specifiedDirectives, cachedDirective];

/**
 * A GraphQL schema whose types are made when something asks for them.
 *
 * graphql-js's schema knows every type up front: `new GraphQLSchema` walks everything the
 * root types reach and resolves every `fields` thunk on the way. At 10,000 tables that is
 * about 400,000 types, 20 s and 1.6 GB, although a request uses a handful of them. This
 * schema holds only the root types at first; the rest are made as graphql-js asks:
 *
 * - a type reached through a field (validation, execution) is made by that field's thunk;
 * - `getType(name)` (variable types, fragment conditions) looks among the types made so far,
 *   and else walks on from the roots until the type turns up (TypeWalk, without recursion);
 * - `getTypeMap()` is a proxy that does the same per name; enumerating it (introspection's
 *   `__schema { types }`, `printSchema`) walks everything once, and the order is then the
 *   one graphql-js would have given.
 *
 * The schema is not validated (`assumeValid`): it is made of the very types that
 * `buildGraphqlSchema` builds and validates eagerly — the CLI's `sdl` and the unit tests.
 * There are no interfaces or unions, so the possible-types maps the constructor fills stay empty.
 */
export class LazySchema extends GraphQLSchema {
  readonly #builder: SchemaBuilder;
  readonly #query: GraphQLObjectType;
  readonly #mutation: GraphQLObjectType | undefined;
  readonly #subscription: GraphQLObjectType | undefined;
  readonly #walk: TypeWalk;
  /** the introspection types, and String and Boolean for the directives: what super() found */
  readonly #base: Readonly<Record<string, GraphQLNamedType>>;
  #complete = false;
  /** the proxy's target holds every type */
  #filled = false;
  readonly #typeMap: Record<string, GraphQLNamedType>;

  constructor(builder: SchemaBuilder, query: GraphQLObjectType, mutation: GraphQLObjectType | undefined, subscription?: GraphQLObjectType) {
    super({ assumeValid: true, directives: SCHEMA_DIRECTIVES });
    this.#builder = builder;
    this.#query = query;
    this.#mutation = mutation;
    this.#subscription = subscription;
    this.#walk = new TypeWalk([query, ...(mutation === undefined ? [] : [mutation]), ...(subscription === undefined ? [] : [subscription])]);
    this.#base = { ...super.getTypeMap() };
    const target = Object.create(null) as Record<string, GraphQLNamedType>;
    this.#typeMap = new Proxy(target, {
      get: (_target, name) => (typeof name === 'string' ? this.getType(name) : undefined),
      has: (_target, name) => typeof name === 'string' && this.getType(name) !== undefined,
      ownKeys: () => {
        this.#completeInto(target);
        return Reflect.ownKeys(target);
      },
      getOwnPropertyDescriptor: (_target, name) => {
        this.#completeInto(target);
        return Reflect.getOwnPropertyDescriptor(target, name);
      },
    });
  }

  override getQueryType(): GraphQLObjectType {
    return this.#query;
  }

  override getMutationType(): GraphQLObjectType | undefined {
    return this.#mutation;
  }

  override getSubscriptionType(): GraphQLObjectType | undefined {
    return this.#subscription;
  }

  override getTypeMap(): Record<string, GraphQLNamedType> {
    return this.#typeMap;
  }

  override getType(name: string): GraphQLNamedType | undefined {
    const found = this.#known(name);
    if (found !== undefined || this.#complete) return found;
    // not made yet: walk on (a few ms at a time) until it is, or everything was
    while (!this.#walk.step(5)) {
      const made = this.#known(name);
      if (made !== undefined) return made;
    }
    this.#complete = true;
    return this.#known(name);
  }

  #known(name: string): GraphQLNamedType | undefined {
    if (name === this.#query.name) return this.#query;
    if (name === this.#mutation?.name) return this.#mutation;
    if (name === this.#subscription?.name) return this.#subscription;
    return this.#builder.madeType(name) ?? this.#base[name] ?? specifiedScalarTypes.find((s) => s.name === name);
  }

  /** Every type, in the order graphql-js's own collection would give them. */
  #completeInto(target: Record<string, GraphQLNamedType>): void {
    // asked once per key when the map is enumerated: cheap after the first time
    if (this.#filled) return;
    this.#walk.step();
    this.#complete = true;
    this.#filled = true;
    for (const type of this.#walk.types) target[type.name] ??= type;
    for (const [name, type] of Object.entries(this.#base)) target[name] ??= type;
  }
}
