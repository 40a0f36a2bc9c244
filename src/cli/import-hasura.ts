import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml, type Tags } from 'yaml';
import { ROOT_FIELD_KINDS } from '../model/index.js';

/**
 * `pgduet import-hasura`: a Hasura v2 project's metadata (an export.json, or a metadata
 * directory with `databases/databases.yaml` and its `!include`s) as a pgduet.yaml — custom
 * names, manual relationships, and every role's permissions. What pgduet derives by itself
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

/** A YAML file with Hasura's `!include other.yaml` resolved against its own directory. */
function readIncluding(file: string): unknown {
  const tags: Tags = [{ tag: '!include', resolve: (value: string) => ({ '!include': value }) }];
  const resolve = (value: unknown): unknown => {
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

export function importHasura(metadata: Json): ImportResult {
  const notes: string[] = [];
  const tables: Json = {};
  const relationships: Json[] = [];
  const permissions: Record<string, { tables: Json; functions?: string[] }> = {};
  let namingConvention: unknown;
  const sources = metadata['sources'] !== undefined ? list(metadata['sources']) : [{ name: 'default', tables: metadata['tables'], functions: metadata['functions'] }];
  for (const [i, source] of sources.entries()) {
    if (i > 0) notes.push(`source "${String(source['name'])}": not imported — pgduet serves one database (database.url); import it into a second pgduet`);
    if (i > 0) continue;
    // the source's naming convention (graphql-default: `filmByPk`, `FilmBoolExp`) is graphql.namingConvention
    namingConvention = ((source['customization'] ?? {}) as Json)['naming_convention'];
    if (namingConvention !== undefined && namingConvention !== 'hasura-default' && namingConvention !== 'graphql-default') {
      notes.push(`customization.naming_convention "${String(namingConvention)}": not imported — pgduet knows hasura-default and graphql-default`);
    }
    for (const entry of list(source['tables'])) {
      const table = entry['table'] as QualifiedName;
      const key = qualified(table);
      const options: Json = {};
      const configuration = (entry['configuration'] ?? {}) as Json;
      if (typeof configuration['custom_name'] === 'string') options['name'] = configuration['custom_name'];
      const columns: Json = {};
      for (const [column, config] of Object.entries((configuration['column_config'] ?? {}) as Record<string, Json>)) {
        if (typeof config['custom_name'] === 'string') columns[column] = { name: config['custom_name'] };
      }
      for (const [column, name] of Object.entries((configuration['custom_column_names'] ?? {}) as Record<string, string>)) columns[column] ??= { name };
      if (Object.keys(columns).length > 0) options['columns'] = columns;
      const rootFields = importRootFields(key, configuration['custom_root_fields'], notes);
      if (rootFields !== undefined) options['rootFields'] = rootFields;
      if (entry['is_enum'] === true) options['isEnum'] = true;
      for (const kind of ['object', 'array'] as const) {
        for (const rel of list(entry[`${kind}_relationships`])) {
          const using = (rel['using'] ?? {}) as Json;
          const manual = using['manual_configuration'] as Json | undefined;
          if (manual !== undefined) {
            relationships.push({ table: key, name: rel['name'], type: kind, target: qualified(manual['remote_table'] as QualifiedName), mapping: manual['column_mapping'] });
          } else {
            notes.push(`${key}.${String(rel['name'])}: ${kind} relationship from a foreign key — pgduet derives it; check its name (rename with tables.${key}.relationships)`);
          }
        }
      }
      for (const field of list(entry['computed_fields'])) {
        const fn = ((field['definition'] as Json | undefined)?.['function'] ?? {}) as QualifiedName | string;
        notes.push(`${key}.${String(field['name'])}: computed field — pgduet serves ${qualified(fn)} as the field "${typeof fn === 'string' ? fn : fn.name}" of ${key} by itself (a stable function whose first argument is the row)`);
      }
      for (const trigger of list(entry['event_triggers'])) notes.push(`${key}: event trigger "${String(trigger['name'])}" not imported — pgduet has no event triggers; use LISTEN/NOTIFY or a logical replication consumer`);
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
          const roleRules = (permissions[role] ??= { tables: {} });
          ((roleRules.tables[key] ??= {}) as Json)[action] = out;
        }
      }
      if (Object.keys(options).length > 0) tables[key] = options;
    }
    for (const entry of list(source['functions'])) {
      const fn = entry['function'] as QualifiedName | string;
      const name = qualified(fn);
      for (const granted of list(entry['permissions'])) {
        const roleRules = (permissions[String(granted['role'])] ??= { tables: {} });
        roleRules.functions = [...(roleRules.functions ?? []), name];
      }
      const custom = (entry['configuration'] as Json | undefined)?.['custom_name'];
      if (typeof custom === 'string') notes.push(`function ${name}: custom_name "${custom}" not imported — rename it with functions.${name}.name`);
    }
  }
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
  const config: Json = {};
  if (Object.keys(tables).length > 0) config['tables'] = tables;
  if (relationships.length > 0) config['relationships'] = relationships;
  if (Object.keys(permissions).length > 0) config['permissions'] = permissions;
  if (namingConvention === 'graphql-default') config['graphql'] = { namingConvention };
  return { config, notes };
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
