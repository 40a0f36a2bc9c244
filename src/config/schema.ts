import { parse as parseConnectionString } from 'pg-connection-string';
import { z } from 'zod';
import { graphqlLimitsOptions } from './graphql-limits.js';
import { cacheOptions } from '../cache/index.js';
import { pluginOptionsShape } from '../chain/index.js';
import { builtInPlugins } from '../../plugins/index.js';
import { sourceOptions, uniqueSourceNames } from './sources.js';
import { ROOT_FIELD_KINDS } from '../model/index.js';

/**
 * The shape of `pgduet.yaml`, with every default. Unknown keys are errors (`.strict()`):
 * a misspelt key that is silently ignored is a setting the user believes in but does not have.
 * Later features (auth, permissions, limits, plugins) add their sections here.
 */

const name = z.string().min(1, 'expected a non-empty name');

/** a name GraphQL can spell (a root field's) */
const graphqlName = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, 'expected a GraphQL name (letters, digits and _, not starting with a digit)').refine((s) => !s.startsWith('__'), 'a name starting with __ is reserved by GraphQL');

/** `table` or `schema.table` */
const qualifiedName = z
  .string()
  .regex(/^[^.]+(\.[^.]+)?$/, 'expected "name" or "schema.name"');

/** What can be said of a column or a function: hide it, or show it under another name. */
const omitOrRename = z
  .object({
    omit: z.boolean().optional(),
    name: name.optional(),
  })
  .strict();

const tableOptions = z
  .object({
    omit: z.boolean().optional(),
    name: name.optional(),
    description: z.string().optional(),
    columns: z.record(z.string(), omitOrRename).optional(),
    /** renames of derived relationships: `{ old_name: new_name }` */
    relationships: z.record(z.string(), name).optional(),
    /** a primary key for views (which have none in the catalog) */
    primaryKey: z.array(name).min(1).optional(),
    /** REST `PATCH` / `DELETE` without any filter (every row): refused unless this is true */
    allowUnfilteredWrites: z.boolean().optional(),
    /**
     * Hasura's enum table: a text primary key `value` (and optionally `comment`); its rows
     * become a GraphQL enum, the type of every column referencing it
     */
    isEnum: z.boolean().optional(),
    /**
     * Hasura's `custom_root_fields`: a root field's own name, used as written (`select`,
     * `select_by_pk`, `select_aggregate`, `select_stream`, `select_groups`, `insert`,
     * `insert_one`, `update`, `update_by_pk`, `update_many`, `delete`, `delete_by_pk`)
     */
    rootFields: z.object(Object.fromEntries(ROOT_FIELD_KINDS.map((kind) => [kind, graphqlName.optional()]))).strict().optional(),
  })
  .strict();

const manualRelationship = z
  .object({
    /** the entity that gets the relationship (`schema.table` or `table`) */
    table: qualifiedName,
    name,
    type: z.enum(['object', 'array']),
    /** the related entity */
    target: qualifiedName,
    /** source column → target column */
    mapping: z.record(z.string(), z.string()).refine((m) => Object.keys(m).length > 0, 'expected at least one column pair'),
  })
  .strict();

/** What pg accepts, including socket forms such as `postgres://u:p@/db?host=/cloudsql/x`. */
function isPostgresUrl(url: string): boolean {
  if (!/^postgres(ql)?:\/\//.test(url)) return false;
  try {
    parseConnectionString(url);
    return true;
  } catch {
    return false;
  }
}

const postgresUrl = z.string().refine(isPostgresUrl, 'expected a postgres:// or postgresql:// connection URL');

/** One more database behind the server (config/sources.ts); `database:` is the first. */
const source = sourceOptions({
  url: postgresUrl,
  tables: z.record(qualifiedName, tableOptions).default({}),
  functions: z.record(qualifiedName, omitOrRename).default({}),
  relationships: z.array(manualRelationship).default([]),
  permissions: pluginOptionsShape(builtInPlugins, '').permissions,
});

export const configSchema = z
  .object({
    database: z
      .object({
        /** `postgres://…`; when absent, pgduet starts its embedded database */
        url: z
          .string()
          .refine(isPostgresUrl, 'expected a postgres:// or postgresql:// connection URL')
          .optional(),
        poolSize: z.number().int().min(1).max(1000).default(10),
        schemas: z.array(name).min(1).default(['public']),
        /** how long a request waits for a pooled connection (then 503, PGRST003) or a new connection to open */
        connectTimeoutMs: z.number().int().min(100).default(5000),
        /**
         * `statement_timeout` of every statement, in every mode, in ms (0: none); a cancelled
         * statement is REST 504 / GraphQL `timeout`. Per role: `postgres.statementTimeoutMs.roles`
         */
        statementTimeoutMs: z.number().int().min(0).default(30_000),
        /** at most this many requests of one role use the database at once: for every role, and per role (absent: no cap) */
        concurrency: z
          .object({ default: z.number().int().min(1).optional(), roles: z.record(z.string(), z.number().int().min(1)).default({}) })
          .strict()
          .prefault({}),
        /**
         * read replicas (streaming standbys of `url`): reads go to them in turn, writes and
         * volatile functions to `url`; a replica that fails is left out and tried again later
         */
        replicas: z.array(z.string().refine(isPostgresUrl, 'expected a postgres:// or postgresql:// connection URL')).default([]),
        /** after a write, the same caller's reads go to the primary for this long (ms; per instance, in memory); 0: never */
        readYourWritesMs: z.number().int().min(0).default(0),
        /**
         * named prepared statements (parsed once per connection); `false` behind a
         * transaction-mode pooler (PgBouncer, Supavisor), which hands each transaction another connection
         */
        preparedStatements: z.boolean().default(true),
        /**
         * a direct connection (not through a transaction-mode pooler) for LISTEN: schema reloads
         * and live-query NOTIFY; default `url`
         */
        listenUrl: z.string().refine(isPostgresUrl, 'expected a postgres:// or postgresql:// connection URL').optional(),
      })
      .strict()
      .prefault({}),
    embedded: z
      .object({
        /** where the embedded database keeps its files between runs */
        dataDir: z.string().default('.pgduet/data'),
        /** a throwaway in-memory database */
        memory: z.boolean().default(false),
        /** load the sample schema into an empty embedded database */
        sample: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    naming: z
      .object({
        /** `database`: names as they are in the database; `camel`: firstName, filmActors */
        case: z.enum(['database', 'camel']).default('database'),
      })
      .strict()
      .prefault({}),
    tables: z.record(qualifiedName, tableOptions).default({}),
    functions: z.record(qualifiedName, omitOrRename).default({}),
    relationships: z.array(manualRelationship).default([]),
    /** further databases, each at `<restPath>/<name>/…` (config/sources.ts); `database:` is the first */
    sources: z.array(source).superRefine(uniqueSourceNames).default([]),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4000),
        graphqlPath: z.string().regex(/^\/[^?#]*$/, 'expected a path starting with /').default('/graphql'),
        restPath: z.string().regex(/^\/[^?#]*$/, 'expected a path starting with /').default('/rest'),
        /** how long SIGTERM waits for in-flight requests before closing anyway */
        shutdownTimeoutMs: z.number().int().min(0).default(10_000),
        /** a request body larger than this is refused (413) */
        maxBodyBytes: z.number().int().min(1).default(10 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    /**
     * Cross-origin requests (browsers on another origin), for REST and GraphQL alike: the
     * origins allowed (`https://app.example`); empty: any origin, as PostgREST and Hasura do
     */
    cors: z
      .object({
        origins: z.array(z.string().regex(/^(\*|[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+)$/i, 'expected "*" or an origin such as https://app.example')).default([]),
      })
      .strict()
      .prefault({}),
    graphql: z
      .object({
        /**
         * Answer a query whose every field PostgreSQL can shape with one statement whose JSON
         * goes to the client unparsed; `false` always uses the resolvers (DataLoader).
         */
        oneStatement: z.boolean().default(true),
        /**
         * bigint, numeric and float8 as JSON strings (Hasura's HASURA_GRAPHQL_STRINGIFY_NUMERIC_TYPES),
         * aggregates included; by default JSON numbers, as Hasura sends them
         */
        stringifyNumericTypes: z.boolean().default(false),
        /**
         * Hasura's naming convention of the GraphQL schema: `hasura-default` (`film_by_pk`,
         * `film_bool_exp`, `order_by: {title: asc}`) or `graphql-default` (`filmByPk`,
         * `FilmBoolExp`, `orderBy: {title: ASC}`); env HASURA_GRAPHQL_DEFAULT_NAMING_CONVENTION
         */
        namingConvention: z.enum(['hasura-default', 'graphql-default']).default('hasura-default'),
        /**
         * at most this many rows in one top-level list; a list with more is an error naming the
         * field, never a silent cut (GraphQL cannot say it cut an answer); `null`: no bound
         */
        maxRows: z.number().int().min(1).nullable().default(100_000),
        /** depth, aliases, directives, tokens, cost, introspection and persisted-only, for everyone and per role */
        limits: graphqlLimitsOptions.prefault({}),
      })
      .strict()
      .prefault({}),
    /** where the answers of `@cached` GraphQL queries are kept: memory (default) or Redis (src/cache) */
    cache: cacheOptions.prefault({}),
    /** GraphQL subscriptions (WebSocket) and REST server-sent events: the live machinery (src/live) */
    subscriptions: z
      .object({
        /** ms between refetches of every live query shape (Hasura's refetch interval: 1 s) */
        interval: z.number().int().min(10).default(1000),
        /** at most this many cohorts (distinct variables and session values) in one refetch statement */
        batchSize: z.number().int().min(1).default(100),
        /** a WebSocket that has not sent `connection_init` by then is closed (4408) */
        connectionInitTimeoutMs: z.number().int().min(1).default(3000),
        /** ms between keep-alives (graphql-transport-ws: ping; the legacy protocol: `ka`); 0: none */
        keepAliveMs: z.number().int().min(0).default(12_000),
        /** `NOTIFY <channel>, 'schema.table'` refetches at once the live queries reading that table; null: no LISTEN */
        notifyChannel: z.string().min(1).nullable().default('pgduet_changes'),
        /** at most this many subscriptions on one connection, and on this instance (per role below) */
        maxPerConnection: z.number().int().min(1).default(200),
        maxPerInstance: z.number().int().min(1).default(50_000),
        /** per role: `{ maxPerConnection, maxPerInstance }` in place of the above */
        roles: z.record(z.string(), z.object({ maxPerConnection: z.number().int().min(1).optional(), maxPerInstance: z.number().int().min(1).optional() }).strict()).default({}),
        /** a subscriber that has this many results unsent (a stream's batches) is ended: a slow consumer cannot grow memory */
        maxPending: z.number().int().min(1).default(100),
      })
      .strict()
      .prefault({}),
    rest: z
      .object({
        /**
         * at most this many rows in one REST answer (PostgREST's db-max-rows): a larger page is
         * cut to it and `Content-Range` shows where it ends (`0-99999/*`); `null`: no bound
         */
        maxRows: z.number().int().min(1).nullable().default(100_000),
        /**
         * EXPLAIN through `Accept: application/vnd.pgrst.plan+json|text` (PostgREST's
         * db-plan-enabled); off by default: a plan shows the shape of the data and its policies
         */
        explain: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    output: z
      .object({
        /** the older switch of graphql.stringifyNumericTypes: `string` is `true` */
        exactNumbers: z.enum(['string', 'number']).optional(),
      })
      .strict()
      .prefault({}),
    schemaCache: z
      .object({
        dir: z.string().default('schema-cache'),
      })
      .strict()
      .prefault({}),
    reload: z
      .object({
        /** LISTEN on this channel; `NOTIFY pgduet, 'reload schema'` reloads */
        channel: z.string().min(1).default('pgduet'),
        listen: z.boolean().default(true),
        /** coalesce bursts of DDL into one reload */
        debounceMs: z.number().int().min(0).default(100),
      })
      .strict()
      .prefault({}),
    /**
     * Identity (see plugins/jwt, plugins/api-key, plugins/require-credentials): `anonymousRole`,
     * `jwt`, `apiKeys`. Their options are declared by the plugins.
     */
    auth: z
      .object({ ...pluginOptionsShape(builtInPlugins, 'auth') })
      .strict()
      .prefault({}),
    /**
     * The built-in plugins' top-level keys, declared by the plugins (plugins/index.ts):
     * `permissions`, `limits`, `rateLimit`, `ipAllow`, `audit`, `postgres`.
     */
    ...pluginOptionsShape(builtInPlugins, ''),
    /** your own plugins, in order, after the built-in ones unless their before/after say otherwise (see plugins/examples) */
    plugins: z
      .array(z.object({ module: z.string().min(1), options: z.unknown().optional() }).strict())
      .default([]),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The validated configuration, every default filled in. */
export type Config = z.infer<typeof configSchema>;
/** What a user may write in `pgduet.yaml`. */
export type ConfigInput = z.input<typeof configSchema>;
export type TableOptions = z.infer<typeof tableOptions>;
export type ManualRelationshipOptions = z.infer<typeof manualRelationship>;
export type SourceOptions = z.infer<typeof source>;
