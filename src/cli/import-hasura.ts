import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml, type Tags } from 'yaml';
import { ROOT_FIELD_KINDS } from '../model/index.js';
import { configSchema } from '../config/index.js';

/**
 * `pgduet import-hasura`: a Hasura v2 project's metadata (an export.json, or a metadata
 * directory with `databases/databases.yaml` and its `!include`s) as a pgduet.yaml — custom
 * names, manual relationships, and every role's permissions, of every PostgreSQL source (the first
 * as the top level, each other as an entry of `sources:`). What pgduet derives by itself
 * (relationships from foreign keys, computed fields, functions) and what it has no counterpart
 * for (actions, remote schemas, triggers…) is listed at the top of the file, one line each.
 */

type Json = Record<string, unknown>;
interface QualifiedName { readonly schema?: string; readonly name: string }

export interface ImportResult {
  /** the pgduet.yaml, as an object */
  readonly config: Json;
  /** one line per thing not imported, with the reason */
  readonly notes: readonly string[];
}

/** The metadata (an object with `sources`, or v2's `tables`) read from a file or a directory. */
export function readHasuraMetadata(path: string): Json {
  if (statSync(path).isDirectory()) {
    const databases = readIncluding(join(path, 'databases', 'databases.yaml'));
    const optional = (name: string): unknown => {
      try {
        return readIncluding(join(path, name));
      } catch {
        return undefined;
      }
    };
    return { version: 3, sources: databases, actions: (optional('actions.yaml') as Json | undefined)?.['actions'], remote_schemas: optional('remote_schemas.yaml'), cron_triggers: optional('cron_triggers.yaml') };
  }
  const text = readFileSync(path, 'utf8');
  const parsed = (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
  // `hasura metadata export` gives the metadata; the export_metadata API may wrap it
  return (parsed['metadata'] as Json | undefined) ?? parsed;
}

/**
 * A YAML file with Hasura's `!include other.yaml` resolved against its own directory: the tag,
 * or the quoted string `"!include other.yaml"` that the Hasura CLI writes
 * (`tables: "!include default/tables/tables.yaml"`).
 */
function readIncluding(file: string): unknown {
  const tags: Tags = [{ tag: '!include', resolve: (value: string) => ({ '!include': value }) }];
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('!include ')) return readIncluding(join(dirname(file), value.slice('!include '.length).trim()));
    if (Array.isArray(value)) return value.map(resolve);
    if (value !== null && typeof value === 'object') {
      const include = (value as Json)['!include'];
      if (typeof include === 'string') return readIncluding(join(dirname(file), include));
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  return resolve(parseYaml(readFileSync(file, 'utf8'), { customTags: tags }));
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const qualified = (table: QualifiedName | string): string => (typeof table === 'string' ? table : `${table.schema ?? 'public'}.${table.name}`);

/** A role's rules in one source, as `permissions.<role>` writes them. */
type RoleRules = { tables: Json; functions?: string[] };

/** What pgduet names in one database: the keys `tables`, `relationships` and `permissions`. */
interface SourceParts {
  readonly tables: Json;
  readonly relationships: Json[];
  readonly permissions: Record<string, RoleRules>;
}

type Convention = 'hasura-default' | 'graphql-default';

/** The checks `sources:` makes of a name, a namespace and a type prefix: the importer asks them rather than repeating them. */
const sourceShape = configSchema.shape.sources.unwrap().element.shape;
const passes = (schema: { safeParse(value: unknown): { success: boolean } }, value: string): boolean => schema.safeParse(value).success;

/**
 * The first PostgreSQL source is the top level (`tables`, `relationships`, `permissions`), as
 * Hasura serves its fields at the top; every other is an entry of `sources:`, converted the same way.
 */
export function importHasura(metadata: Json): ImportResult {
  const notes: string[] = [];
  const given = metadata['sources'] !== undefined ? list(metadata['sources']) : [{ name: 'default', tables: metadata['tables'], functions: metadata['functions'] }];
  const [first, ...others] = given.filter((source) => isPostgres(source, notes));
  const config: Json = {};
  let firstConvention: Convention | undefined;
  if (first !== undefined) {
    firstConvention = importConvention(first, notes);
    noteFirstSourceCustomization(first, notes);
    const schemas = trackedSchemas(first);
    if (schemas !== undefined) config['database'] = { schemas };
    Object.assign(config, partsConfig(importSourceParts(first, notes)));
    if (firstConvention === 'graphql-default') config['graphql'] = { namingConvention: firstConvention };
  }
  const taken = new Set<string>();
  const sources = others.map((source) => importOtherSource(source, { taken, firstConvention, topLevelPermissions: config['permissions'] !== undefined }, notes));
  if (sources.length > 0) config['sources'] = sources;
  noteAbsent(metadata, notes);
  return { config, notes };
}

/** Hasura's `kind` (absent before it had other databases): only PostgreSQL's can be served. */
function isPostgres(source: Json, notes: string[]): boolean {
  const kind = source['kind'] ?? 'postgres';
  if (kind === 'postgres' || kind === 'pg') return true;
  notes.push(`source "${String(source['name'])}" (${String(kind)}): not imported — pgduet serves PostgreSQL databases only`);
  return false;
}

/**
 * The schemas of a source's tracked tables and functions, `public` first (Hasura's unprefixed
 * one), when they are not pgduet's default `[public]`: pgduet serves the schemas it is given.
 */
function trackedSchemas(source: Json): string[] | undefined {
  const named = [...list(source['tables']).map((entry) => entry['table']), ...list(source['functions']).map((entry) => entry['function'])];
  // Hasura's bare name (`table: film`) is a table of public
  const schemas = new Set(named.map((name) => (typeof name === 'object' && name !== null ? ((name as QualifiedName).schema ?? 'public') : 'public')));
  const ordered = [...schemas].sort((a, b) => Number(b === 'public') - Number(a === 'public'));
  return ordered.length === 0 || (ordered.length === 1 && ordered[0] === 'public') ? undefined : ordered;
}

/** The keys of a source's parts that have anything in them, as the top level or a `sources:` entry writes them. */
function partsConfig(parts: SourceParts): Json {
  const out: Json = {};
  if (Object.keys(parts.tables).length > 0) out['tables'] = parts.tables;
  if (parts.relationships.length > 0) out['relationships'] = parts.relationships;
  if (Object.keys(parts.permissions).length > 0) out['permissions'] = parts.permissions;
  return out;
}

/** A source's `customization.naming_convention` (graphql-default: `filmByPk`, `FilmBoolExp`), if pgduet knows it. */
function importConvention(source: Json, notes: string[]): Convention | undefined {
  const convention = customization(source)['naming_convention'];
  if (convention === undefined) return undefined;
  if (convention === 'hasura-default' || convention === 'graphql-default') return convention;
  notes.push(`customization.naming_convention "${String(convention)}": not imported — pgduet knows hasura-default and graphql-default`);
  return undefined;
}

const customization = (source: Json): Json => (source['customization'] ?? {}) as Json;
const customized = (source: Json, part: 'root_fields' | 'type_names'): Json => (customization(source)[part] ?? {}) as Json;

/** The first source's fields are pgduet's top level: it has no namespace or type prefix to carry over. */
function noteFirstSourceCustomization(source: Json, notes: string[]): void {
  for (const part of ['root_fields', 'type_names'] as const) {
    for (const [key, value] of Object.entries(customized(source, part))) {
      if (value !== undefined && value !== null) notes.push(`customization.${part}.${key} ${JSON.stringify(value)}: not imported — pgduet serves the first source's fields and types at the top level, as named`);
    }
  }
}

/** Tables (names, root fields, `is_enum`), manual relationships and every role's permissions of one source. */
function importSourceParts(source: Json, notes: string[]): SourceParts {
  const parts: SourceParts = { tables: {}, relationships: [], permissions: {} };
  for (const entry of list(source['tables'])) importTable(entry, parts, notes);
  for (const entry of list(source['functions'])) importFunction(entry, parts, notes);
  return parts;
}

function importTable(entry: Json, parts: SourceParts, notes: string[]): void {
  const key = qualified(entry['table'] as QualifiedName);
  const options = tableOptions(key, (entry['configuration'] ?? {}) as Json, notes);
  if (entry['is_enum'] === true) options['isEnum'] = true;
  importRelationships(key, entry, parts, notes);
  for (const field of list(entry['computed_fields'])) {
    const fn = ((field['definition'] as Json | undefined)?.['function'] ?? {}) as QualifiedName | string;
    notes.push(`${key}.${String(field['name'])}: computed field — pgduet serves ${qualified(fn)} as the field "${typeof fn === 'string' ? fn : fn.name}" of ${key} by itself (a stable function whose first argument is the row)`);
  }
  for (const trigger of list(entry['event_triggers'])) notes.push(`${key}: event trigger "${String(trigger['name'])}" not imported — pgduet has no event triggers; use LISTEN/NOTIFY or a logical replication consumer`);
  importTablePermissions(key, entry, parts, notes);
  if (Object.keys(options).length > 0) parts.tables[key] = options;
}

/** A table's custom name, column names and root fields. */
function tableOptions(key: string, configuration: Json, notes: string[]): Json {
  const options: Json = {};
  if (typeof configuration['custom_name'] === 'string') options['name'] = configuration['custom_name'];
  const columns: Json = {};
  for (const [column, config] of Object.entries((configuration['column_config'] ?? {}) as Record<string, Json>)) {
    if (typeof config['custom_name'] === 'string') columns[column] = { name: config['custom_name'] };
  }
  for (const [column, name] of Object.entries((configuration['custom_column_names'] ?? {}) as Record<string, string>)) columns[column] ??= { name };
  if (Object.keys(columns).length > 0) options['columns'] = columns;
  const rootFields = importRootFields(key, configuration['custom_root_fields'], notes);
  if (rootFields !== undefined) options['rootFields'] = rootFields;
  return options;
}

/** Manual relationships as `relationships:`; those on a foreign key pgduet derives by itself. */
function importRelationships(key: string, entry: Json, parts: SourceParts, notes: string[]): void {
  for (const kind of ['object', 'array'] as const) {
    for (const rel of list(entry[`${kind}_relationships`])) {
      const using = (rel['using'] ?? {}) as Json;
      const manual = using['manual_configuration'] as Json | undefined;
      if (manual !== undefined) {
        parts.relationships.push({ table: key, name: rel['name'], type: kind, target: qualified(manual['remote_table'] as QualifiedName), mapping: manual['column_mapping'] });
      } else {
        notes.push(`${key}.${String(rel['name'])}: ${kind} relationship from a foreign key — pgduet derives it; check its name (rename with tables.${key}.relationships)`);
      }
    }
  }
}

function importTablePermissions(key: string, entry: Json, parts: SourceParts, notes: string[]): void {
  for (const [action, rule] of [['select', 'select_permissions'], ['insert', 'insert_permissions'], ['update', 'update_permissions'], ['delete', 'delete_permissions']] as const) {
    for (const granted of list(entry[rule])) {
      const role = String(granted['role']);
      const p = (granted['permission'] ?? {}) as Json;
      const out: Json = {};
      if (action !== 'delete') out['columns'] = p['columns'] === '*' ? '*' : (p['columns'] ?? []);
      if (p['filter'] !== undefined && Object.keys(p['filter'] as Json).length > 0) out['filter'] = p['filter'];
      if (p['check'] !== undefined && Object.keys(p['check'] as Json).length > 0) out['check'] = p['check'];
      if (p['set'] !== undefined && Object.keys(p['set'] as Json).length > 0) out['set'] = p['set'];
      if (action === 'select' && typeof p['limit'] === 'number') out['limit'] = p['limit'];
      if (action === 'select' && p['allow_aggregations'] === true) out['allowAggregations'] = true;
      if (action === 'update' && p['check'] === undefined) delete out['check'];
      if (p['computed_fields'] !== undefined && list(p['computed_fields']).length > 0) notes.push(`${key}: ${role} may select computed fields ${list(p['computed_fields']).join(', ')} — grant their functions with permissions.${role}.functions`);
      const roleRules = (parts.permissions[role] ??= { tables: {} });
      ((roleRules.tables[key] ??= {}) as Json)[action] = out;
    }
  }
}

/** A tracked function: pgduet serves it by itself; the roles Hasura lets call it get it in `permissions.<role>.functions`. */
function importFunction(entry: Json, parts: SourceParts, notes: string[]): void {
  const name = qualified(entry['function'] as QualifiedName | string);
  for (const granted of list(entry['permissions'])) {
    const roleRules = (parts.permissions[String(granted['role'])] ??= { tables: {} });
    roleRules.functions = [...(roleRules.functions ?? []), name];
  }
  const custom = (entry['configuration'] as Json | undefined)?.['custom_name'];
  if (typeof custom === 'string') notes.push(`function ${name}: custom_name "${custom}" not imported — rename it with functions.${name}.name`);
}

interface OtherSourceContext {
  /** the pgduet names given so far: each must differ */
  readonly taken: Set<string>;
  /** the first source's convention, which is `graphql.namingConvention` and so every source's default */
  readonly firstConvention: Convention | undefined;
  /** whether the top level has permissions, which a source without its own would take */
  readonly topLevelPermissions: boolean;
}

/**
 * A source after the first as an entry of `sources:`: its database (URL, read replicas, pool
 * size), its parts converted as the first source's are, its naming convention, namespace and
 * type prefix. Its notes begin with the source's name: its tables may be named as the first's.
 */
function importOtherSource(source: Json, context: OtherSourceContext, allNotes: string[]): Json {
  const given = String(source['name']);
  const notes: string[] = [];
  const name = importSourceName(given, context.taken, notes);
  const connection = (((source['configuration'] ?? {}) as Json)['connection_info'] ?? {}) as Json;
  const out: Json = { name, url: importSourceUrl(name, connection['database_url'], notes) };
  const schemas = trackedSchemas(source);
  if (schemas !== undefined) out['schemas'] = schemas;
  const replicas = importReplicas(source, notes);
  if (replicas.length > 0) out['replicas'] = replicas;
  const poolSize = importPoolSize(connection, notes);
  if (poolSize !== undefined) out['poolSize'] = poolSize;
  const convention = otherConvention(source, context.firstConvention, notes);
  if (convention !== undefined) out['namingConvention'] = convention;
  Object.assign(out, importNamespace(name, source, notes));
  const parts = partsConfig(importSourceParts(source, notes));
  // without permissions of its own a source takes the top-level ones; Hasura gives a source without any to the admin only
  if (parts['permissions'] === undefined && context.topLevelPermissions) parts['permissions'] = {};
  Object.assign(out, parts);
  allNotes.push(...notes.map((note) => `source "${given}": ${note}`));
  return out;
}

/** Another source's convention: its own, else Hasura's default where pgduet would give it the first's (graphql.namingConvention). */
function otherConvention(source: Json, firstConvention: Convention | undefined, notes: string[]): Convention | undefined {
  const convention = importConvention(source, notes);
  if (convention !== undefined || firstConvention !== 'graphql-default') return convention;
  notes.push('no customization.naming_convention: namingConvention hasura-default (Hasura\'s default), not the first source\'s graphql-default');
  return 'hasura-default';
}

/**
 * Hasura's source name as a pgduet source name (a URL segment and a GraphQL name, unique, not
 * reserved): other characters become `_`; a name still refused, or already taken, is made so.
 */
function importSourceName(given: string, taken: Set<string>, notes: string[]): string {
  const spelt = given.replace(/[^A-Za-z0-9_]/g, '_');
  const valid = passes(sourceShape.name, spelt) ? spelt : `source_${spelt}`;
  let name = valid;
  for (let n = 2; taken.has(name); n++) name = `${valid}_${n}`;
  taken.add(name);
  if (name !== given) notes.push(`named "${name}" in pgduet — a source's name is a URL segment and a GraphQL name (letters, digits and _, unique; not rpc, sdl or default)`);
  return name;
}

/**
 * `configuration.connection_info.database_url`: a URL; `{from_env: VAR}` as `${VAR}`, which
 * pgduet.yaml reads from the environment at start-up (config/load.ts); connection parameters as
 * the URL they spell. Anything else is `${<NAME>_DATABASE_URL}`, which the user is told to set.
 */
function importSourceUrl(name: string, given: unknown, notes: string[]): string {
  const url = connectionUrl(given);
  if (url !== undefined) return url;
  const variable = `${name.toUpperCase()}_DATABASE_URL`;
  // its value is not repeated: incomplete connection parameters may hold a password
  notes.push(`database_url: not imported (${UNREADABLE_URL}) — the url is \${${variable}}; set ${variable} to its postgres:// URL`);
  return `\${${variable}}`;
}

const UNREADABLE_URL = 'neither a URL, {from_env: NAME} with a NAME of letters, digits and _, nor connection_parameters with username, host and database';

function connectionUrl(given: unknown): string | undefined {
  if (typeof given === 'string') return given;
  if (given === null || typeof given !== 'object') return undefined;
  const { from_env: variable, connection_parameters: parameters } = given as Json;
  // the names config/load.ts interpolates
  if (typeof variable === 'string') return /^[A-Za-z_][A-Za-z0-9_]*$/.test(variable) ? `\${${variable}}` : undefined;
  if (parameters !== null && typeof parameters === 'object') return parametersUrl(parameters as Json);
  return undefined;
}

/** Hasura's `connection_parameters` ({username, password, host, port, database}) as a postgres:// URL. */
function parametersUrl(p: Json): string | undefined {
  const { username, password, host, port, database } = p;
  if (typeof username !== 'string' || typeof host !== 'string' || typeof database !== 'string') return undefined;
  const credentials = typeof password === 'string' ? `${encodeURIComponent(username)}:${encodeURIComponent(password)}` : encodeURIComponent(username);
  const at = typeof port === 'number' || typeof port === 'string' ? `${host}:${String(port)}` : host;
  return `postgres://${credentials}@${at}/${encodeURIComponent(database)}`;
}

/** `configuration.read_replicas[].database_url` as `replicas`; one that has no URL is left out, with a note. */
function importReplicas(source: Json, notes: string[]): string[] {
  const replicas: string[] = [];
  for (const [i, replica] of list(((source['configuration'] ?? {}) as Json)['read_replicas']).entries()) {
    const url = connectionUrl(replica['database_url']);
    if (url === undefined) notes.push(`read_replicas[${i}]: not imported (${UNREADABLE_URL}) — add its URL to replicas`);
    else replicas.push(url);
  }
  return replicas;
}

/** `connection_info.pool_settings.max_connections` as `poolSize` (which pgduet bounds at 1000). */
function importPoolSize(connection: Json, notes: string[]): number | undefined {
  const max = ((connection['pool_settings'] ?? {}) as Json)['max_connections'];
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) return undefined;
  if (max <= 1000) return max;
  notes.push(`pool_settings.max_connections ${max}: imported as poolSize 1000, pgduet's most`);
  return 1000;
}

/**
 * `root_fields.namespace` and `type_names.prefix` as `namespace` and `typePrefix`. Without a
 * namespace, Hasura puts the source's root fields beside the first's: so does pgduet with
 * `namespace: null`. Its types are prefixed all the same (default `<name>_`).
 */
function importNamespace(name: string, source: Json, notes: string[]): Json {
  const out: Json = {};
  const rootFields = customized(source, 'root_fields');
  const typeNames = customized(source, 'type_names');
  const namespace = customizedName(rootFields, 'root_fields.namespace', sourceShape.namespace, notes);
  const prefix = customizedName(typeNames, 'type_names.prefix', sourceShape.typePrefix, notes);
  const fieldPrefix = customizedName(rootFields, 'root_fields.prefix', sourceShape.rootFieldPrefix, notes);
  const fieldSuffix = customizedName(rootFields, 'root_fields.suffix', sourceShape.rootFieldSuffix, notes);
  if (fieldPrefix !== undefined) out['rootFieldPrefix'] = fieldPrefix;
  if (fieldSuffix !== undefined) out['rootFieldSuffix'] = fieldSuffix;
  if (namespace !== undefined) out['namespace'] = namespace;
  else if (rootFields['namespace'] === undefined || rootFields['namespace'] === null) out['namespace'] = null;
  if (prefix !== undefined) out['typePrefix'] = prefix;
  else if (typeNames['prefix'] === undefined || typeNames['prefix'] === null) notes.push(`no customization.type_names.prefix: pgduet prefixes its GraphQL type names with "${name}_" (two databases' types in one schema) — set typePrefix to choose another`);
  for (const [part, values, kept] of [['root_fields', rootFields, ['namespace', 'prefix', 'suffix']], ['type_names', typeNames, ['prefix']]] as const) {
    for (const [key, value] of Object.entries(values)) {
      if (!(kept as readonly string[]).includes(key) && value !== undefined && value !== null) notes.push(`customization.${part}.${key} ${JSON.stringify(value)}: not imported — pgduet has a namespace, a root field prefix and suffix, and a type prefix`);
    }
  }
  return out;
}

/** A customization's name, when the source's schema takes it as written. */
function customizedName(values: Json, path: `${'root_fields' | 'type_names'}.${string}`, schema: { safeParse(value: unknown): { success: boolean } }, notes: string[]): string | undefined {
  const value = values[path.slice(path.indexOf('.') + 1)];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && passes(schema, value)) return value;
  notes.push(`customization.${path} ${JSON.stringify(value)}: not imported — expected a GraphQL name; pgduet's default is used`);
  return undefined;
}

/** The parts of Hasura's metadata pgduet has no counterpart for, one note each. */
function noteAbsent(metadata: Json, notes: string[]): void {
  const absent = (key: string, reason: string): void => {
    const value = metadata[key];
    const count = Array.isArray(value) ? value.length : value !== undefined && value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
    if (count > 0) notes.push(`${key} (${count}): not imported — ${reason}`);
  };
  absent('actions', 'pgduet has no actions; call a PostgreSQL function (a mutation field) or a plugin instead');
  absent('remote_schemas', 'pgduet does not stitch remote schemas; put a gateway in front');
  absent('cron_triggers', 'pgduet has no scheduler; use pg_cron');
  absent('query_collections', 'use graphql.limits persisted queries (the allow-list) instead');
  absent('rest_endpoints', 'pgduet serves REST in PostgREST\'s dialect at /rest');
  absent('inherited_roles', 'roles are not combined; write the rules of each role');
}

/** The pgduet.yaml text: the notes as comments, then the configuration. */
export function importedYaml(result: ImportResult, from: string): string {
  const header = [`# pgduet.yaml imported from Hasura metadata (${from}) by pgduet import-hasura`, ...(result.notes.length === 0 ? [] : ['#', '# Not imported, or done by pgduet by itself:', ...result.notes.map((n) => `# - ${n}`)]), ''];
  return `${header.join('\n')}${stringifyYaml(result.config)}`;
}

/**
 * Hasura's `custom_root_fields` (`{select: "films", select_by_pk: {name: "film", comment: …}}`)
 * as `tables.<t>.rootFields`: the names, which pgduet uses as written too; comments are not kept.
 */
function importRootFields(key: string, given: unknown, notes: string[]): Record<string, string> | undefined {
  if (given === undefined || given === null || typeof given !== 'object') return undefined;
  const known: ReadonlySet<string> = new Set(ROOT_FIELD_KINDS);
  const out: Record<string, string> = {};
  for (const [kind, value] of Object.entries(given as Record<string, unknown>)) {
    const name = typeof value === 'string' ? value : typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' ? (value as { name: string }).name : undefined;
    if (name === undefined) continue;
    if (!known.has(kind)) {
      notes.push(`${key}: custom root field "${kind}" not imported — pgduet has no such root field`);
      continue;
    }
    out[kind] = name;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
