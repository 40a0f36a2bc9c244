import { invalidRequest, notSupported, RequestError } from '../../errors/index.js';
import { findEntity, type Column, type Entity, type TypeGraph } from '../../model/index.js';
import {
  nestInsert,
  type Assignment,
  type Condition,
  type DeletePlan,
  type InsertPlan,
  type InsertRow,
  type OnConflict,
  type Returning,
  type Selection,
  type UpdatePlan,
} from '../../plan/index.js';
import type { Preferences, RestQuery } from '../parse/index.js';
import { planRead } from './plan-read.js';
import { resolveEmbedding } from './resolve.js';

/**
 * REST writes as Plans: `POST` (insert, upsert, nested insert), `PATCH` (update), `PUT`
 * (single-row upsert by primary key) and `DELETE`. The rows written come back as a JSON array
 * (`Returning.rowsOnly`), shaped by `select=` when `Prefer: return=representation` asks for them.
 */

/** A JSON object of the body: column name → value. */
type BodyObject = Readonly<Record<string, unknown>>;

/** What the written rows come back as: `select=`'s shape, or nothing but the keys a Location needs. */
export function returningOf(graph: TypeGraph, entity: Entity, query: RestQuery, prefer: Preferences, method: string): Returning {
  let selection: readonly Selection[] = [];
  if (prefer.return === 'representation') {
    // the filters, orders and limits of the top level pick the rows written; those of the
    // embedded resources still shape what is embedded in them
    const nested = <T extends { readonly path: readonly string[] }>(list: readonly T[]): T[] => list.filter((item) => item.path.length > 0);
    selection = planRead(graph, entity, { ...query, conditions: nested(query.conditions), order: nested(query.order), limits: nested(query.limits), offsets: nested(query.offsets) }).selection;
  }
  else if (prefer.return === 'headers-only') selection = primaryKeySelection(entity);
  // an upsert says whether it inserted anything: when every row was merged, PostgREST answers 200
  return { selection, rowsOnly: true, ...(method === 'POST' && prefer.resolution === 'merge-duplicates' ? { countInserted: true } : {}) };
}

function primaryKeySelection(entity: Entity): Selection[] {
  return entity.primaryKey.flatMap((dbName) => {
    const column = entity.columns.find((c) => c.dbName === dbName);
    return column === undefined ? [] : [{ kind: 'column' as const, key: column.name, column: dbName, type: column.type }];
  });
}

/** The rows of a POST body (an object or an array of them), as InsertRows. */
export function planInsert(graph: TypeGraph, entity: Entity, body: unknown, query: RestQuery, prefer: Preferences, returning: Returning): InsertPlan {
  const objects = bodyObjects(body);
  const allowed = query.columns === undefined ? undefined : new Set(query.columns);
  if (allowed !== undefined) for (const name of allowed) writableColumn(entity, name);
  // PostgREST's bulk insert: the columns are the union of the objects' keys (or `columns=`);
  // an object without one of them gives NULL, or the column's default with `missing=default`
  // with `columns=`, those columns are the insert's, whether an object has them or not
  const union = new Set<string>(allowed ?? []);
  if (allowed === undefined) for (const object of objects) for (const key of Object.keys(object)) union.add(key);
  const rows = objects.map((object) => insertRow(graph, entity, object, allowed, prefer.missing === 'default' ? undefined : union));
  const ref = { schema: entity.schema, dbName: entity.dbName };
  const conflict = onConflict(entity, query, prefer, rows);
  return { kind: 'insert', entity: ref, rows, ...(conflict === undefined ? {} : { onConflict: conflict }), returning };
}

function bodyObjects(body: unknown): BodyObject[] {
  const list = Array.isArray(body) ? body : [body];
  return list.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalidRequest('All object keys must match', { postgrest: 'PGRST102', details: 'the body must be a JSON object or an array of objects' });
    }
    return item as BodyObject;
  });
}

/**
 * One object of the body: its columns, and — pgduet's nested insert — keys naming an
 * embeddable relationship, whose value (an object for a to-one, an array for a to-many) is
 * inserted in the same transaction.
 */
function insertRow(graph: TypeGraph, entity: Entity, object: BodyObject, allowed: ReadonlySet<string> | undefined, union: ReadonlySet<string> | undefined): InsertRow {
  const values: InsertRow['values'][number][] = [];
  const parents: NonNullable<InsertRow['parents']>[number][] = [];
  const children: NonNullable<InsertRow['children']>[number][] = [];
  for (const [key, value] of Object.entries(object)) {
    if (allowed !== undefined && !allowed.has(key)) continue;
    const column = entity.columns.find((c) => c.name === key);
    if (column !== undefined) {
      checkWritable(entity, column);
      values.push({ column: column.dbName, type: column.type, value });
      continue;
    }
    if (value !== null && typeof value === 'object' && allowed === undefined) {
      const embedding = resolveNested(graph, entity, key);
      if (embedding.relation.through !== undefined) {
        throw notSupported(`'${key}' is a many-to-many relationship: insert into its junction table instead`, { postgrest: 'PGRST100' });
      }
      const target = findEntity(graph, embedding.relation.target) as Entity;
      const related = Array.isArray(value) ? value : [value];
      if (embedding.relation.type === 'object' && (Array.isArray(value) || related.length !== 1)) {
        throw invalidRequest(`'${key}' is a to-one relationship: give it one object`, { postgrest: 'PGRST102' });
      }
      nestInsert(embedding.relation, bodyObjects(related).map((o) => insertRow(graph, target, o, undefined, undefined)), { parents, children });
      continue;
    }
    throw unknownColumn(entity, key);
  }
  if (union !== undefined) {
    for (const key of union) {
      const column = entity.columns.find((c) => c.name === key);
      if (column !== undefined && !(key in object)) values.push({ column: column.dbName, type: column.type, value: null });
    }
  }
  return { values, ...(parents.length > 0 ? { parents } : {}), ...(children.length > 0 ? { children } : {}) };
}

/** The relationship a nested key names: `film_actor`, or with a hint as in `select` (`language!language_id`). */
function resolveNested(graph: TypeGraph, entity: Entity, key: string): ReturnType<typeof resolveEmbedding> {
  const bang = key.indexOf('!');
  const name = bang === -1 ? key : key.slice(0, bang);
  const hint = bang === -1 ? undefined : key.slice(bang + 1);
  try {
    return resolveEmbedding(graph, entity, name, hint === '' ? undefined : hint);
  } catch (error) {
    if (error instanceof RequestError && error.postgrest === 'PGRST200') throw unknownColumn(entity, key);
    throw error;
  }
}

/** `on_conflict=` and `Prefer: resolution=…` as ON CONFLICT. */
function onConflict(entity: Entity, query: RestQuery, prefer: Preferences, rows: readonly InsertRow[]): OnConflict | undefined {
  if (prefer.resolution === undefined) {
    // `on_conflict` alone does nothing in PostgREST either: resolution says what to do
    return undefined;
  }
  const columns = query.onConflict !== undefined ? query.onConflict.map((name) => writableColumn(entity, name).dbName) : entity.primaryKey;
  if (columns.length === 0) {
    throw invalidRequest(`'${entity.name}' has no primary key: give the conflict columns with on_conflict=`, { postgrest: 'PGRST100' });
  }
  if (prefer.resolution === 'ignore-duplicates') return { action: 'ignore', columns };
  const updateColumns: string[] = [];
  for (const row of rows) for (const { column } of row.values) if (!updateColumns.includes(column)) updateColumns.push(column);
  return { action: 'update', columns, updateColumns };
}

/** `PATCH`: the body's keys as `set` assignments, the query's filters, `order` + `limit`. */
export function planUpdate(graph: TypeGraph, entity: Entity, body: unknown, query: RestQuery, where: Condition | undefined, returning: Returning): UpdatePlan | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('A PATCH body must be one JSON object', { postgrest: 'PGRST102' });
  }
  const allowed = query.columns === undefined ? undefined : new Set(query.columns);
  const assignments: Assignment[] = [];
  for (const [key, value] of Object.entries(body as BodyObject)) {
    if (allowed !== undefined && !allowed.has(key)) continue;
    const column = entity.columns.find((c) => c.name === key);
    if (column === undefined) throw unknownColumn(entity, key);
    checkWritable(entity, column);
    assignments.push({ op: 'set', column: column.dbName, type: column.type, value });
  }
  // an empty body updates nothing (PostgREST answers as if no row matched)
  if (assignments.length === 0) return undefined;
  const bounds = boundsOf(graph, entity, query);
  return { kind: 'update', entity: { schema: entity.schema, dbName: entity.dbName }, assignments, ...(where === undefined ? {} : { where }), ...bounds, returning };
}

export function planDelete(graph: TypeGraph, entity: Entity, query: RestQuery, where: Condition | undefined, returning: Returning): DeletePlan {
  return { kind: 'delete', entity: { schema: entity.schema, dbName: entity.dbName }, ...(where === undefined ? {} : { where }), ...boundsOf(graph, entity, query), returning };
}

/** `order` + `limit` of a PATCH or DELETE: a bounded write of the first rows in that order. */
function boundsOf(graph: TypeGraph, entity: Entity, query: RestQuery): Pick<UpdatePlan, 'orderBy' | 'limit'> {
  const limit = query.limits.find((l) => l.path.length === 0)?.value;
  if (limit === undefined) return {};
  const top = <T extends { readonly path: readonly string[] }>(list: readonly T[]): T[] => list.filter((item) => item.path.length === 0);
  const read = planRead(graph, entity, { ...query, select: [], conditions: [], order: top(query.order), limits: top(query.limits), offsets: top(query.offsets) });
  if (read.orderBy.length === 0 && entity.primaryKey.length === 0) {
    throw invalidRequest('A limited update or delete needs an order: give order=', { postgrest: 'PGRST100' });
  }
  return { orderBy: read.orderBy, limit };
}

/**
 * `PUT`: an upsert of one row addressed by its whole primary key with `eq` filters; the body
 * must give the same key values. PGRST105 when the filters are not exactly that.
 */
export function planPut(graph: TypeGraph, entity: Entity, body: unknown, query: RestQuery, prefer: Preferences, returning: Returning): InsertPlan {
  const objects = bodyObjects(body);
  const object = objects[0];
  if (objects.length !== 1 || object === undefined) throw invalidRequest('PUT takes exactly one object', { postgrest: 'PGRST102' });
  if (entity.primaryKey.length === 0) throw putError(entity);
  const keyValues = new Map<string, string>();
  for (const { path, condition } of query.conditions) {
    if (path.length > 0 || condition.kind !== 'filter' || condition.operator !== 'eq' || condition.negated || condition.value.kind !== 'scalar' || condition.field.jsonPath.length > 0) throw putError(entity);
    keyValues.set(condition.field.name, condition.value.value);
  }
  const found = entity.primaryKey.map((dbName) => entity.columns.find((c) => c.dbName === dbName));
  // a key column the caller may not see cannot be addressed
  if (found.some((c) => c === undefined)) throw putError(entity);
  const keyColumns = found as Column[];
  if (keyValues.size !== keyColumns.length || keyColumns.some((c) => !keyValues.has(c.name))) throw putError(entity);
  for (const column of keyColumns) {
    const given = object[column.name];
    if (given === undefined || String(given) !== keyValues.get(column.name)) {
      throw invalidRequest('Payload values do not match URL in primary key column(s)', { postgrest: 'PGRST115' });
    }
  }
  const plan = planInsert(graph, entity, object, { ...query, conditions: [] }, { ...prefer, resolution: 'merge-duplicates' }, returning);
  return { ...plan, onConflict: { action: 'update', columns: entity.primaryKey, updateColumns: plan.rows[0]?.values.map((v) => v.column) ?? [] } };
}

function putError(entity: Entity): RequestError {
  return new RequestError('PGD103', 'Filters must include all and only primary key columns with \'eq\' operators', {
    postgrest: 'PGRST105',
    details: `the primary key of ${entity.name}: ${entity.primaryKey.join(', ') || 'none'}`,
  });
}

function writableColumn(entity: Entity, name: string): Column {
  const column = entity.columns.find((c) => c.name === name);
  if (column === undefined) throw unknownColumn(entity, name);
  return column;
}

function checkWritable(entity: Entity, column: Column): void {
  if (column.generated || column.identity === 'always') {
    throw invalidRequest(`column "${column.name}" of "${entity.name}" cannot be written: it is ${column.generated ? 'a generated column' : 'GENERATED ALWAYS AS IDENTITY'}`, { postgrest: 'PGRST100' });
  }
}

function unknownColumn(entity: Entity, name: string): RequestError {
  return invalidRequest(`Could not find the '${name}' column of '${entity.name}' in the schema cache`, { postgrest: 'PGRST204' });
}
