import {
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLType,
} from 'graphql';

/**
 * Every named type reachable from the roots, found without recursion.
 *
 * `new GraphQLSchema` finds its types with graphql-js's `collectReferencedTypes`, which
 * recurses once per type along the first path that reaches it: a chain of 3,000 tables
 * (`t3000 → t2999 → …`) is 3,000 nested calls and more than V8's stack. Given every type in
 * `types: [...]` up front, it recurses one level only, because it skips types it already
 * holds. This walk makes that list with an explicit stack, in the very order the recursion
 * would have visited the types (depth first, a type before what it references, a field's
 * type before its arguments), so the schema's type map, and thus introspection and the
 * printed SDL, come out as before.
 *
 * `step(budgetMs)` walks for about that long and says whether it is done, so that a build in
 * the background can give the event loop back between steps (see schema-store.ts).
 * Resolving a type's fields runs its `fields` thunk: that is where the builder makes the
 * types of related tables, one level at a time.
 */
export class TypeWalk {
  readonly #seen = new Set<GraphQLNamedType>();
  readonly #roots: GraphQLNamedType[];
  /** the types whose references are being visited, each with the next reference to look at */
  readonly #stack: { readonly references: readonly GraphQLType[]; next: number }[] = [];

  constructor(roots: readonly GraphQLNamedType[]) {
    this.#roots = [...roots].reverse();
  }

  /** the types found so far, in visiting order (all of them once `step` said true) */
  get types(): GraphQLNamedType[] {
    return [...this.#seen];
  }

  /** Walks until done or about `budgetMs` have passed; true when every type was found. */
  step(budgetMs = Infinity): boolean {
    const deadline = budgetMs === Infinity ? Infinity : performance.now() + budgetMs;
    let sinceClock = 0;
    for (;;) {
      const top = this.#stack.at(-1);
      if (top === undefined) {
        const root = this.#roots.pop();
        if (root === undefined) return true;
        this.#visit(root);
      } else if (top.next < top.references.length) {
        this.#visit(top.references[top.next++] as GraphQLType);
      } else {
        this.#stack.pop();
      }
      if (++sinceClock === 256) {
        sinceClock = 0;
        if (performance.now() >= deadline) return false;
      }
    }
  }

  #visit(type: GraphQLType): void {
    const named = getNamedType(type);
    if (this.#seen.has(named)) return;
    this.#seen.add(named);
    const references = referencesOf(named);
    if (references.length > 0) this.#stack.push({ references, next: 0 });
  }
}

/** What `collectReferencedTypes` follows from one type, in its order. */
function referencesOf(type: GraphQLNamedType): GraphQLType[] {
  if (isUnionType(type)) return [...type.getTypes()];
  if (isObjectType(type) || isInterfaceType(type)) {
    const references: GraphQLType[] = [...type.getInterfaces()];
    for (const field of Object.values(type.getFields())) {
      references.push(field.type);
      for (const arg of field.args) references.push(arg.type);
    }
    return references;
  }
  if (isInputObjectType(type)) return Object.values(type.getFields()).map((field) => field.type);
  return [];
}

/** Every named type reachable from the roots, in `collectReferencedTypes`' order. */
export function collectNamedTypes(roots: readonly GraphQLNamedType[]): GraphQLNamedType[] {
  const walk = new TypeWalk(roots);
  walk.step();
  return walk.types;
}
