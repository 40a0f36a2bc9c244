import { invalidRequest, notSupported } from '../errors/index.js';
import { nestedInsertPart, type AuthorizedPlan } from '../chain/index.js';
import { findEntity, type DbRef, type Entity, type TypeGraph, type TypeRef } from '../model/index.js';
import type { ColumnValue, Condition, InsertPlan, InsertRow, JoinPath, OnConflict, ReadPlan, Selection } from '../plan/index.js';
import { compileInsert, compileRead, DEFAULT_COMPILE_OPTIONS, isNestedRow, type CompiledQuery, type CompileOptions } from '../sql/index.js';

/** Runs one compiled statement and gives back its `result` (parsed JSON, or its text). */
export type RunQuery = (query: CompiledQuery) => Promise<unknown>;

/**
 * Executes an InsertPlan whose rows nest parents (object relationships) and children (array
 * relationships), as a sequence of flat `compileInsert` statements. The caller runs every
 * statement on one connection inside one transaction, so the whole insert stays atomic: the
 * first error (a constraint, a permission) is thrown and the caller rolls back.
 *
 * For each row, depth first: each parent is inserted first (recursively) and its referenced
 * columns are copied into the row's foreign-key columns; then the row itself; then each list
 * of children, with the row's referenced columns copied into theirs (a list of flat children
 * is one bulk statement). Each level may have its own `onConflict`.
 *
 * The answer is the one a flat insert gives: `affectedRowsKey` counts every row inserted at
 * every level (as Hasura does), `returningKey` holds the top-level rows shaped by the
 * selection, read back by primary key after all inserts, so nested relationships show the new
 * rows; `single` gives the first of them or null. A plan with no nested row is one plain
 * compileInsert statement.
 *
 * Refused with an Error: many-to-many relationships (through a junction); a column given both
 * by a row and by its relationship; reading rows back from an entity with no primary key; a
 * top-level row that has children but was not inserted (on conflict do nothing, or an update
 * whose `where` failed), since its children would have no key to point at.
 */
export async function runNestedInsert(
  plan: AuthorizedPlan<InsertPlan>,
  run: RunQuery,
  graph: TypeGraph,
  options: CompileOptions = DEFAULT_COMPILE_OPTIONS,
): Promise<unknown> {
  if (!plan.rows.some(isNestedRow)) return run(compileInsert(plan, options));

  const returning = plan.returning;
  const readBack = returning.single === true || returning.returningKey !== undefined || returning.rowsOnly === true;
  const entity = entityOf(graph, plan.entity);
  if (readBack && entity.primaryKey.length === 0) {
    throw invalidRequest(`nested insert into ${describe(plan.entity)}: it has no primary key, so the inserted rows cannot be read back`);
  }

  for (const row of plan.rows) check(plan.entity, row, []);

  const inserter = new Inserter(plan, run, graph);
  const keys: unknown[][] = [];
  for (const row of plan.rows) {
    // the top-level rows carry the plan's check (a role's): a failing row fails the whole insert
    const inserted = await inserter.insertRow(plan.entity, row, [], readBack ? entity.primaryKey : [], plan.onConflict, plan.check);
    if (inserted !== undefined && readBack) keys.push(entity.primaryKey.map((column) => inserted[column] ?? null));
  }

  let rows: unknown[] = [];
  if (readBack && keys.length > 0) {
    const read: ReadPlan = {
      kind: 'read',
      source: { kind: 'entity', entity: plan.entity },
      selection: returning.selection,
      // only the rows the caller may read come back (a role's select filter)
      ...(returning.where === undefined ? {} : { where: returning.where }),
      orderBy: [],
      batch: {
        join: { target: plan.entity, mapping: entity.primaryKey.map((column) => ({ from: column, to: column })) },
        cardinality: 'one',
        keys,
        keyTypes: entity.primaryKey.map((column) => columnType(entity, column)),
      },
    };
    rows = asArray(await run(compileRead(nestedInsertPart(plan, read), options)), 'the read-back of the inserted rows');
  }

  if (returning.single === true) return rows[0] ?? null;
  if (returning.rowsOnly === true) return rows;
  const result: Record<string, unknown> = {};
  if (returning.affectedRowsKey !== undefined) result[returning.affectedRowsKey] = inserter.affected;
  if (returning.returningKey !== undefined) result[returning.returningKey] = rows;
  return result;
}

/** Internal statements read key values as JSON: int8/numeric as text, so no digit is lost. */
const INTERNAL_OPTIONS: CompileOptions = { exactNumbersAsStrings: true };
const ROWS_KEY = 'rows';
const COUNT_KEY = 'count';

class Inserter {
  affected = 0;

  constructor(
    private readonly plan: AuthorizedPlan<InsertPlan>,
    private readonly run: RunQuery,
    private readonly graph: TypeGraph,
  ) {}

  /**
   * Inserts one row with its parents before and its children after; returns the row's
   * `needed` columns (and those its children's joins read), or undefined if it was not inserted.
   */
  async insertRow(
    ref: DbRef,
    row: InsertRow,
    inherited: readonly ColumnValue[],
    needed: readonly string[],
    onConflict: OnConflict | undefined,
    check?: Condition,
  ): Promise<Record<string, unknown> | undefined> {
    const entity = entityOf(this.graph, ref);
    const filled = [...inherited];
    for (const parent of row.parents ?? []) {
      refuseJunction(ref, parent.join);
      const parentRow = await this.insertRow(parent.entity, parent.row, [], parent.join.mapping.map((p) => p.to), parent.onConflict);
      if (parentRow === undefined) {
        throw invalidRequest(`nested insert into ${describe(ref)}: its parent in ${describe(parent.entity)} was not inserted (on conflict do nothing), so there is no key to point at`, 'give the parent\'s on_conflict update_columns, so that the existing row is updated and returned');
      }
      for (const pair of parent.join.mapping) {
        filled.push({ column: pair.from, type: columnType(entity, pair.from), value: parentRow[pair.to] ?? null });
      }
    }
    const values = merge(ref, row.values, filled);

    const children = row.children ?? [];
    const returned = unique([...needed, ...children.flatMap((c) => c.join.mapping.map((p) => p.from))]);
    const selection: Selection[] = returned.map((column) => ({ kind: 'column', key: column, column, type: columnType(entity, column) }));
    const insert: InsertPlan = {
      kind: 'insert',
      entity: ref,
      rows: [{ values }],
      ...(onConflict === undefined ? {} : { onConflict }),
      ...(check === undefined ? {} : { check }),
      returning: { selection, returningKey: ROWS_KEY },
    };
    const answer = await this.run(compileInsert(nestedInsertPart(this.plan, insert), INTERNAL_OPTIONS));
    const rows = asArray(field(answer, ROWS_KEY), `the insert into ${describe(ref)}`);
    this.affected += rows.length;
    const inserted = rows[0];
    if (inserted === undefined) {
      if (children.length > 0) throw invalidRequest(`nested insert into ${describe(ref)}: a row with children was not inserted (on conflict), so its children have no key to point at`);
      return undefined;
    }
    const insertedRow = asObject(inserted, `a row inserted into ${describe(ref)}`);

    for (const child of children) {
      refuseJunction(ref, child.join);
      const childEntity = entityOf(this.graph, child.entity);
      const keys: ColumnValue[] = child.join.mapping.map((pair) => ({ column: pair.to, type: columnType(childEntity, pair.to), value: insertedRow[pair.from] ?? null }));
      if (child.rows.some(isNestedRow)) {
        for (const childRow of child.rows) await this.insertRow(child.entity, childRow, keys, [], child.onConflict);
      } else if (child.rows.length > 0) {
        const bulk: InsertPlan = {
          kind: 'insert',
          entity: child.entity,
          rows: child.rows.map((childRow) => ({ values: merge(child.entity, childRow.values, keys) })),
          ...(child.onConflict === undefined ? {} : { onConflict: child.onConflict }),
          returning: { selection: [], affectedRowsKey: COUNT_KEY },
        };
        const count = field(await this.run(compileInsert(nestedInsertPart(this.plan, bulk), INTERNAL_OPTIONS)), COUNT_KEY);
        this.affected += typeof count === 'number' ? count : Number(count);
      }
    }
    return insertedRow;
  }
}

/**
 * Refuses, before anything is written, what the inserts would refuse halfway: joins through a
 * junction, and columns a row gives itself that a relationship fills in.
 */
function check(ref: DbRef, row: InsertRow, inherited: readonly string[]): void {
  const filled = [...inherited];
  for (const parent of row.parents ?? []) {
    refuseJunction(ref, parent.join);
    check(parent.entity, parent.row, []);
    filled.push(...parent.join.mapping.map((p) => p.from));
  }
  assertDisjoint(ref, row.values.map((v) => v.column), filled);
  for (const child of row.children ?? []) {
    refuseJunction(ref, child.join);
    for (const childRow of child.rows) check(child.entity, childRow, child.join.mapping.map((p) => p.to));
  }
}

/** A row's own values plus those its relationships fill in. */
function merge(ref: DbRef, own: readonly ColumnValue[], filled: readonly ColumnValue[]): ColumnValue[] {
  assertDisjoint(
    ref,
    own.map((v) => v.column),
    filled.map((v) => v.column),
  );
  return [...own, ...filled];
}

/** A column may get its value from one place only: the row, or one relationship. */
function assertDisjoint(ref: DbRef, own: readonly string[], filled: readonly string[]): void {
  const seen = new Set(own);
  for (const column of filled) {
    if (seen.has(column)) throw invalidRequest(`nested insert into ${describe(ref)}: column "${column}" is given by the row and filled in by a relationship too`);
    seen.add(column);
  }
}

function refuseJunction(ref: DbRef, join: JoinPath): void {
  if (join.through !== undefined) {
    throw notSupported(`nested insert into ${describe(ref)}: inserting through the many-to-many relationship to ${describe(join.target)} is not supported; insert into ${describe(join.through.junction)} instead`);
  }
}

function entityOf(graph: TypeGraph, ref: DbRef): Entity {
  const entity = findEntity(graph, ref);
  if (entity === undefined) throw new Error(`nested insert: ${describe(ref)} is not in the type graph`);
  return entity;
}

function columnType(entity: Entity, column: string): TypeRef {
  const found = entity.columns.find((c) => c.dbName === column);
  if (found === undefined) throw new Error(`nested insert: ${describe(entity)} has no column "${column}"`);
  return found.type;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function parsed(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

function field(answer: unknown, key: string): unknown {
  return asObject(answer, 'an insert answer')[key];
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  const v = parsed(value);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`nested insert: ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  const v = parsed(value);
  if (!Array.isArray(v)) throw new Error(`nested insert: ${what} is not a JSON array`);
  return v as unknown[];
}

function describe(ref: DbRef): string {
  return `${ref.schema}.${ref.dbName}`;
}
