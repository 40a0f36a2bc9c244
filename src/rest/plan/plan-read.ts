import { invalidRequest, notSupported } from '../../errors/index.js';
import type { Entity, TypeGraph, TypeRef } from '../../model/index.js';
import { joinOf, type Condition, type OrderItem, type ReadPlan, type Selection, type Source } from '../../plan/index.js';
import type { EmbedPath, Filter, OrderTerm, RangeRequest, Condition as RestCondition, RestQuery, SelectItem } from '../parse/index.js';
import { columnRef, embedNullFilter, findComputedField, jsonPath, pathType, planCondition } from './conditions.js';
import { notEmbedded, resolveColumn, resolveEmbedding, tableAlias, type Embedding } from './resolve.js';

/**
 * A REST read (`GET /rest/film?select=…&rating=eq.PG&order=title&limit=25`) as a ReadPlan,
 * the way PostgREST's `readPlan` builds its tree: the `select` tree first (columns, embedded
 * resources), then each query parameter lands on the level of the tree its path names
 * (filters, orders, limits), then `!inner` embeddings and `rel=not.is.null` filters become
 * conditions of their parents. Conditions are planned once the whole tree is known, so that
 * `rel=not.is.null` sees the filters of `rel` wherever they stand in the query string, and a
 * logic tree may test an embedding too (`or=(title.eq.X,rel.not.is.null)`).
 */

/** One level of the tree: an entity's rows, and what the query asks of them. */
interface Level {
  readonly graph: TypeGraph;
  readonly entity: Entity;
  readonly path: EmbedPath;
  readonly items: (Selection | Child)[];
  /** embedded resources by the name the query uses for them (alias, else relation name) */
  readonly children: Map<string, Child>;
  /** the filters and logic trees addressed to this level, planned by `levelWhere` */
  readonly conditions: RestCondition[];
  order: OrderItem[];
  limit?: number;
  offset?: number;
}

interface Child {
  readonly kind: 'child';
  readonly key: string;
  readonly embedding: Embedding;
  readonly level: Level;
  readonly spread: boolean;
  readonly inner: boolean;
  /** `rel()` or `rel!inner()`: there to filter by, not in the output (as in PostgREST) */
  readonly hidden: boolean;
}

export interface ReadOptions {
  /** rows from a function instead of the entity (RPC returning SETOF <entity>) */
  readonly source?: Source;
  /** the `Range` header, applied to the top level with `limit`/`offset` */
  readonly range?: RangeRequest;
  /**
   * at most this many rows at the top level (`rest.maxRows`, PostgREST's `db-max-rows`): a
   * larger page is cut to it, and `Content-Range` says where it ends
   */
  readonly maxRows?: number | null | undefined;
}

export function planRead(graph: TypeGraph, entity: Entity, query: RestQuery, options: ReadOptions = {}): ReadPlan {
  const root = buildLevel(graph, entity, query.select ?? [{ kind: 'star' }], []);
  for (const { path, condition } of query.conditions) levelAt(root, path).conditions.push(condition);
  for (const { path, terms } of query.order) {
    const level = levelAt(root, path);
    level.order = terms.map((term) => orderItem(graph, level, term));
  }
  for (const { path, value } of query.limits) levelAt(root, path).limit = value;
  for (const { path, value } of query.offsets) levelAt(root, path).offset = value;
  applyRange(root, options.range);
  if (options.maxRows !== undefined && options.maxRows !== null) root.limit = Math.min(root.limit ?? Infinity, options.maxRows);
  return finish(root, options.source ?? { kind: 'entity', entity: { schema: entity.schema, dbName: entity.dbName } });
}

function isBareCount(entity: Entity, item: Extract<SelectItem, { kind: 'field' }>): boolean {
  return item.field.name === 'count' && item.field.jsonPath.length === 0 && item.aggregate === undefined && item.cast === undefined && !hasColumn(entity, 'count');
}

function hasColumn(entity: Entity, name: string): boolean {
  return entity.columns.some((c) => c.name === name);
}

/**
 * A filter or logic tree of a level as a Plan condition. A filter naming an embedded resource
 * of the level (and no column) asks whether that resource is there: `rel=is.null`,
 * `rel=not.is.null`, at the top or inside `or=(…)`/`and=(…)`.
 */
function levelCondition(level: Level, condition: RestCondition): Condition {
  if (condition.kind !== 'filter') {
    const tree: Condition = { kind: condition.kind, conditions: condition.conditions.map((c) => levelCondition(level, c)) };
    return condition.negated ? { kind: 'not', condition: tree } : tree;
  }
  const child = level.children.get(condition.field.name);
  if (child !== undefined && !hasColumn(level.entity, condition.field.name)) return embedPresence(child, condition);
  return planCondition(condition, level.entity, level.graph);
}

function levelAt(root: Level, path: EmbedPath): Level {
  let level = root;
  for (const [i, name] of path.entries()) {
    const child = level.children.get(name);
    if (child === undefined) throw notEmbedded(path.slice(0, i + 1));
    level = child.level;
  }
  return level;
}

/** `Range: 10-19` and `limit`/`offset` both apply: the page is their intersection (as in PostgREST). */
function applyRange(root: Level, range: RangeRequest | undefined): void {
  if (range === undefined) return;
  const queryLow = root.offset ?? 0;
  const queryHigh = root.limit === undefined ? Infinity : queryLow + root.limit - 1;
  const rangeHigh = range.limit === undefined ? Infinity : range.offset + range.limit - 1;
  const low = Math.max(queryLow, range.offset);
  const high = Math.min(queryHigh, rangeHigh);
  root.offset = low;
  if (high !== Infinity) root.limit = Math.max(0, high - low + 1);
}

function buildLevel(graph: TypeGraph, entity: Entity, items: readonly SelectItem[], path: EmbedPath): Level {
  const level: Level = { graph, entity, path, items: [], children: new Map(), conditions: [], order: [] };
  for (const item of items) {
    switch (item.kind) {
      case 'star':
        for (const column of entity.columns) level.items.push({ kind: 'column', key: column.name, column: column.dbName, type: column.type });
        break;
      case 'field':
        if (path.length > 0 && isBareCount(entity, item)) {
          // `films(count)`: in an embedded resource, a bare count is count() (PostgREST)
          level.items.push({ kind: 'aggregate', key: item.alias ?? 'count', fn: 'count' });
          break;
        }
        level.items.push(computedField(graph, entity, item) ?? fieldSelection(entity, item, tableAlias(entity, path.length)));
        break;
      case 'count':
        level.items.push({ kind: 'aggregate', key: item.alias ?? 'count', fn: 'count', ...(item.cast === undefined ? {} : { cast: castType(item.cast) }) });
        break;
      case 'embed': {
        const aggregate = aggregateInEmbedForm(graph, entity, item, tableAlias(entity, path.length));
        if (aggregate !== undefined) {
          level.items.push(aggregate);
          break;
        }
        const embedding = resolveEmbedding(graph, entity, item.relation, item.hint);
        const key = item.alias ?? item.relation;
        const childLevel = buildLevel(graph, embedding.target, item.select, [...path, key]);
        const child: Child = { kind: 'child', key, embedding, level: childLevel, spread: item.spread, inner: item.join === 'inner', hidden: item.select.length === 0 };
        if (level.children.has(key)) {
          // PostgREST's SQL joins each embedding under one alias: PostgreSQL refuses the second
          throw invalidRequest(`table name "${entity.dbName}_${item.relation}_${path.length + 1}" specified more than once`, { postgrest: '42712' });
        }
        level.children.set(key, child);
        level.items.push(child);
        break;
      }
    }
  }
  return level;
}

/**
 * A computed field (PostgREST's): a stable function whose one argument without a default is a
 * row of the entity, selected by its name (`select=title,film_title_length`). `*` leaves them out.
 */
function computedField(graph: TypeGraph, entity: Entity, item: Extract<SelectItem, { kind: 'field' }>): Selection | undefined {
  const name = item.field.name;
  if (hasColumn(entity, name) || item.field.jsonPath.length > 0 || item.aggregate !== undefined || item.cast !== undefined) return undefined;
  const fn = findComputedField(graph, entity, name);
  if (fn === undefined || fn.returns.kind !== 'value') return undefined;
  return { kind: 'computed', key: item.alias ?? name, fn: { schema: fn.schema, dbName: fn.dbName }, type: fn.returns.type };
}

function fieldSelection(entity: Entity, item: Extract<SelectItem, { kind: 'field' }>, alias: string): Selection {
  const column = resolveColumn(entity, item.field.name, alias);
  const last = item.field.jsonPath[item.field.jsonPath.length - 1];
  const path = item.field.jsonPath.length > 0 ? jsonPath(column, item.field) : undefined;
  const valueType = path === undefined ? column.type : pathType(column, item.field);
  const cast = item.cast === undefined ? undefined : castType(item.cast);
  if (item.aggregate !== undefined) {
    const key = item.alias ?? item.aggregate;
    const aggregateCast = item.aggregateCast === undefined ? undefined : castType(item.aggregateCast);
    return {
      kind: 'aggregate',
      key,
      fn: item.aggregate,
      column: { column: column.dbName, type: valueType, ...(path === undefined ? {} : { path }), ...(cast === undefined ? {} : { cast }) },
      ...(aggregateCast === undefined ? {} : { cast: aggregateCast }),
    };
  }
  // PostgREST names a JSON path's value after its last key; after an index, after the last
  // key before it (`data->tags->0` is `tags`), else the column (`data->0` is `data`)
  const lastKey = [...item.field.jsonPath].reverse().find((step) => typeof step.key === 'string')?.key;
  const key = item.alias ?? (last === undefined ? column.name : typeof last.key === 'string' ? last.key : String(lastKey ?? column.name));
  return {
    kind: 'column',
    key,
    column: column.dbName,
    type: cast ?? valueType,
    ...(path === undefined ? {} : { path }),
    ...(cast === undefined ? {} : { cast }),
  };
}

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);

/**
 * `sum(amount)` parses as an embedding named `sum` (PostgREST's grammar writes `amount.sum()`);
 * when no relationship has that name, it is read as the aggregate it looks like.
 */
function aggregateInEmbedForm(graph: TypeGraph, entity: Entity, item: Extract<SelectItem, { kind: 'embed' }>, alias: string): Selection | undefined {
  if (!AGGREGATES.has(item.relation) || item.spread || item.hint !== undefined || item.join !== undefined) return undefined;
  const isRelation = entity.relations.some((r) => r.name === item.relation || graph.entities.some((e) => e.name === item.relation && e.schema === r.target.schema && e.dbName === r.target.dbName));
  if (isRelation) return undefined;
  const fn = item.relation as 'count' | 'sum' | 'avg' | 'min' | 'max';
  const inner = item.select;
  if (inner.length === 0 && fn === 'count') return { kind: 'aggregate', key: item.alias ?? 'count', fn };
  const only = inner[0];
  if (inner.length !== 1 || only === undefined || only.kind !== 'field' || only.aggregate !== undefined) return undefined;
  const column = resolveColumn(entity, only.field.name, alias);
  return { kind: 'aggregate', key: item.alias ?? fn, fn, column: { column: column.dbName, type: column.type } };
}

function embedPresence(child: Child, filter: Filter): Condition {
  const presence = embedNullFilter(filter);
  const related: Condition = { kind: 'related', join: joinOf(child.embedding.relation), condition: childWhere(child.level) };
  return presence === 'exists' ? related : { kind: 'not', condition: related };
}

/**
 * One term of `order=`. `rel(col)` names an embedded resource of this level by the name the
 * select gave it (its alias, else its relation name), as PostgREST does, so that
 * `select=*,language!language_id(name)&order=language(name)` orders by the embedding the select
 * disambiguated; a relationship that is not embedded is resolved by name.
 */
function orderItem(graph: TypeGraph, level: Level, term: OrderTerm): OrderItem {
  const entity = level.entity;
  const direction = term.direction ?? 'asc';
  const nulls = term.nulls === undefined ? {} : { nulls: term.nulls };
  if (term.relation === undefined) {
    const ref = columnRef(entity, term.field, graph);
    return { target: { kind: 'column', column: ref.column, ...(ref.path === undefined ? {} : { path: ref.path }), ...(ref.computed === undefined ? {} : { computed: ref.computed }) }, direction, ...nulls };
  }
  const embedding = level.children.get(term.relation)?.embedding ?? resolveEmbedding(graph, entity, term.relation, undefined);
  if (embedding.relation.type !== 'object') {
    throw invalidRequest(`A related order on '${term.relation}' is not possible`, { postgrest: 'PGRST118', details: `'${entity.name}' and '${term.relation}' do not form a many-to-one or one-to-one relationship` });
  }
  if (term.field.jsonPath.length > 0) throw notSupported('ordering by a JSON path of an embedded resource', { postgrest: 'PGRST100' });
  const column = resolveColumn(embedding.target, term.field.name);
  return { target: { kind: 'related_column', join: joinOf(embedding.relation), column: column.dbName }, direction, ...nulls };
}

/** The where of a level: its conditions, and an EXISTS for each `!inner` child. */
function childWhere(level: Level): Condition {
  const conditions = level.conditions.map((c) => levelCondition(level, c));
  for (const child of level.children.values()) {
    if (child.inner) conditions.push({ kind: 'related', join: joinOf(child.embedding.relation), condition: childWhere(child.level) });
  }
  return conditions.length === 1 ? (conditions[0] as Condition) : { kind: 'and', conditions };
}

function finish(level: Level, source: Source): ReadPlan {
  const selection = level.items.flatMap((item): Selection[] => {
    if (item.kind !== 'child') return [item];
    if (item.hidden) return [];
    const target: Source = { kind: 'entity', entity: { schema: item.embedding.target.schema, dbName: item.embedding.target.dbName } };
    const plan = finish(item.level, target);
    const join = joinOf(item.embedding.relation);
    if (item.spread) return [{ kind: 'spread', join, plan, ...(item.embedding.relation.type === 'object' ? {} : { many: true }) }];
    return [{ kind: 'relation', key: item.key, join, cardinality: item.embedding.relation.type === 'object' ? 'one' : 'many', plan }];
  });
  const where = childWhere(level);
  const empty = where.kind === 'and' && where.conditions.length === 0;
  return {
    kind: 'read',
    source,
    selection,
    ...(empty ? {} : { where }),
    orderBy: level.order,
    ...(level.limit === undefined ? {} : { limit: level.limit }),
    ...(level.offset === undefined ? {} : { offset: level.offset }),
  };
}

/** The types a `::cast` may name, as PostgreSQL knows them (never pasted into SQL as written). */
const CASTS: Readonly<Record<string, string>> = {
  text: 'text',
  varchar: 'varchar',
  char: 'bpchar',
  bpchar: 'bpchar',
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  smallint: 'int2',
  int2: 'int2',
  bigint: 'int8',
  int8: 'int8',
  numeric: 'numeric',
  decimal: 'numeric',
  real: 'float4',
  float4: 'float4',
  float8: 'float8',
  float: 'float8',
  boolean: 'bool',
  bool: 'bool',
  date: 'date',
  time: 'time',
  timetz: 'timetz',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  interval: 'interval',
  json: 'json',
  jsonb: 'jsonb',
  uuid: 'uuid',
};

export function castType(name: string): TypeRef {
  const known = CASTS[name.toLowerCase()];
  if (known === undefined) {
    throw invalidRequest(`cannot cast to '${name}'`, { postgrest: 'PGRST100', hint: `casts may name: ${Object.keys(CASTS).join(', ')}` });
  }
  return { kind: 'scalar', schema: 'pg_catalog', name: known };
}
