import type { DbRef } from '../../src/model/index.js';
import type { Condition, InsertRow, JoinPath, OrderTarget, Plan, ReadPlan, Selection } from '../../src/plan/index.js';

/** The kinds of the Plans a request ran, each once, in the order first seen. */
export function planOperations(plans: readonly Plan[]): Plan['kind'][] {
  return [...new Set(plans.map((plan) => plan.kind))];
}

/**
 * Every table, view and function the Plans touch, as `schema.name`, each once, in the order
 * first seen: the Plans' own entities and functions, the relations nested in their selections
 * (and `returning`), the parents and children of nested inserts, the tables a filter or an
 * ordering reaches through a relationship, and many-to-many junctions.
 */
export function planTables(plans: readonly Plan[]): string[] {
  const seen = new Set<string>();
  const add = (ref: DbRef): void => void seen.add(`${ref.schema}.${ref.dbName}`);

  const join = (path: JoinPath): void => {
    add(path.target);
    if (path.through !== undefined) add(path.through.junction);
  };
  const condition = (c: Condition | undefined): void => {
    if (c === undefined) return;
    switch (c.kind) {
      case 'and':
      case 'or':
        c.conditions.forEach(condition);
        return;
      case 'not':
        condition(c.condition);
        return;
      case 'related':
        join(c.join);
        condition(c.condition);
        return;
      case 'compare':
      case 'text_search':
        return;
    }
  };
  const order = (target: OrderTarget): void => {
    switch (target.kind) {
      case 'column':
        return;
      case 'related_column':
      case 'related_aggregate':
        join(target.join);
        return;
      case 'related':
        join(target.join);
        order(target.target);
        return;
    }
  };
  const selection = (s: Selection): void => {
    switch (s.kind) {
      case 'relation':
      case 'spread':
        join(s.join);
        read(s.plan);
        return;
      case 'relation_aggregate':
        join(s.join);
        read(s.plan.rows);
        return;
      case 'computed':
        add(s.fn);
        return;
      case 'column':
      case 'aggregate':
      case 'key':
      case 'literal':
        return;
    }
  };
  const read = (plan: ReadPlan): void => {
    add(plan.source.kind === 'entity' ? plan.source.entity : plan.source.fn);
    if (plan.batch !== undefined) join(plan.batch.join);
    plan.selection.forEach(selection);
    condition(plan.where);
    plan.orderBy.forEach((item) => order(item.target));
  };
  const insertRow = (row: InsertRow): void => {
    for (const parent of row.parents ?? []) {
      add(parent.entity);
      insertRow(parent.row);
      condition(parent.onConflict?.action === 'update' ? parent.onConflict.where : undefined);
    }
    for (const child of row.children ?? []) {
      add(child.entity);
      child.rows.forEach(insertRow);
      condition(child.onConflict?.action === 'update' ? child.onConflict.where : undefined);
    }
  };

  for (const plan of plans) {
    switch (plan.kind) {
      case 'read':
        read(plan);
        break;
      case 'aggregate':
        read(plan.rows);
        break;
      case 'insert':
        add(plan.entity);
        plan.rows.forEach(insertRow);
        condition(plan.onConflict?.action === 'update' ? plan.onConflict.where : undefined);
        plan.returning.selection.forEach(selection);
        break;
      case 'update':
      case 'delete':
        add(plan.entity);
        condition(plan.where);
        plan.orderBy?.forEach((item) => order(item.target));
        plan.returning.selection.forEach(selection);
        break;
      case 'call':
        add(plan.fn);
        if (plan.returns.kind === 'rows') read(plan.returns.plan);
        break;
    }
  }
  return [...seen];
}
