import {
  GraphQLError,
  Kind,
  getOperationAST,
  getVariableValues,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Identity, RequestInfo } from '../chain/index.js';
import { toGraphqlError } from '../errors/index.js';
import type { BuiltSchema } from './build-schema.js';
import { collectFields } from './collect-fields.js';
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
  /** the root field it stands under */
  readonly field: string;
  /** the role's schema of the source, its types prefixed; undefined while the source loads */
  schemaFor(role: string): BuiltSchema | undefined;
  /** one operation on the source as this caller: what the source's endpoint would answer */
  execute(request: RequestInfo, identity: Identity, signal: AbortSignal, operation: OperationRequest): Promise<ExecutionResult>;
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
export function schemaWithNamespaces(main: BuiltSchema, role: string, namespaces: GraphqlNamespaces): BuiltSchema {
  if (namespaces.size === 0) return main;
  const parts: Part[] = [];
  for (const namespace of namespaces.values()) {
    const built = namespace.schemaFor(role);
    if (built !== undefined && !nothingFor(built)) parts.push({ namespace, built });
  }
  if (parts.length === 0) return main;
  let byRole = combined.get(main);
  if (byRole === undefined) combined.set(main, (byRole = new Map()));
  const known = byRole.get(role);
  if (known !== undefined && known.parts.length === parts.length && known.parts.every((p, i) => p === parts[i]?.built)) return known.built;
  const built = combine(main, parts);
  byRole.set(role, { parts: parts.map((p) => p.built), built });
  return built;
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
    if (type === undefined || (root !== undefined && namespace.field in root.getFields())) continue;
    fields.set(namespace.field, () => ({
      type,
      description: `the database "${namespace.source}" (config \`sources\`)`,
      extensions: { pgduetNamespace: { source: namespace.source } },
      // never run: an operation that selects a namespace is split before execution (splitBySource)
      resolve: () => {
        throw new GraphQLError(`the namespace "${namespace.field}" is answered by its source`, { extensions: { code: 'unexpected' } });
      },
    }));
  }
  if (fields.size === 0) return root;
  if (root === undefined) return new LazyRootType(name, fields);
  return root instanceof LazyRootType ? root.extendedWith(fields) : root;
}

/** One part of a split operation: the first source's own root fields, or one namespace field's selection. */
export interface OperationPart {
  /** undefined: the first source's own root fields */
  readonly namespace: GraphqlNamespace | undefined;
  /** the namespace field's response key (its alias or name); undefined for the first source's part */
  readonly key: string | undefined;
  /** the root response keys the part answers */
  readonly keys: readonly string[];
  /** the part as an operation of its own (its document printed, with the variables and fragments it uses) */
  readonly operation: OperationRequest;
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
 */
export function splitBySource(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  namespaces: GraphqlNamespaces,
): SplitOperation | undefined {
  if (namespaces.size === 0) return undefined;
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return undefined;
  const root = schema.getRootType(operation.operation);
  if (root === null || root === undefined) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const fields = collectFields({ fragments, variableValues: coerced.coerced }, root, [operation.selectionSet]);
  const own: FieldNode[] = [];
  const ownKeys: string[] = [];
  let ownAt = -1;
  const parts: (OperationPart | undefined)[] = [];
  for (const [key, nodes] of fields) {
    const name = nodes[0]?.name.value;
    const source = name === undefined ? undefined : root.getFields()[name]?.extensions.pgduetNamespace?.source;
    const namespace = source === undefined ? undefined : namespaces.get(source);
    if (namespace === undefined) {
      if (ownAt === -1) {
        // the first source's fields are one part, where its first field stands
        ownAt = parts.length;
        parts.push(undefined);
      }
      own.push(...nodes);
      ownKeys.push(key);
      continue;
    }
    const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
    parts.push({ namespace, key, keys: [key], operation: partOperation(operation, selections, fragments, rawVariables) });
  }
  if (parts.every((part) => part === undefined)) return undefined;
  if (ownAt !== -1) parts[ownAt] = { namespace: undefined, key: undefined, keys: ownKeys, operation: partOperation(operation, own, fragments, rawVariables) };
  return { operation: operation.operation, keys: [...fields.keys()], parts: parts.filter((part): part is OperationPart => part !== undefined) };
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
 * Each part answered (a mutation's one after the other, in the order of the request), and the
 * answers as one: `data` in the request's order, each part's errors with paths under its
 * namespace. A part that fails as a whole leaves its fields null; when every part failed, `data` is null.
 */
export async function answerAcrossSources(split: SplitOperation, answer: (part: OperationPart) => Promise<ExecutionResult>): Promise<string> {
  const settle = (part: OperationPart): Promise<ExecutionResult> => answer(part).catch((error: unknown) => ({ data: null, errors: [toGraphqlError(error)] }));
  const results: ExecutionResult[] = [];
  if (split.operation === 'mutation') for (const part of split.parts) results.push(await settle(part));
  else results.push(...(await Promise.all(split.parts.map(settle))));
  const values = new Map<string, unknown>();
  const errors: GraphQLFormattedError[] = [];
  split.parts.forEach((part, i) => {
    const result = results[i] as ExecutionResult;
    const data = (result.data ?? null) as Record<string, unknown> | null;
    if (part.key === undefined) for (const key of part.keys) values.set(key, data?.[key] ?? null);
    else values.set(part.key, data);
    for (const error of result.errors ?? []) errors.push(under(part.key, formatted(error)));
  });
  const data = results.every((r) => r.data === null || r.data === undefined) ? null : Object.fromEntries(split.keys.map((key) => [key, values.get(key) ?? null]));
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
  if (only?.namespace === undefined || only.key === undefined || others.length > 0 || split.keys.length > 1) {
    return { errors: [new GraphQLError('a subscription under a namespace selects that one field: subscribe to each source apart', { extensions: { code: 'validation-failed', path: '$' } })] };
  }
  const key = only.key;
  const started = await only.namespace.subscribe(request, identity, only.operation, slots);
  return Symbol.asyncIterator in started ? resultsUnder(key, started) : resultUnder(key, started);
}

async function* resultsUnder(key: string, results: AsyncIterableIterator<ExecutionResult>): AsyncGenerator<ExecutionResult> {
  // ending this (the client's `complete`) returns the source's iterator, which ends its subscription
  for await (const result of results) yield resultUnder(key, result);
}

function resultUnder(key: string, result: ExecutionResult): ExecutionResult {
  const errors = result.errors?.map((error) => {
    const { path, ...extensions } = error.extensions;
    return new GraphQLError(error.message, {
      path: [key, ...(error.path ?? [])],
      ...(error.originalError === undefined ? {} : { originalError: error.originalError }),
      extensions: { ...extensions, ...(typeof path === 'string' && path.startsWith('$') ? { path: `$.selectionSet.${key}${path.slice(1)}` } : {}) },
    });
  });
  const data = result.data === null || result.data === undefined ? result.data : { [key]: result.data };
  return { ...(data === undefined ? {} : { data }), ...(errors === undefined ? {} : { errors }) };
}

function formatted(error: GraphQLFormattedError | GraphQLError): GraphQLFormattedError {
  return error instanceof GraphQLError ? error.toJSON() : error;
}

/**
 * An error of a part as the whole request reports it: its path under the namespace field
 * (`$.selectionSet.archive.selectionSet.film…`); without `locations`, which point into the
 * part's own document.
 */
function under(key: string | undefined, error: GraphQLFormattedError): GraphQLFormattedError {
  const { locations: _locations, ...rest } = error;
  if (key === undefined) return rest;
  const extensions = error.extensions ?? {};
  const path = extensions['path'];
  return {
    ...rest,
    ...(error.path === undefined ? {} : { path: [key, ...error.path] }),
    extensions: { ...extensions, ...(typeof path === 'string' && path.startsWith('$') ? { path: `$.selectionSet.${key}${path.slice(1)}` } : {}) },
  };
}
