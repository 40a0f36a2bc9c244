import {
  GraphQLError,
  GraphQLObjectType,
  Kind,
  OperationTypeNode,
  getNamedType,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldConfig,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Identity, RequestInfo } from '../chain/index.js';
import type { RequestContext } from '../http/index.js';
import type { Logger } from 'pino';
import { hasuraResponsePath, isUnexpected, toGraphqlError } from '../errors/index.js';
import type { BuiltSchema } from './build-schema.js';
import { collectFields, operationAt } from './collect-fields.js';
import { LazyRootType, type FieldThunks } from './lazy-root.js';
import { LazySchema } from './lazy-schema.js';
import type { OperationRequest } from './live-operation.js';

/**
 * Other sources (config `sources`) in the first source's GraphQL schema, each under a
 * namespace root field, as Hasura serves a source with `customization.root_fields.namespace`:
 *
 *     { film { title }  archive { film { title } } }
 *
 * The schema: the first source's root types, with one field per other source whose type is
 * that source's own root type, built with its type names prefixed (`archive_film`,
 * `archive_archive_query`: namespacedNaming) so that both sets of types stand in one schema.
 *
 * An operation: validated whole against that schema, then split by source — the first
 * source's root fields as one operation, each namespace field's selection as an operation of
 * its source — and each part answered by its source's own pipeline as if it had been sent to
 * that source's endpoint (`/graphql/<name>`) by the same caller: its chain and permissions,
 * its pools, its transaction. The answers are put back together in the order of the request;
 * an error in one part has its path under the namespace and leaves the other parts' data.
 * A mutation's parts run one after the other, each atomic in its own database (two databases
 * share no transaction), as Hasura runs the mutation fields of two sources.
 */

/** Another source's GraphQL API, as the first source's endpoint reaches it. */
export interface GraphqlNamespace {
  /** the source's name (config `sources[].name`) */
  readonly source: string;
  /** the root field it stands under; null: its root fields stand beside the first source's */
  readonly field: string | null;
  /** the role's schema of the source, its types prefixed; undefined while the source loads */
  schemaFor(role: string): BuiltSchema | undefined;
  /**
   * one operation on the source as this caller: what the source's endpoint would answer (`outer`:
   * the request it is part of — its signal, its log, and its trace, where the Plans that ran are
   * told to the hooks after the response, the audit log's)
   */
  execute(outer: RequestContext, request: RequestInfo, identity: Identity, operation: OperationRequest): Promise<ExecutionResult>;
  /**
   * a subscription on the source as this caller, over a connection of the first source's
   * endpoint (`slots`: that connection's count of running subscriptions, its per-role bound):
   * its results, or one result when it is refused
   */
  subscribe(request: RequestInfo, identity: Identity, operation: OperationRequest, slots: { count: number }): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>;
}

/** The other sources' namespaces by source name: each source's GraphQL mount adds its own. */
export type GraphqlNamespaces = Map<string, GraphqlNamespace>;

/** The first source's schema of a role with every loaded namespace, made once per role schema and parts. */
export function schemaWithNamespaces(main: BuiltSchema, role: string, namespaces: GraphqlNamespaces, log?: Logger): BuiltSchema {
  if (namespaces.size === 0) return main;
  const candidates: Part[] = [];
  for (const namespace of namespaces.values()) {
    const built = namespace.schemaFor(role);
    if (built !== undefined && !nothingFor(built)) candidates.push({ namespace, built });
  }
  if (candidates.length === 0) return main;
  // every request asks (the schema of its role): what was made from the same parts is kept
  let byRole = combined.get(main);
  if (byRole === undefined) combined.set(main, (byRole = new Map()));
  const known = byRole.get(role);
  if (known !== undefined && known.parts.length === candidates.length && known.parts.every((p, i) => p === candidates[i]?.built)) return known.built;
  const parts = candidates.filter(({ namespace, built }) => {
    const clash = clashingType(main, built.builder.naming.typePrefix);
    if (clash !== undefined && !warned.has(`${clash}\0${namespace.source}`)) {
      warned.add(`${clash}\0${namespace.source}`);
      log?.warn(`the first source's type "${clash}" begins with the type prefix of the source "${namespace.source}"; its namespace is left out of /graphql (set sources[].typePrefix)`);
    }
    return clash === undefined;
  });
  const built = parts.length === 0 ? main : combine(main, parts);
  byRole.set(role, { parts: candidates.map((p) => p.built), built });
  return built;
}

/** the clashes already said */
const warned = new Set<string>();

/**
 * A type of the first source whose name begins with another source's type prefix (a table
 * `archive_film` beside the source `archive`'s `film`): the two would be one name. Every type
 * the first source makes begins with a table's or function's name, or is GraphQL's or shared.
 */
function clashingType(main: BuiltSchema, prefix: string): string | undefined {
  const { builder } = main;
  for (const entity of builder.entities) {
    const name = builder.typeName(entity);
    if (name.startsWith(prefix)) return name;
  }
  for (const fn of builder.graph.functions) {
    const name = builder.names.function(fn);
    if (name?.startsWith(prefix) === true) return name;
  }
  // PostgreSQL enums and composite types are named after themselves
  for (const type of [...builder.graph.enums, ...builder.graph.composites]) {
    const name = builder.pgTypeName({ schema: type.schema, name: type.dbName });
    if (name.startsWith(prefix)) return name;
  }
  return undefined;
}

/** A source the role may neither read nor write: no namespace (its existence is not shown either). */
function nothingFor(built: BuiltSchema): boolean {
  const query = built.schema.getQueryType();
  return (query === null || query === undefined || 'no_queries_available' in query.getFields()) && built.schema.getMutationType() === undefined;
}

interface Part {
  readonly namespace: GraphqlNamespace;
  readonly built: BuiltSchema;
}

/** per first-source schema and role: the parts it was made of (a reload of a source makes it again) */
const combined = new WeakMap<BuiltSchema, Map<string, { readonly parts: readonly BuiltSchema[]; readonly built: BuiltSchema }>>();

function combine(main: BuiltSchema, parts: readonly Part[]): BuiltSchema {
  const { schema, builder } = main;
  const query = withFields(schema.getQueryType() ?? undefined, builder.naming.roots.query, parts, (s) => s.getQueryType() ?? undefined);
  const mutation = withFields(schema.getMutationType() ?? undefined, builder.naming.roots.mutation, parts, (s) => s.getMutationType() ?? undefined);
  const subscription = withFields(schema.getSubscriptionType() ?? undefined, builder.naming.roots.subscription, parts, (s) => s.getSubscriptionType() ?? undefined);
  if (query === undefined) return main;
  const lazyParts = parts.map((p) => p.built.schema).filter((s): s is LazySchema => s instanceof LazySchema);
  return { schema: new LazySchema(builder, query, mutation, subscription, lazyParts), builder, warnings: main.warnings };
}

/** A root type with a namespace field per source that has that root (a name the first source uses already stays its own). */
function withFields(root: GraphQLObjectType | undefined, name: string, parts: readonly Part[], rootOf: (schema: GraphQLSchema) => GraphQLObjectType | undefined): GraphQLObjectType | undefined {
  const fields: FieldThunks = new Map();
  for (const { namespace, built } of parts) {
    const type = rootOf(built.schema);
    if (type === undefined) continue;
    if (namespace.field === null) {
      // its root fields beside the first source's: a name the first source (or an earlier source) has stays its own
      const names = type instanceof LazyRootType ? type.fieldNames : Object.keys(type.getFields());
      for (const name of names) {
        if (name === 'no_queries_available' || fields.has(name) || (root !== undefined && name in root.getFields())) continue;
        fields.set(name, () => besideField(type, name, namespace.source));
      }
      continue;
    }
    if (root !== undefined && namespace.field in root.getFields()) continue;
    fields.set(namespace.field, () => ({
      type,
      description: `the database "${namespace.source}" (config \`sources\`)`,
      extensions: { pgduetNamespace: { source: namespace.source } },
      ...answeredBySource(`the namespace "${namespace.field}"`, namespace.source),
    }));
  }
  if (fields.size === 0) return root;
  if (root === undefined) return new LazyRootType(name, fields);
  return root instanceof LazyRootType ? root.extendedWith(fields) : root;
}

/**
 * A root field of another source among the first source's, as a field of their root type:
 * the same type and arguments, marked with its source — and without the marks planning reads
 * (`pgduetRoot`): the first source must never plan it, an operation that selects it is split.
 */
function besideField(root: GraphQLObjectType, name: string, source: string): GraphQLFieldConfig<unknown, unknown> {
  const field = root.getFields()[name];
  if (field === undefined) throw new Error(`the root field "${name}" of the source "${source}" went away`);
  return {
    type: field.type,
    args: Object.fromEntries(field.args.map((arg) => [arg.name, { type: arg.type, defaultValue: arg.defaultValue, description: arg.description, deprecationReason: arg.deprecationReason }])),
    description: field.description,
    deprecationReason: field.deprecationReason,
    extensions: { pgduetSource: { source } },
    ...answeredBySource(`the field "${name}"`, source),
  };
}

/**
 * The resolvers of a field another source answers. Never run for a query or mutation: an
 * operation that selects it is split before execution (splitBySource). A subscription is
 * split on a WebSocket only (ws-connection.ts): over HTTP, say so.
 */
function answeredBySource(what: string, source: string): Pick<GraphQLFieldConfig<unknown, unknown>, 'resolve' | 'subscribe'> {
  return {
    resolve: () => {
      throw new GraphQLError(`${what} is answered by the source "${source}"`, { extensions: { code: 'unexpected' } });
    },
    subscribe: () => {
      throw new GraphQLError(`a subscription to ${what} of the source "${source}" is served over a WebSocket`, { extensions: { code: 'validation-failed' } });
    },
  };
}

/**
 * One part of a split operation: the first source's own root fields, or the selections of a
 * source's namespace fields (several aliases of one namespace are one part: one operation
 * for the source, each namespace field's fields aliased `_<i>_<key>` in it).
 */
export interface OperationPart {
  /** undefined: the first source's own root fields */
  readonly namespace: GraphqlNamespace | undefined;
  /** the root response keys the part answers (the first source's fields, or the namespace fields') */
  readonly keys: readonly string[];
  /** a namespace part's fields: for each namespace field (its key), the keys of its own fields */
  readonly entries: readonly NamespaceEntry[];
  /** the part as an operation of its own (its document printed, with the variables and fragments it uses) */
  readonly operation: OperationRequest;
}

interface NamespaceEntry {
  /** the namespace field's response key */
  readonly key: string;
  /** what begins the aliases of its fields in the part's operation */
  readonly alias: string;
  /** the response keys of its fields, in order */
  readonly inner: readonly string[];
}

export interface SplitOperation {
  readonly operation: 'query' | 'mutation' | 'subscription';
  /** every root response key of the operation, in the order of the request */
  readonly keys: readonly string[];
  readonly parts: readonly OperationPart[];
}

/**
 * The operation split by source, or undefined when it selects no namespace field (or is one
 * that graphql-js must report on: no such operation, variables that do not coerce). The
 * document was validated against the schema with the namespaces.
 *
 * A query is one part per source. A mutation is one part per run of consecutive root fields
 * of one source, so that its fields still run in the order of the request.
 */
export function splitBySource(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  namespaces: GraphqlNamespaces,
): SplitOperation | undefined {
  if (namespaces.size === 0) return undefined;
  const collect = operationAt(schema, document, operationName, rawVariables);
  if (collect === undefined) return undefined;
  const { operation, root, fragments } = collect;
  const fields = collectFields(collect, root, [operation.selectionSet]);
  const groups: Group[] = [];
  for (const [key, nodes] of fields) {
    const field = nodes[0] === undefined ? undefined : root.getFields()[nodes[0].name.value];
    const source = field?.extensions.pgduetNamespace?.source ?? field?.extensions.pgduetSource?.source;
    const namespace = source === undefined ? undefined : namespaces.get(source);
    const last = groups[groups.length - 1];
    let group = operation.operation === OperationTypeNode.MUTATION ? (last?.namespace === namespace ? last : undefined) : groups.find((g) => g.namespace === namespace);
    if (group === undefined) groups.push((group = { namespace, fields: [] }));
    group.fields.push({ key, nodes, type: field === undefined ? undefined : getNamedType(field.type) });
  }
  if (groups.every((group) => group.namespace === undefined)) return undefined;
  const parts = groups.map((group): OperationPart => {
    // the first source's own root fields, or those of a source beside them: its fields as they are
    if (group.namespace === undefined || group.namespace.field === null) {
      const own = group.fields.flatMap((f) => f.nodes);
      return { namespace: group.namespace, keys: group.fields.map((f) => f.key), entries: [], operation: partOperation(operation, own, fragments, rawVariables) };
    }
    const entries: NamespaceEntry[] = [];
    const selections: FieldNode[] = [];
    group.fields.forEach(({ key, nodes, type }, i) => {
      const alias = `_${i}_`;
      const inner = type instanceof GraphQLObjectType ? collectFields(collect, type, nodes.map((n) => n.selectionSet)) : new Map<string, FieldNode[]>();
      for (const [innerKey, innerNodes] of inner) selections.push(...innerNodes.map((node): FieldNode => ({ ...node, alias: { kind: Kind.NAME, value: `${alias}${innerKey}` } })));
      entries.push({ key, alias, inner: [...inner.keys()] });
    });
    return { namespace: group.namespace, keys: entries.map((e) => e.key), entries, operation: partOperation(operation, selections, fragments, rawVariables) };
  });
  return { operation: operation.operation, keys: [...fields.keys()], parts };
}

interface Group {
  readonly namespace: GraphqlNamespace | undefined;
  readonly fields: { readonly key: string; readonly nodes: readonly FieldNode[]; readonly type: GraphQLNamedType | undefined }[];
}

/** An operation of the same kind, name and directives over these selections, with the variables and fragments they use. */
function partOperation(
  operation: OperationDefinitionNode,
  selections: readonly SelectionNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): OperationRequest {
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections };
  const used = usedNames([selectionSet, ...(operation.directives ?? [])], fragments);
  const definition: OperationDefinitionNode = {
    ...operation,
    selectionSet,
    variableDefinitions: (operation.variableDefinitions ?? []).filter((v) => used.variables.has(v.variable.name.value)),
  };
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...[...used.fragments].map((name) => fragments[name] as FragmentDefinitionNode)] };
  return { query: print(document), operationName: operation.name?.value, variables: variables ?? undefined };
}

/** The variables and fragments some nodes use, through the fragments they spread. */
function usedNames(nodes: readonly Parameters<typeof visit>[0][], fragments: Readonly<Record<string, FragmentDefinitionNode>>): { variables: Set<string>; fragments: Set<string> } {
  const variables = new Set<string>();
  const used = new Set<string>();
  const pending = [...nodes];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    visit(node, {
      Variable: (v) => void variables.add(v.name.value),
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        const fragment = fragments[name];
        if (used.has(name) || fragment === undefined) return;
        used.add(name);
        pending.push(fragment);
      },
    });
  }
  return { variables, fragments: used };
}

/**
 * Each part answered (a mutation's one after the other, in the order of the request, until
 * one fails: the parts after it are not run), and the answers as one: `data` in the request's
 * order, each part's errors with paths under its namespace. A part that fails as a whole
 * leaves its fields null; when every part ran and failed, `data` is null.
 */
export async function answerAcrossSources(split: SplitOperation, answer: (part: OperationPart) => Promise<ExecutionResult>, log: Logger): Promise<string> {
  const settle = (part: OperationPart): Promise<ExecutionResult> =>
    answer(part).catch((error: unknown) => {
      if (isUnexpected(error)) log.error({ err: error, source: part.namespace?.source }, 'unexpected error answering a part of an operation across sources');
      return { data: null, errors: [toGraphqlError(error)] };
    });
  const results: (ExecutionResult | undefined)[] = [];
  if (split.operation === 'mutation') {
    for (const part of split.parts) {
      const result = await settle(part);
      results.push(result);
      if (result.errors !== undefined && result.errors.length > 0) break;
    }
  } else {
    results.push(...(await Promise.all(split.parts.map(settle))));
  }
  const values = new Map<string, unknown>();
  const errors: GraphQLFormattedError[] = [];
  split.parts.forEach((part, i) => {
    const result = results[i];
    if (result === undefined) {
      for (const key of part.keys) {
        errors.push({ message: 'not run: an earlier root field of this mutation failed (each database commits its own part)', path: [key], extensions: { code: 'not-run', path: `$.selectionSet.${key}` } });
      }
      return;
    }
    const data = (result.data ?? null) as Record<string, unknown> | null;
    if (part.entries.length === 0) for (const key of part.keys) values.set(key, data?.[key] ?? null);
    for (const entry of part.entries) values.set(entry.key, data === null ? null : entryData(entry, data));
    for (const error of result.errors ?? []) errors.push(part.entries.length === 0 ? withoutLocations(formatted(error)) : underEntry(part.entries, formatted(error)));
  });
  const answered = results.filter((r): r is ExecutionResult => r !== undefined);
  // null only when every part ran and failed; a mutation stopped early keeps its fields, each null
  const data = answered.length === split.parts.length && answered.every((r) => r.data === null || r.data === undefined) ? null : Object.fromEntries(split.keys.map((key) => [key, values.get(key) ?? null]));
  return JSON.stringify(errors.length === 0 ? { data } : { data, errors });
}

/**
 * A subscription under a namespace: the source's own subscription of the namespace field's
 * selection (its live engine, permissions and bounds), each result under the field's key. A
 * subscription selects one root field, as Hasura asks of one across sources.
 */
export async function subscribeAcrossSources(
  split: SplitOperation,
  request: RequestInfo,
  identity: Identity,
  slots: { count: number },
): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const [only, ...others] = split.parts;
  const entry = only?.entries[0];
  if (only?.namespace === undefined || others.length > 0 || only.entries.length > 1) {
    return { errors: [new GraphQLError('a subscription under a namespace selects that one field: subscribe to each source apart', { extensions: { code: 'validation-failed', path: '$' } })] };
  }
  const started = await only.namespace.subscribe(request, identity, only.operation, slots);
  // a source beside the first: its root field is the operation's, its results are as they are
  if (entry === undefined) return started;
  return Symbol.asyncIterator in started ? mapResults(started, (result) => resultUnder(entry, result)) : resultUnder(entry, started);
}

/**
 * Results mapped one by one. Ending it (a client's `complete`, a closed socket) ends the
 * results it maps at once, even while they wait for their next one: an async generator would
 * hold that end back until the next result came, and keep the subscription running meanwhile.
 */
export function mapResults(results: AsyncIterableIterator<ExecutionResult>, map: (result: ExecutionResult) => ExecutionResult, onEnd: () => void = () => undefined): AsyncIterableIterator<ExecutionResult> {
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => mapped,
    next: async () => {
      const next = await results.next();
      if (next.done === true) {
        end();
        return next;
      }
      return { value: map(next.value), done: false };
    },
    return: async () => {
      end();
      await results.return?.();
      return { value: undefined, done: true };
    },
    throw: async (error: unknown) => {
      end();
      await results.return?.();
      throw error;
    },
  };
  return mapped;
}

/** A result of a namespace's part as the whole operation's: its data under the namespace field's key. */
function resultUnder(entry: NamespaceEntry, result: ExecutionResult): ExecutionResult {
  const errors = result.errors?.map((error) => {
    const moved = underEntry([entry], error.toJSON());
    return new GraphQLError(error.message, {
      ...(moved.path === undefined ? {} : { path: moved.path }),
      ...(error.originalError === undefined ? {} : { originalError: error.originalError }),
      ...(moved.extensions === undefined ? {} : { extensions: moved.extensions }),
    });
  });
  const source = result.data as Record<string, unknown> | null | undefined;
  const data = source === null || source === undefined ? source : { [entry.key]: entryData(entry, source) };
  return { ...(data === undefined ? {} : { data }), ...(errors === undefined ? {} : { errors }) };
}

/** A namespace field's own fields, read back from the part's answer under their aliases (`_0_film` → `film`). */
function entryData(entry: NamespaceEntry, data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(entry.inner.map((key) => [key, data[`${entry.alias}${key}`] ?? null]));
}

function formatted(error: GraphQLFormattedError | GraphQLError): GraphQLFormattedError {
  return error instanceof GraphQLError ? error.toJSON() : error;
}

function withoutLocations(error: GraphQLFormattedError): GraphQLFormattedError {
  const { locations: _locations, ...rest } = error;
  return rest;
}

/**
 * An error of a namespace's part as the whole request reports it: its path from the part's
 * alias (`_0_film`) back to the namespace field and its own (`archive`, `film`; Hasura's
 * `$.selectionSet.archive.selectionSet.film…`); without `locations`, which point into the
 * part's own document. An error of the whole part is the namespace field's when the part has
 * no other; else it stays the request's (`$`).
 */
function underEntry(entries: readonly NamespaceEntry[], error: GraphQLFormattedError): GraphQLFormattedError {
  const rest = withoutLocations(error);
  const first = error.path?.[0];
  const entry = typeof first === 'string' ? entries.find((e) => first.startsWith(e.alias)) : undefined;
  // an error of the whole part blames its namespace field only when it is the part's one field
  const at = entry ?? (entries.length === 1 ? entries[0] : undefined);
  if (at === undefined) return rest;
  const path: (string | number)[] = entry === undefined || typeof first !== 'string' ? [at.key] : [at.key, first.slice(at.alias.length), ...(error.path?.slice(1) ?? [])];
  const extensions = error.extensions ?? {};
  return { ...rest, path, extensions: { ...extensions, path: hasuraResponsePath(path) } };
}
