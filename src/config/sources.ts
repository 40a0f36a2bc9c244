import { z } from 'zod';
import type { Config, SourceOptions } from './schema.js';

/**
 * `sources:` — further PostgreSQL databases behind the same server (Hasura's sources,
 * DreamFactory's unified API layer). The `database:` section (with the top-level `tables`,
 * `functions`, `relationships` and `permissions`) stays the first source, served as without
 * `sources`; each one listed here is served at `<restPath>/<name>/…` with its own pool,
 * replicas, type graph, reload and OpenAPI document, and passes the same chain (identity,
 * rate limits, audit…) with its own permissions.
 *
 * The parts that name tables (`tables`, `functions`, `relationships`) and `permissions` are
 * the top-level schemas, passed in by `config/schema.ts` so that this file owns only what is
 * particular to a source.
 */

/**
 * A source's name: one URL path segment and one GraphQL name at once (`[A-Za-z_][A-Za-z0-9_]*`,
 * not starting with `__`, which GraphQL reserves).
 */
const SOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names a source cannot take: what the first source's REST API already serves below its prefix
 * (`/rest/rpc/…`), and the first source's own name (`default`, as Hasura calls its first).
 */
const RESERVED = new Set(['rpc', 'default', 'sdl']);

/** `postgres://…` as the `database:` section accepts it (the check is the config schema's). */
type UrlSchema = z.ZodType<string>;

export function sourceOptions<T extends z.ZodType, F extends z.ZodType, R extends z.ZodType, P extends z.ZodType>(parts: {
  readonly url: UrlSchema;
  readonly tables: T;
  readonly functions: F;
  readonly relationships: R;
  readonly permissions: P;
}) {
  return z
    .object({
      /** `/rest/<name>/…`; a GraphQL name and a URL segment */
      name: z
        .string()
        .regex(SOURCE_NAME, 'expected a name of letters, digits and _ (not starting with a digit): it is a URL segment and a GraphQL name')
        .refine((n) => !n.startsWith('__'), 'names starting with __ are reserved by GraphQL')
        .refine((n) => !RESERVED.has(n), `"rpc", "sdl" and "default" are reserved (REST's /rpc/…, GraphQL's /sdl, the first source)`),
      url: parts.url,
      schemas: z.array(z.string().min(1)).min(1).default(['public']),
      /** read replicas of `url` (as `database.replicas`) */
      replicas: z.array(parts.url).default([]),
      /** this source's pool size; default `database.poolSize` */
      poolSize: z.number().int().min(1).max(1000).optional(),
      /** a direct connection for LISTEN (schema reloads), when `url` goes through a pooler; default `url` */
      listenUrl: parts.url.optional(),
      tables: parts.tables,
      functions: parts.functions,
      relationships: parts.relationships,
      /**
       * this source's permissions (the shape of the top-level `permissions`); absent: the
       * top-level ones hold here too (a table they do not name is hidden from the role)
       */
      permissions: parts.permissions.optional(),
      /**
       * the root field this source's GraphQL API stands under in the first source's schema
       * (`{ archive { film { title } } }`: Hasura's `customization.root_fields.namespace`); default
       * the name. `null`: its root fields stand beside the first source's (`{ book { title } film
       * { title } }`), as Hasura serves a source without a namespace
       */
      namespace: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a GraphQL name').refine((n) => !n.startsWith('__'), 'names starting with __ are reserved by GraphQL').nullable().optional(),
      /** what begins each of its GraphQL type names there (Hasura's `customization.type_names.prefix`); default `<name>_` */
      typePrefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the beginning of a GraphQL name (not empty: the types must differ from the first source\'s)').refine((n) => !n.startsWith('__'), 'names starting with __ are reserved by GraphQL').optional(),
      /**
       * what begins and ends each of its root field names in the first source's schema (Hasura's
       * `customization.root_fields.prefix` and `.suffix`): with `namespace: null`, `old_film` beside `film`
       */
      rootFieldPrefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the beginning of a GraphQL name').optional(),
      rootFieldSuffix: z.string().regex(/^[A-Za-z0-9_]+$/, 'expected letters, digits or _').optional(),
      /** Hasura's per-source `customization.naming_convention`; default `graphql.namingConvention` */
      namingConvention: z.enum(['hasura-default', 'graphql-default']).optional(),
    })
    .strict();
}

/**
 * Source names must differ: each is a path and a GraphQL field; so must their namespaces, and
 * their type prefixes may not begin one another (`a_` and `a_b_` would make names of both).
 */
export function uniqueSourceNames(sources: readonly { readonly name: string; readonly namespace?: string | null | undefined; readonly typePrefix?: string | undefined }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  const namespaces = new Set<string>();
  const prefixes: string[] = [];
  for (const [i, source] of sources.entries()) {
    if (seen.has(source.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another source is named "${source.name}"` });
    seen.add(source.name);
    const namespace = source.namespace === undefined ? source.name : source.namespace;
    if (namespace !== null && namespaces.has(namespace)) ctx.addIssue({ code: 'custom', path: [i, 'namespace'], message: `another source stands under the GraphQL namespace "${namespace}"` });
    if (namespace !== null) namespaces.add(namespace);
    const prefix = source.typePrefix ?? `${source.name}_`;
    const other = prefixes.find((p) => p.startsWith(prefix) || prefix.startsWith(p));
    if (other !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'typePrefix'], message: `the type prefix "${prefix}" and another source's "${other}" would name the same types` });
    prefixes.push(prefix);
  }
}

/**
 * The configuration a source is served with: the server's, with the source's database, the
 * parts that name its tables, its permissions (else the top-level ones), and the REST API at
 * `<restPath>/<name>`, GraphQL at `<graphqlPath>/<name>`. Everything else (auth, limits, CORS, timeouts) is the server's. Every
 * module that serves the first source from a Config serves a source from this one unchanged.
 */
export function configForSource(config: Config, source: SourceOptions): Config {
  const restPath = config.server.restPath.replace(/\/+$/, '');
  return {
    ...config,
    database: {
      ...config.database,
      url: source.url,
      schemas: source.schemas,
      replicas: source.replicas,
      poolSize: source.poolSize ?? config.database.poolSize,
      listenUrl: source.listenUrl,
    },
    tables: source.tables,
    functions: source.functions,
    relationships: source.relationships,
    permissions: source.permissions ?? config.permissions,
    graphql: { ...config.graphql, namingConvention: source.namingConvention ?? config.graphql.namingConvention },
    server: { ...config.server, restPath: `${restPath}/${source.name}`, graphqlPath: `${config.server.graphqlPath.replace(/\/+$/, '')}/${source.name}` },
    sources: [],
  };
}
