import { invalidRequest, notSupported } from '../errors/index.js';
import { findEntity, type DbRef, type Entity, type TypeGraph, type TypeRef } from '../model/index.js';
import type { ColumnValue, InsertPlan, InsertRow, JoinPath, OnConflict, Plan, ReadPlan, Returning, RowRef, Selection } from './types.js';

/**
 * A nested insert (rows with parents through object relationships and children through array
 * relationships) as the flat statements it runs as — split here, before the chain, so that the
 * chain authorizes each statement as the plain insert it is: each table's insert rule, presets
 * and check hold for nested rows as for top-level ones. The statements run in order in one
 * transaction (pipeline/nested-insert.ts); a foreign key a relationship fills is a `RowRef` to
 * the row an earlier statement wrote, filled in when it has run.
 *
 * For each row, depth first: each parent first (recursively), its referenced columns copied
 * into the row's foreign-key columns; then the row itself; then each list of its children with
 * the row's referenced columns copied into theirs (a list of children without children of
 * their own is one bulk statement). Each level may have its own `onConflict`.
 *
 * The answer is the one a flat insert gives: `affectedRowsKey` counts every row inserted at
 * every level (as Hasura does); the rows (`returningKey`, `single`, `rowsOnly`) are the
 * top-level rows read back by primary key after all inserts — a read the chain authorizes as
 * any read — so nested relationships show the new rows.
 *
 * Refused before anything runs: many-to-many relationships (through a junction); a column
 * given both by a row and by its relationship; reading rows back from an entity with no
 * primary key.
 */
export interface InsertProgram {
  /** the inserts, in the order they run */
  readonly steps: readonly InsertPlan[];
  /** the top-level rows read back, shaped as the request asked; absent when it asked for none */
  readonly readBack?: ReadPlan;
  /** the shape of the answer: the request's own Returning */
  readonly returning: Returning;
}

/** The key of the rows an insert step gives back (the columns later steps need), and of its count. */
export const STEP_ROWS_KEY = 'rows';
export const STEP_COUNT_KEY = 'count';

export function isNestedRow(row: InsertRow): boolean {
  return (row.parents?.length ?? 0) > 0 || (row.children?.length ?? 0) > 0;
}

/** Whether an insert nests rows (and so runs as an InsertProgram). */
export function isNestedInsert(plan: Plan): plan is InsertPlan {
  return plan.kind === 'insert' && plan.rows.some(isNestedRow);
}

export function splitNestedInsert(plan: InsertPlan, graph: TypeGraph): InsertProgram {
  const returning = plan.returning;
  const readBack = returning.single === true || returning.returningKey !== undefined || returning.rowsOnly === true;
  const entity = entityOf(graph, plan.entity);
  if (readBack && entity.primaryKey.length === 0) {
    throw invalidRequest(`nested insert into ${describe(plan.entity)}: it has no primary key, so the inserted rows cannot be read back`);
  }
  for (const row of plan.rows) check(plan.entity, row, []);

  const splitter = new Splitter(graph);
  const tops = plan.rows.map((row) => splitter.row(plan.entity, row, [], readBack ? entity.primaryKey : [], plan.onConflict, plan.check));
  if (!readBack) return { steps: splitter.steps, returning };
  const read: ReadPlan = {
    kind: 'read',
    source: { kind: 'entity', entity: plan.entity },
    selection: returning.selection,
    orderBy: [],
    batch: {
      join: { target: plan.entity, mapping: entity.primaryKey.map((column) => ({ from: column, to: column })) },
      cardinality: 'one',
      keys: [],
      keyTypes: entity.primaryKey.map((column) => columnType(entity, column)),
      keysFrom: tops.map((step) => entity.primaryKey.map((column): RowRef => ({ step, column, relation: 'row' }))),
    },
  };
  return { steps: splitter.steps, readBack: read, returning };
}

class Splitter {
  readonly steps: InsertPlan[] = [];

  constructor(private readonly graph: TypeGraph) {}

  /** The steps of one row with its parents before and children after; the index of the row's own step. */
  row(ref: DbRef, row: InsertRow, inherited: readonly ColumnValue[], needed: readonly string[], onConflict: OnConflict | undefined, check?: InsertPlan['check']): number {
    const entity = entityOf(this.graph, ref);
    const filled = [...inherited];
    for (const parent of row.parents ?? []) {
      const step = this.row(parent.entity, parent.row, [], parent.join.mapping.map((p) => p.to), parent.onConflict);
      for (const pair of parent.join.mapping) {
        filled.push({ column: pair.from, type: columnType(entity, pair.from), value: null, from: { step, column: pair.to, relation: 'parent' } });
      }
    }
    const children = row.children ?? [];
    const returned = unique([...needed, ...children.flatMap((c) => c.join.mapping.map((p) => p.from))]);
    // the columns later steps need, as join keys: never part of an answer
    const selection: Selection[] = returned.map((column) => ({ kind: 'key', key: column, column }));
    const step = this.steps.length;
    this.steps.push({
      kind: 'insert',
      entity: ref,
      rows: [{ values: merge(ref, row.values, filled) }],
      ...(onConflict === undefined ? {} : { onConflict }),
      ...(check === undefined ? {} : { check }),
      returning: { selection, returningKey: STEP_ROWS_KEY },
    });
    for (const child of children) {
      const childEntity = entityOf(this.graph, child.entity);
      const keys: ColumnValue[] = child.join.mapping.map((pair) => ({ column: pair.to, type: columnType(childEntity, pair.to), value: null, from: { step, column: pair.from, relation: 'row' } }));
      if (child.rows.some(isNestedRow)) {
        for (const childRow of child.rows) this.row(child.entity, childRow, keys, [], child.onConflict);
      } else if (child.rows.length > 0) {
        this.steps.push({
          kind: 'insert',
          entity: child.entity,
          rows: child.rows.map((childRow) => ({ values: merge(child.entity, childRow.values, keys) })),
          ...(child.onConflict === undefined ? {} : { onConflict: child.onConflict }),
          returning: { selection: [], affectedRowsKey: STEP_COUNT_KEY },
        });
      }
    }
    return step;
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

function describe(ref: DbRef): string {
  return `${ref.schema}.${ref.dbName}`;
}
