import type { Catalog, CatalogColumn, CatalogConstraint, CatalogRelation } from '../introspection/index.js';
import { buildFunctions } from './functions.js';
import { compare } from './compare.js';
import { resolveConfigKeys } from './config-keys.js';
import { defaultInflection, type Inflection } from './inflect.js';
import { configDigest, DEFAULT_MODEL_OPTIONS, type ModelOptions, type TableConfig } from './model-options.js';
import { optional } from './optional.js';
import { deriveRelations } from './relations.js';
import { makeTypeResolver, mentionsType } from './resolve-type.js';
import { parseSmartComment } from './smart-comments.js';
import {
  TYPE_GRAPH_VERSION,
  type Column,
  type CompositeDef,
  type Entity,
  type EntityKind,
  type DbRef,
  type EnumDef,
  type EnumTableValue,
  type ForeignKey,
  type RootFieldKind,
  type TypeGraph,
} from './type-graph.js';

export interface BuildResult {
  readonly graph: TypeGraph;
  /** config entries that name nothing in the database, and other things worth a log line */
  readonly warnings: readonly string[];
}

const KINDS: Readonly<Record<CatalogRelation['relkind'], EntityKind>> = {
  r: 'table',
  p: 'partitioned_table',
  v: 'view',
  m: 'materialized_view',
  f: 'foreign_table',
};

// pg_relation_is_updatable's bits
const INSERTABLE = 8;
const UPDATABLE = 4;
const DELETABLE = 16;

/**
 * Catalog → TypeGraph. Pure: the same catalog and options always give the same graph.
 * Omitted objects are dropped here, so nothing downstream can expose them by mistake.
 */
export function buildTypeGraph(
  catalog: Catalog,
  fingerprint: string,
  options: ModelOptions = DEFAULT_MODEL_OPTIONS,
  inflection: Inflection = defaultInflection(options.naming),
): BuildResult {
  const warnings: string[] = [];
  const resolveType = makeTypeResolver(catalog.types);
  const tableConfig = resolveConfigKeys(options.tables, catalog.relations, catalog.schemas, 'tables', warnings);

  const columnsByRel = groupBy(catalog.columns, (c) => c.relid);
  const constraintsByRel = groupBy(catalog.constraints, (c) => c.relid);
  for (const schema of options.schemas ?? []) {
    if (!catalog.schemas.includes(schema)) warnings.push(`schema "${schema}" does not exist (or is not visible to this user)`);
  }

  const exposed = new Map<string, CatalogRelation>();
  /** row types of omitted tables, as `schema.name`: a column or function using one is hidden too */
  const omittedTypes = new Set<string>();
  for (const rel of catalog.relations) {
    const tags = parseSmartComment(rel.comment);
    if (tags.omit || tableConfig.get(rel.oid)?.omit === true) omittedTypes.add(`${rel.schema}.${rel.name}`);
    else exposed.set(rel.oid, rel);
  }
  const entityNames = new Set<string>();

  const entities: Entity[] = [];
  for (const rel of exposed.values()) {
    const config = tableConfig.get(rel.oid);
    const tags = parseSmartComment(rel.comment);
    const allColumns = columnsByRel.get(rel.oid) ?? [];
    const attname = new Map(allColumns.map((c) => [c.attnum, c.name]));
    const names = (attnums: readonly number[] | null): string[] => (attnums ?? []).map((n) => attname.get(n) ?? `#${n}`);
    const constraints = constraintsByRel.get(rel.oid) ?? [];
    const pk = constraints.find((c) => c.contype === 'p');

    const where = `${rel.schema}.${rel.name}`;
    const name = config?.name ?? tags.name ?? inflection.convention(rel.name);
    // two tables of one schema cannot share a name in either API; the first keeps it
    if (entityNames.has(`${rel.schema}.${name}`)) {
      warnings.push(`${where}: the name "${name}" is taken by another table of schema ${rel.schema}; not exposed`);
      continue;
    }
    entityNames.add(`${rel.schema}.${name}`);
    const columns = buildColumns(allColumns, config, inflection, resolveType, omittedTypes, where, warnings);
    if (pk !== undefined && config?.primaryKey !== undefined) {
      warnings.push(`tables.${where}.primaryKey: the table has a primary key (${names(pk.columns).join(', ')}); ignored`);
    }
    const mask = rel.updatable_mask;
    const kind = KINDS[rel.relkind];
    const writable = kind === 'table' || kind === 'partitioned_table';
    entities.push({
      schema: rel.schema,
      dbName: rel.name,
      name,
      kind,
      ...optional('description', config?.description ?? tags.description),
      columns,
      primaryKey: pk !== undefined ? names(pk.columns) : declaredKey(config?.primaryKey, columns, where, warnings),
      ...optional('primaryKeyConstraint', pk?.name),
      uniqueKeys: constraints
        .filter((c) => c.contype === 'u')
        .map((c) => ({ name: c.name, columns: names(c.columns) })),
      foreignKeys: constraints.flatMap((c) => foreignKeyOf(c, names, exposed, columnsByRel)),
      checks: constraints
        .filter((c) => c.contype === 'c')
        .map((c) => ({ name: c.name, definition: c.definition ?? '' })),
      relations: [],
      ...optional('enumValues', enumValuesOf(catalog, rel, config, warnings)),
      ...optional('rootFields', rootFieldsOf(config)),
      operations: {
        select: true,
        insert: writable || (mask !== null && (mask & INSERTABLE) !== 0),
        update: writable || (mask !== null && (mask & UPDATABLE) !== 0),
        delete: writable || (mask !== null && (mask & DELETABLE) !== 0),
      },
    });
  }
  entities.sort((a, b) => compare(a.schema, b.schema) || compare(a.dbName, b.dbName));
  markEnumColumns(entities);

  const withViewKeys = addViewForeignKeys(entities, catalog, exposed, columnsByRel);
  const withRelations = deriveRelations(withViewKeys, options, catalog.schemas, inflection, warnings);
  const functions = buildFunctions(catalog, exposed, omittedTypes, withRelations, options, inflection, resolveType, warnings);

  const enums: EnumDef[] = catalog.types
    .filter((t) => t.typtype === 'e')
    .map((t) => {
      const tags = parseSmartComment(t.comment);
      return {
        schema: t.schema,
        dbName: t.name,
        name: tags.name ?? t.name,
        values: [...(t.enum_values ?? [])],
        ...optional('description', tags.description),
      };
    })
    .sort((a, b) => compare(a.schema, b.schema) || compare(a.dbName, b.dbName));

  const composites: CompositeDef[] = catalog.types
    .filter((t) => t.typtype === 'c' && t.attributes !== null)
    .map((t) => {
      const tags = parseSmartComment(t.comment);
      return {
        schema: t.schema,
        dbName: t.name,
        name: tags.name ?? inflection.convention(t.name),
        fields: (t.attributes ?? []).map((a) => ({
          name: inflection.convention(a.name),
          type: resolveType(a.type_oid),
          nullable: !a.not_null,
        })),
        ...optional('description', tags.description),
      };
    })
    .sort((a, b) => compare(a.schema, b.schema) || compare(a.dbName, b.dbName));

  return {
    graph: {
      version: TYPE_GRAPH_VERSION,
      fingerprint,
      configDigest: configDigest(options),
      serverVersionNum: catalog.server_version_num,
      schemas: [...catalog.schemas],
      entities: withRelations,
      functions,
      enums,
      composites,
    },
    warnings,
  };
}

/** The values of a table configured as an enum table, as loaded (undefined: not one, or unusable). */
function enumValuesOf(catalog: Catalog, rel: CatalogRelation, config: TableConfig | undefined, warnings: string[]): EnumTableValue[] | undefined {
  if (config?.isEnum !== true) return undefined;
  const loaded = catalog.enum_tables?.find((t) => t.schema === rel.schema && t.name === rel.name);
  if (loaded === undefined) {
    warnings.push(`tables.${rel.schema}.${rel.name}.isEnum: an enum table needs a text primary key "value" (and optionally a "comment" column); not an enum`);
    return undefined;
  }
  return loaded.rows.map((r) => ({ value: r.value, ...optional('comment', r.comment ?? undefined) }));
}

/** Columns whose one-column foreign key references an enum table's `value` take its values. */
function markEnumColumns(entities: Entity[]): void {
  const enumTables = new Map(entities.filter((e) => e.enumValues !== undefined).map((e) => [`${e.schema}.${e.dbName}`, e]));
  if (enumTables.size === 0) return;
  entities.forEach((entity, i) => {
    const marks = new Map<string, DbRef>();
    for (const fk of entity.foreignKeys) {
      const column = fk.columns[0];
      if (fk.columns.length !== 1 || column === undefined || fk.targetColumns[0] !== 'value' || !enumTables.has(`${fk.target.schema}.${fk.target.dbName}`)) continue;
      marks.set(column, { schema: fk.target.schema, dbName: fk.target.dbName });
    }
    if (marks.size === 0) return;
    entities[i] = { ...entity, columns: entity.columns.map((c) => { const target = marks.get(c.dbName); return target === undefined ? c : { ...c, enumTable: target }; }) };
  });
}

function buildColumns(
  all: readonly CatalogColumn[],
  config: TableConfig | undefined,
  inflection: Inflection,
  resolveType: ReturnType<typeof makeTypeResolver>,
  omittedTypes: ReadonlySet<string>,
  where: string,
  warnings: string[],
): Column[] {
  const known = new Set(all.map((c) => c.name));
  for (const key of Object.keys(config?.columns ?? {})) {
    if (!known.has(key)) warnings.push(`tables.${where}.columns.${key}: no such column`);
  }
  const columns: Column[] = [];
  for (const c of all) {
    const tags = parseSmartComment(c.comment);
    const own = config?.columns?.[c.name];
    if (tags.omit || own?.omit === true) continue;
    const type = resolveType(c.type_oid);
    if (mentionsType(type, omittedTypes)) {
      warnings.push(`${where}.${c.name}: its type is an omitted table's row type; not exposed`);
      continue;
    }
    let name = own?.name ?? tags.name ?? inflection.convention(c.name);
    // `first_name` and `firstName` both camelCase to `firstName`: the later keeps its own name
    if (columns.some((other) => other.name === name)) {
      const fallback = columns.some((other) => other.name === c.name) ? undefined : c.name;
      warnings.push(`${where}.${c.name}: the name "${name}" is taken by another column; ${fallback === undefined ? 'not exposed' : `exposed as "${fallback}"`}`);
      if (fallback === undefined) continue;
      name = fallback;
    }
    columns.push({
      name,
      dbName: c.name,
      type,
      nullable: !c.not_null,
      hasDefault: c.has_default || c.identity !== '' || c.generated !== '',
      ...optional('default', c.default_expr ?? undefined),
      ...(c.identity === '' ? {} : { identity: c.identity === 'a' ? ('always' as const) : ('by_default' as const) }),
      generated: c.generated === 's',
      ...optional('description', tags.description),
    });
  }
  return columns;
}

/** A primary key declared in the config for a view: its columns must exist. */
function declaredKey(key: readonly string[] | undefined, columns: readonly Column[], where: string, warnings: string[]): string[] {
  if (key === undefined) return [];
  const missing = key.filter((k) => !columns.some((c) => c.dbName === k));
  if (missing.length === 0) return [...key];
  warnings.push(`tables.${where}.primaryKey: no column ${missing.join(', ')}; ignored`);
  return [];
}

function foreignKeyOf(
  c: CatalogConstraint,
  names: (attnums: readonly number[] | null) => string[],
  relByOid: ReadonlyMap<string, CatalogRelation>,
  columnsByRel: ReadonlyMap<string, readonly CatalogColumn[]>,
): Entity['foreignKeys'] {
  if (c.contype !== 'f' || c.foreign_relid === null) return [];
  const target = relByOid.get(c.foreign_relid);
  // a foreign key to a table outside the exposed schemas, or omitted, is not the API's
  if (target === undefined) return [];
  const targetNames = new Map((columnsByRel.get(target.oid) ?? []).map((col) => [col.attnum, col.name]));
  return [
    {
      name: c.name,
      columns: names(c.columns),
      target: { schema: target.schema, dbName: target.name },
      targetColumns: (c.foreign_columns ?? []).map((n) => targetNames.get(n) ?? `#${n}`),
    },
  ];
}

/**
 * PostgREST's relationships through views: a view whose columns include every column of a base
 * table's foreign key (as they are, per the view's query tree) has that foreign key too, under
 * the same name, and so does a view showing every referenced column: view → table, table →
 * view and view → view, one for each pair of sides.
 */
function addViewForeignKeys(
  entities: readonly Entity[],
  catalog: Catalog,
  exposed: ReadonlyMap<string, CatalogRelation>,
  columnsByRel: ReadonlyMap<string, readonly CatalogColumn[]>,
): Entity[] {
  const entityByName = new Map(entities.map((e) => [`${e.schema}.${e.dbName}`, e]));
  const entityOf = new Map<string, Entity>();
  for (const [oid, rel] of exposed) {
    const entity = entityByName.get(`${rel.schema}.${rel.name}`);
    if (entity !== undefined) entityOf.set(oid, entity);
  }
  // Indexed once: for every table, the views that show its columns, each with "table attnum → view
  // column name" (only names the view entity exposes). Looking the views up per foreign key instead
  // made this quadratic: 20,000 keys × 10,200 relations took 20 s on the 10,000-table bench schema.
  const viewsOfTable = new Map<string, { entity: Entity; shown: Map<number, string> }[]>();
  for (const [oid, rel] of exposed) {
    const view = entityOf.get(oid);
    if (view === undefined || rel.view_columns === undefined || rel.view_columns === null) continue;
    const viewNames = new Map((columnsByRel.get(oid) ?? []).map((c) => [c.attnum, c.name]));
    const exposedNames = new Set(view.columns.map((col) => col.dbName));
    const perTable = new Map<string, Map<number, string>>();
    for (const v of rel.view_columns) {
      const name = viewNames.get(v.attnum);
      if (name === undefined || !exposedNames.has(name)) continue;
      const tableOid = String(v.table_oid);
      const shown = perTable.get(tableOid) ?? new Map<number, string>();
      // the first view column showing a table column wins, as find() did
      if (!shown.has(v.table_attnum)) shown.set(v.table_attnum, name);
      perTable.set(tableOid, shown);
    }
    for (const [tableOid, shown] of perTable) {
      const list = viewsOfTable.get(tableOid) ?? [];
      list.push({ entity: view, shown });
      viewsOfTable.set(tableOid, list);
    }
  }
  /** the sides a table's columns can be seen from: the table itself, and each view showing all of them */
  const sides = (tableOid: string, attnums: readonly number[]): { entity: Entity; columns: string[]; view: boolean }[] => {
    const out: { entity: Entity; columns: string[]; view: boolean }[] = [];
    const views = viewsOfTable.get(String(tableOid)) ?? [];
    const table = entityOf.get(tableOid);
    const tableNames = new Map((columnsByRel.get(tableOid) ?? []).map((c) => [c.attnum, c.name]));
    if (table !== undefined) out.push({ entity: table, columns: attnums.map((n) => tableNames.get(n) ?? `#${n}`), view: false });
    for (const { entity, shown } of views) {
      const columns = attnums.map((n) => shown.get(n));
      if (columns.every((c): c is string => c !== undefined)) out.push({ entity, columns, view: true });
    }
    return out;
  };
  const added = new Map<Entity, ForeignKey[]>();
  for (const c of catalog.constraints) {
    if (c.contype !== 'f' || c.foreign_relid === null || c.columns === null || c.foreign_columns === null) continue;
    const sources = sides(c.relid, c.columns);
    const targets = sides(c.foreign_relid, c.foreign_columns);
    for (const source of sources) {
      for (const target of targets) {
        if (!source.view && !target.view) continue;
        const list = added.get(source.entity) ?? [];
        list.push({ name: c.name, columns: source.columns, target: { schema: target.entity.schema, dbName: target.entity.dbName }, targetColumns: target.columns, viaView: true });
        added.set(source.entity, list);
      }
    }
  }
  return entities.map((e) => (added.has(e) ? { ...e, foreignKeys: [...e.foreignKeys, ...(added.get(e) ?? [])] } : e));
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** The root field names the config sets (undefined entries left out), or undefined for none. */
function rootFieldsOf(config: TableConfig | undefined): Entity['rootFields'] {
  const set = Object.entries(config?.rootFields ?? {}).filter((entry): entry is [RootFieldKind, string] => entry[1] !== undefined);
  return set.length === 0 ? undefined : Object.fromEntries(set);
}
