import type { LicenseObject, OpenAPIObject, ParameterObject, PathItemObject, SchemaObject, SecuritySchemeObject, TagObject } from 'openapi3-ts/oas31';
import type { DbRef, Entity, FunctionDef, TypeGraph } from '../../model/index.js';
import { commonParameters, filterParameter, RESERVED_QUERY_NAMES } from './common-parameters.js';
import { commonHeaders, errorResponses, errorSchema } from './common-responses.js';
import { entityPathItem } from './entity-path-item.js';
import { describeEntity, entitySchema, patchSchema } from './entity-schema.js';
import { functionPathItem } from './function-path-item.js';
import { NameAllocator, safeKey } from './name-allocator.js';
import { sortedRecord } from './refs.js';
import type { TypeContext } from './schema-for-type.js';

/** What the document says about itself; everything else comes from the graph. */
export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
  /** where the REST surface answers, e.g. `http://127.0.0.1:4000/rest` */
  readonly serverUrl: string;
  /** replaces the default description (the dialect in a paragraph) */
  readonly description?: string;
  /** the served API's license, if it has one (not pgduet's: the data is the owner's) */
  readonly license?: LicenseObject;
  /** e.g. `{ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }`; each is optional, anonymous calls stay allowed */
  readonly securitySchemes?: Readonly<Record<string, SecuritySchemeObject>>;
  /** the config's `output.exactNumbers`: how int8 and numeric appear in JSON (default `string`) */
  readonly exactNumbers?: 'string' | 'number';
}

const RPC_TAG = 'rpc';

/**
 * The OpenAPI 3.1 document of the REST surface for one type graph. Pure and deterministic:
 * paths, components and properties are sorted, names are allocated in sorted order, so the
 * same graph and options give the same JSON.
 */
export function renderOpenApi(graph: TypeGraph, options: OpenApiOptions): OpenAPIObject {
  const exactNumbers = options.exactNumbers ?? 'string';
  const entities = servedEntities(graph);
  const functions = servedFunctions(graph);

  // schemas: an entity takes its name, or `schema.name` when two schemas expose that name
  const schemaNames = new NameAllocator();
  const entitySchemas = new Map<string, string>();
  const shared = duplicates(graph.entities.map((e) => e.name));
  const candidates = graph.entities.map((e) => ({ e, wanted: safeKey(shared.has(e.name) ? `${e.schema}.${e.name}` : e.name) }));
  for (const { e, wanted } of candidates.sort((a, b) => compare(a.wanted, b.wanted))) entitySchemas.set(keyOf(e), schemaNames.allocate(wanted));
  const schemaOf = (e: Entity): string => entitySchemas.get(keyOf(e)) ?? unreachable(e);
  const types: TypeContext = {
    enums: new Map(graph.enums.map((e) => [keyOf(e), e])),
    composites: new Map(graph.composites.map((c) => [keyOf(c), c])),
    entitySchema: (ref) => entitySchemas.get(keyOf(ref)),
    exactNumbers,
  };
  const schemas = new Map<string, SchemaObject>(graph.entities.map((e) => [schemaOf(e), entitySchema(e, types)]));
  const patchOf = new Map<Entity, string>();
  for (const e of entities.filter((x) => x.operations.update)) {
    const key = schemaNames.allocate(`${schemaOf(e)}.patch`);
    patchOf.set(e, key);
    schemas.set(key, patchSchema(e, types));
  }
  const errorKey = schemaNames.allocate('Error');
  schemas.set(errorKey, errorSchema());

  const parameters: Record<string, ParameterObject> = commonParameters();
  const parameterNames = new NameAllocator();
  for (const key of Object.keys(parameters)) parameterNames.allocate(key);
  const operationIds = new NameAllocator();
  const tagNames = new NameAllocator();
  const tags: TagObject[] = [];
  const paths = new Map<string, PathItemObject>();

  for (const e of entities) {
    const filters = e.columns
      .filter((c) => !RESERVED_QUERY_NAMES.has(c.name))
      .sort((a, b) => compare(a.name, b.name))
      .map((c) => {
        const key = parameterNames.allocate(`rowFilter.${schemaOf(e)}.${safeKey(c.name)}`);
        parameters[key] = filterParameter(c.name);
        return key;
      });
    const tag = tagNames.allocate(e.name);
    tags.push({ name: tag, description: describeEntity(e) });
    const patch = patchOf.get(e);
    paths.set(
      `/${encodeURIComponent(e.name)}`,
      entityPathItem(e, {
        schema: schemaOf(e),
        ...(patch === undefined ? {} : { patch }),
        filters,
        tag,
        operationId: (method) => operationIds.allocate(`${method}-${safeKey(e.name)}`),
      }),
    );
  }
  if (functions.length > 0) {
    const tag = tagNames.allocate(RPC_TAG);
    tags.push({ name: tag, description: 'Functions: POST calls any, GET the stable and immutable ones (they change nothing).' });
    for (const overloads of functions) {
      const { name } = overloads[0];
      paths.set(
        `/rpc/${encodeURIComponent(name)}`,
        functionPathItem(overloads, { tag, operationId: (method) => operationIds.allocate(`${method}-rpc-${safeKey(name)}`) }, types),
      );
    }
  }

  const schemeNames = Object.keys(options.securitySchemes ?? {}).sort();
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description: options.description ?? defaultDescription(exactNumbers),
      ...(options.license === undefined ? {} : { license: options.license }),
    },
    servers: [{ url: options.serverUrl }],
    // every scheme is optional: `{}` lets a request without credentials run as the anonymous
    // role; with no scheme at all, `[]` says so outright
    security: schemeNames.length === 0 ? [] : [...schemeNames.map((n) => ({ [n]: [] })), {}],
    tags: tags.sort((a, b) => compare(a.name, b.name)),
    paths: sortedRecord(paths),
    components: {
      schemas: sortedRecord(schemas),
      parameters: sortedRecord(Object.entries(parameters)),
      headers: commonHeaders(),
      responses: errorResponses(errorKey),
      ...(options.securitySchemes === undefined ? {} : { securitySchemes: sortedRecord(Object.entries(options.securitySchemes)) }),
    },
  };
}

/**
 * One entity per exposed name. PostgREST serves one schema at a time; when two schemas
 * expose a name, the path documents the one of the schema listed first.
 */
function servedEntities(graph: TypeGraph): Entity[] {
  return firstPerName(graph, graph.entities).map(([e]) => e);
}

/** The functions of each exposed name (overloads together), sorted by name. */
function servedFunctions(graph: TypeGraph): [FunctionDef, ...FunctionDef[]][] {
  return firstPerName(graph, graph.functions);
}

function firstPerName<T extends DbRef & { readonly name: string }>(graph: TypeGraph, items: readonly T[]): [T, ...T[]][] {
  const rank = (schema: string): number => {
    const i = graph.schemas.indexOf(schema);
    return i === -1 ? graph.schemas.length : i;
  };
  const byName = new Map<string, [T, ...T[]]>();
  for (const item of items) {
    const held = byName.get(item.name);
    if (held === undefined || rank(item.schema) < rank(held[0].schema)) byName.set(item.name, [item]);
    else if (held[0].schema === item.schema) held.push(item);
  }
  return [...byName.entries()].sort(([a], [b]) => compare(a, b)).map(([, group]) => group);
}

function defaultDescription(exactNumbers: 'string' | 'number'): string {
  return [
    'REST over PostgreSQL in PostgREST’s dialect, served by pgduet from the database schema.',
    'Filter rows with `?column=operator.value` (`eq`, `neq`, `gt`, `gte`, `lt`, `lte`, `like`, `ilike`, `in.(a,b)`, `is.null`, `fts`…; `not.` negates), combine filters with `or=(…)` and `and=(…)`, choose columns and embed related rows with `select`, sort with `order`, and page with `limit` and `offset` or the `Range` header.',
    ...(exactNumbers === 'string' ? ['int8 and numeric values are JSON strings, so that no digit is lost.'] : []),
  ].join('\n\n');
}

function duplicates(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return twice;
}

function unreachable(e: Entity): never {
  throw new Error(`renderOpenApi: no schema name allocated for ${keyOf(e)}`);
}

function keyOf(ref: DbRef): string {
  return `${ref.schema}.${ref.dbName}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
