import { setImmediate as nextTurn } from 'node:timers/promises';
import { PgduetError } from '../errors/index.js';
import type { TypeGraph } from '../model/index.js';
import type { GraphSource } from '../http/index.js';
import type { Logger } from 'pino';
import { buildLazyGraphqlSchema, type BuiltSchema } from './build-schema.js';
import { graphqlNaming, type GraphqlNaming } from './naming.js';

/**
 * The GraphQL schema of each type graph (the server's, and each role's), built once.
 *
 * The schema is lazy (lazy-schema.ts): building it makes the root types only. The build
 * starts as soon as the graph is there (`warmUp`), and is shared by every request that
 * arrives while it runs. A build that fails is logged once and remembered for that graph: requests get
 * PGD201 without building again, and a reload (a new graph) tries again. The WeakMap drops a
 * schema with its graph.
 */
export interface SchemaStore {
  /** the graph's schema, once built: starts the build if nothing did, rejects with PGD201 if it failed */
  ready(graph: TypeGraph): Promise<BuiltSchema>;
  /** the graph's schema after `ready` resolved (built here, at once, if it was not) */
  get(graph: TypeGraph): BuiltSchema;
  /** starts building the graph's schema in the background */
  warmUp(graph: TypeGraph): void;
}

type Entry = { readonly kind: 'building'; readonly promise: Promise<BuiltSchema> } | { readonly kind: 'built'; readonly built: BuiltSchema } | { readonly kind: 'failed'; readonly error: PgduetError };

export function createSchemaStore(logger: Logger, naming: GraphqlNaming = graphqlNaming()): SchemaStore {
  const entries = new WeakMap<TypeGraph, Entry>();

  const built = (graph: TypeGraph, schema: BuiltSchema): BuiltSchema => {
    for (const warning of schema.warnings) logger.warn(warning);
    entries.set(graph, { kind: 'built', built: schema });
    return schema;
  };
  const failed = (graph: TypeGraph, cause: unknown): PgduetError => {
    // one line, once per graph: every request after it gets the remembered error
    logger.error({ err: cause, fingerprint: graph.fingerprint }, 'the GraphQL schema could not be built; GraphQL answers PGD201 until the next reload');
    const error = new PgduetError('PGD201', 'the GraphQL schema could not be built; see the server log', { cause });
    entries.set(graph, { kind: 'failed', error });
    return error;
  };

  const start = (graph: TypeGraph): Promise<BuiltSchema> => {
    const promise = buildInBackground(graph, naming).then(
      (schema) => built(graph, schema),
      (cause: unknown) => {
        throw failed(graph, cause);
      },
    );
    // a background build nobody awaits yet must not be an unhandled rejection
    promise.catch(() => undefined);
    entries.set(graph, { kind: 'building', promise });
    return promise;
  };

  return {
    ready(graph) {
      const entry = entries.get(graph);
      if (entry === undefined) return start(graph);
      if (entry.kind === 'building') return entry.promise;
      return entry.kind === 'built' ? Promise.resolve(entry.built) : Promise.reject(entry.error);
    },
    get(graph) {
      const entry = entries.get(graph);
      if (entry?.kind === 'built') return entry.built;
      if (entry?.kind === 'failed') throw entry.error;
      try {
        return built(graph, buildLazyGraphqlSchema(graph, naming));
      } catch (cause) {
        throw failed(graph, cause);
      }
    },
    warmUp(graph) {
      if (!entries.has(graph)) void start(graph);
    },
  };
}

/**
 * The root types (lazy-schema.ts: the others are made on use), and the query root's fields,
 * which every query needs: in two turns of the event loop, after the current one.
 */
async function buildInBackground(graph: TypeGraph, naming: GraphqlNaming): Promise<BuiltSchema> {
  await nextTurn();
  const built = buildLazyGraphqlSchema(graph, naming);
  await nextTurn();
  built.schema.getQueryType()?.getFields();
  return built;
}

/**
 * Builds the schema of the server's graph now and after every reload, in the background, so
 * that the first GraphQL request does not wait for it. Roles with a graph of their own
 * (permissions) build theirs on first use.
 */
function warmUpSchemas(holder: GraphSource, schemas: SchemaStore): void {
  // another source still loading: its first graph comes as a swap
  if (holder.loaded !== false) schemas.warmUp(holder.current.graph);
  holder.onSwap((snapshot) => schemas.warmUp(snapshot.graph));
}

const stores = new WeakMap<GraphSource, SchemaStore>();

/**
 * The schema store of a server (of its graph source), warmed up: one per server, so that the
 * GraphQL mount and the SDL mount serve the same schema, built once.
 */
export function schemaStoreOf(holder: GraphSource, logger: Logger, naming: GraphqlNaming): SchemaStore {
  let store = stores.get(holder);
  if (store === undefined) {
    stores.set(holder, (store = createSchemaStore(logger, naming)));
    warmUpSchemas(holder, store);
  }
  return store;
}
