import { GraphQLSchema, getNamedType, specifiedDirectives, specifiedScalarTypes, type GraphQLNamedType, type GraphQLObjectType } from 'graphql';
import { cachedDirective } from './cached.js';
import { TypeWalk } from './collect-types.js';
import { LazyRootType } from './lazy-root.js';
import { HasuraInt } from './scalars.js';
import type { SchemaBuilder } from './schema-builder.js';

/** GraphQL's own scalars, as the schema has them (its `Int` is HasuraInt: one type per name) */
const SCALARS = specifiedScalarTypes.map((s) => (s.name === HasuraInt.name ? HasuraInt : s));

/** graphql-js's directives and Hasura's `@cached` (cached.ts) */
export const SCHEMA_DIRECTIVES = [...specifiedDirectives, cachedDirective];

/** Past this many root fields (about 2,000 tables), a type lookup walks at most LOOKUP_BUDGET_MS. */
const BIG_SCHEMA_ROOT_FIELDS = 20_000;
const LOOKUP_BUDGET_MS = 250;

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
  /** the root fields' names and their normalized forms, and the query root's as a set (#nearRootFields) */
  #rootNames: { readonly root: LazyRootType; readonly name: string; readonly normalized: string }[] | undefined;
  #queryStems: Set<string> | undefined;
  /** the proxy's target holds every type */
  #filled = false;
  readonly #typeMap: Record<string, GraphQLNamedType>;
  /** other sources' schemas under namespace root fields (namespaces.ts): their types begin with their prefix */
  readonly #parts: readonly LazySchema[];

  constructor(builder: SchemaBuilder, query: GraphQLObjectType, mutation: GraphQLObjectType | undefined, subscription?: GraphQLObjectType, parts: readonly LazySchema[] = []) {
    super({ assumeValid: true, directives: SCHEMA_DIRECTIVES });
    this.#builder = builder;
    this.#parts = parts;
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

  /** how many object and input types exist so far (what a request made the schema build) */
  get madeCount(): number {
    return this.#builder.madeCount;
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

  /** what begins the name of every type this schema's builder makes (namespacedNaming) */
  get typePrefix(): string {
    return this.#builder.naming.typePrefix;
  }

  override getType(name: string): GraphQLNamedType | undefined {
    const found = this.#known(name);
    if (found !== undefined || this.#complete) return found;
    // another source's type: that source's schema finds it (without walking this one's)
    const part = this.#parts.find((p) => p.typePrefix !== '' && name.startsWith(p.typePrefix));
    const inPart = part?.getType(name);
    if (inPart !== undefined) return inPart;
    const near = this.#nearRootFields(name);
    if (near !== undefined) return near;
    // not made yet: walk on (a few ms at a time) until it is, or everything was. On a very big
    // schema the walk is bounded per lookup: one unknown name in a hostile document would
    // otherwise make every type (20 s of a blocked event loop and 2 GB at 10,000 tables); the
    // walk goes on where it stopped at the next lookup, so names are found, at worst later.
    const deadline = this.#rootFields().length > BIG_SCHEMA_ROOT_FIELDS ? performance.now() + LOOKUP_BUDGET_MS : Infinity;
    while (!this.#walk.step(5)) {
      const made = this.#known(name);
      if (made !== undefined) return made;
      if (performance.now() > deadline) return undefined;
    }
    this.#complete = true;
    return this.#known(name);
  }

  /** a type made so far, without making any (a scalar only another source's fields use) */
  madeType(name: string): GraphQLNamedType | undefined {
    return this.#known(name);
  }

  /** every field of the lazy roots, with its name normalized; listed once (names only: no field is made) */
  #rootFields(): readonly { readonly root: LazyRootType; readonly name: string; readonly normalized: string }[] {
    this.#rootNames ??= [this.#query, this.#mutation, this.#subscription]
      .filter((root): root is LazyRootType => root instanceof LazyRootType)
      .flatMap((root) => root.fieldNames.map((name) => ({ root, name, normalized: normalized(name) })));
    return this.#rootNames;
  }

  /**
   * A type named after a table (`film_bool_exp`, `FilmInsertInput`) is made by that table's
   * root fields (`film`, `insert_film_one`…): make those and walk a little from them, before
   * walking the whole schema from its roots in order (which makes every table before it).
   */
  #nearRootFields(name: string): GraphQLNamedType | undefined {
    if (!(this.#query instanceof LazyRootType)) return undefined;
    const query = this.#query;
    this.#queryStems ??= new Set(this.#rootFields().filter((f) => f.root === query).map((f) => f.normalized));
    const wanted = normalized(name);
    // the tables whose query field's name begins the type's name, longest first
    for (let end = wanted.length; end > 0; end--) {
      const stem = wanted.slice(0, end);
      if (!this.#queryStems.has(stem)) continue;
      const seeds: GraphQLNamedType[] = [];
      for (const field of this.#rootFields()) {
        if (!field.normalized.includes(stem)) continue;
        const made = field.root.getFields()[field.name];
        if (made !== undefined) seeds.push(getNamedType(made.type), ...made.args.map((arg) => getNamedType(arg.type)));
      }
      const walk = new TypeWalk(seeds);
      for (let i = 0; ; i++) {
        const found = this.#known(name);
        if (found !== undefined) return found;
        if (i === 10 || walk.step(2)) break;
      }
    }
    return undefined;
  }

  #known(name: string): GraphQLNamedType | undefined {
    if (name === this.#query.name) return this.#query;
    if (name === this.#mutation?.name) return this.#mutation;
    if (name === this.#subscription?.name) return this.#subscription;
    return this.#builder.madeType(name) ?? this.#base[name] ?? SCALARS.find((s) => s.name === name) ?? this.#inParts(name);
  }

  /** a type another source's schema made so far (namespaces.ts) */
  #inParts(name: string): GraphQLNamedType | undefined {
    for (const part of this.#parts) {
      const made = part.madeType(name);
      if (made !== undefined) return made;
    }
    return undefined;
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

/** `film_bool_exp` and `FilmBoolExp` alike: `filmboolexp` */
function normalized(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}
