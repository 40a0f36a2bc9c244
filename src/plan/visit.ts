import type { DbRef } from '../model/index.js';
import type { Condition, InsertRow, JoinPath, OnConflict, OrderTarget, Plan, ReadPlan, Returning, Selection } from './types.js';

/**
 * One walk over a Plan tree, for every pass that reads a Plan's shape (limits, the audit log,
 * nested inserts, GraphQL's execution strategies) — graphql-js's `visit`, for Plans. The walk
 * knows where a Plan nests another; a visitor says only what it does at each node.
 *
 * Every callback is optional. `depth` counts the relationships followed to reach a node: 0
 * for the Plan itself, 1 inside an embedded resource or a relationship field, and so on. The
 * walk is iterative over relationships (an explicit stack), so a Plan as deep as a client can
 * send cannot exhaust the call stack.
 */
export interface PlanVisitor {
  /** every row source read: the top read, each nested or spread read, an aggregate's rows, a call's rows, a write's returned rows (`returning` as a ReadPlan-less selection is reported by `selection`) */
  read?(plan: ReadPlan, depth: number): void;
  /** every selection key of every read or returning list */
  selection?(selection: Selection, depth: number): void;
  /** every relationship followed: in a selection, a condition, an ordering, a batch */
  join?(join: JoinPath, depth: number): void;
  /** every table a write writes to (the Plan's own, and the rows of a nested insert) */
  write?(entity: DbRef, kind: 'insert' | 'update' | 'delete', depth: number): void;
  /** every row of an insert, nested rows included (`depth` is the nesting of the row) */
  insertRow?(entity: DbRef, row: InsertRow, depth: number): void;
  /** every function a Plan calls: a call, a function as a row source, a computed field */
  function?(fn: DbRef, depth: number): void;
  /** every condition node (and, or, not, compare, related…) */
  condition?(condition: Condition, depth: number): void;
}

type Task =
  | { readonly kind: 'read'; readonly plan: ReadPlan; readonly depth: number }
  | { readonly kind: 'selection'; readonly selection: readonly Selection[]; readonly depth: number }
  | { readonly kind: 'condition'; readonly condition: Condition | undefined; readonly depth: number }
  | { readonly kind: 'order'; readonly target: OrderTarget; readonly depth: number }
  | { readonly kind: 'insertRow'; readonly entity: DbRef; readonly row: InsertRow; readonly depth: number };

/** Visits every node of `plan`, parents before children. */
export function walkPlan(plan: Plan, visitor: PlanVisitor): void {
  const tasks: Task[] = [];
  const conflict = (onConflict: OnConflict | undefined, depth: number): void => {
    if (onConflict?.action === 'update') tasks.push({ kind: 'condition', condition: onConflict.where, depth });
  };
  const returning = (value: Returning): void => {
    tasks.push({ kind: 'selection', selection: value.selection, depth: 0 });
    tasks.push({ kind: 'condition', condition: value.where, depth: 0 });
  };
  switch (plan.kind) {
    case 'read':
      tasks.push({ kind: 'read', plan, depth: 0 });
      break;
    case 'aggregate':
      tasks.push({ kind: 'read', plan: plan.rows, depth: 0 });
      break;
    case 'insert':
      visitor.write?.(plan.entity, 'insert', 0);
      for (const row of plan.rows) tasks.push({ kind: 'insertRow', entity: plan.entity, row, depth: 0 });
      conflict(plan.onConflict, 0);
      tasks.push({ kind: 'condition', condition: plan.check, depth: 0 });
      returning(plan.returning);
      break;
    case 'update':
      visitor.write?.(plan.entity, 'update', 0);
      tasks.push({ kind: 'condition', condition: plan.where, depth: 0 });
      tasks.push({ kind: 'condition', condition: plan.check, depth: 0 });
      for (const item of plan.orderBy ?? []) tasks.push({ kind: 'order', target: item.target, depth: 0 });
      returning(plan.returning);
      break;
    case 'delete':
      visitor.write?.(plan.entity, 'delete', 0);
      tasks.push({ kind: 'condition', condition: plan.where, depth: 0 });
      for (const item of plan.orderBy ?? []) tasks.push({ kind: 'order', target: item.target, depth: 0 });
      returning(plan.returning);
      break;
    case 'call':
      visitor.function?.(plan.fn, 0);
      if (plan.returns.kind === 'rows') tasks.push({ kind: 'read', plan: plan.returns.plan, depth: 0 });
      break;
  }
  // a stack, children pushed in reverse so that they are visited in their written order
  tasks.reverse();
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    const next: Task[] = [];
    switch (task.kind) {
      case 'read': {
        const { plan: read, depth } = task;
        visitor.read?.(read, depth);
        if (read.source.kind === 'function') visitor.function?.(read.source.fn, depth);
        if (read.batch !== undefined) visitor.join?.(read.batch.join, depth);
        next.push({ kind: 'selection', selection: read.selection, depth });
        next.push({ kind: 'condition', condition: read.where, depth });
        next.push({ kind: 'condition', condition: read.having, depth });
        for (const item of read.orderBy) next.push({ kind: 'order', target: item.target, depth });
        break;
      }
      case 'selection':
        for (const selection of task.selection) {
          visitor.selection?.(selection, task.depth);
          switch (selection.kind) {
            case 'relation':
            case 'spread':
              visitor.join?.(selection.join, task.depth);
              next.push({ kind: 'read', plan: selection.plan, depth: task.depth + 1 });
              break;
            case 'relation_aggregate':
              visitor.join?.(selection.join, task.depth);
              next.push({ kind: 'read', plan: selection.plan.rows, depth: task.depth + 1 });
              break;
            case 'computed':
              visitor.function?.(selection.fn, task.depth);
              break;
            case 'object':
              next.push({ kind: 'selection', selection: selection.selection, depth: task.depth });
              break;
            default:
              break;
          }
        }
        break;
      case 'condition': {
        const condition = task.condition;
        if (condition === undefined) break;
        visitor.condition?.(condition, task.depth);
        switch (condition.kind) {
          case 'and':
          case 'or':
            for (const inner of condition.conditions) next.push({ kind: 'condition', condition: inner, depth: task.depth });
            break;
          case 'not':
            next.push({ kind: 'condition', condition: condition.condition, depth: task.depth });
            break;
          case 'related':
            visitor.join?.(condition.join, task.depth);
            next.push({ kind: 'condition', condition: condition.condition, depth: task.depth });
            break;
          case 'related_aggregate':
            visitor.join?.(condition.join, task.depth);
            next.push({ kind: 'condition', condition: condition.condition, depth: task.depth });
            break;
          case 'group_aggregate':
            next.push({ kind: 'condition', condition: condition.condition, depth: task.depth });
            break;
          case 'root':
          case 'exists':
            next.push({ kind: 'condition', condition: condition.condition, depth: task.depth });
            break;
          case 'compare':
          case 'compare_column':
            if (condition.column.computed !== undefined) visitor.function?.(condition.column.computed, task.depth);
            break;
          default:
            break;
        }
        break;
      }
      case 'order': {
        const target = task.target;
        if (target.kind === 'column' || target.kind === 'aggregate') break;
        visitor.join?.(target.join, task.depth);
        if (target.kind === 'related') next.push({ kind: 'order', target: target.target, depth: task.depth });
        break;
      }
      case 'insertRow': {
        const { entity, row, depth } = task;
        visitor.insertRow?.(entity, row, depth);
        for (const parent of row.parents ?? []) {
          visitor.join?.(parent.join, depth);
          visitor.write?.(parent.entity, 'insert', depth + 1);
          next.push({ kind: 'insertRow', entity: parent.entity, row: parent.row, depth: depth + 1 });
          if (parent.onConflict?.action === 'update') next.push({ kind: 'condition', condition: parent.onConflict.where, depth: depth + 1 });
        }
        for (const child of row.children ?? []) {
          visitor.join?.(child.join, depth);
          visitor.write?.(child.entity, 'insert', depth + 1);
          for (const childRow of child.rows) next.push({ kind: 'insertRow', entity: child.entity, row: childRow, depth: depth + 1 });
          if (child.onConflict?.action === 'update') next.push({ kind: 'condition', condition: child.onConflict.where, depth: depth + 1 });
        }
        break;
      }
    }
    for (let i = next.length - 1; i >= 0; i--) tasks.push(next[i] as Task);
  }
}

/** How deep relationships nest in a Plan: 0 for a flat read (limits count this for both protocols). */
export function planDepth(plan: Plan): number {
  // Plans are never changed once made, and a repeated request brings the same Plan objects
  // (the plan caches): its depth is counted once, not on every request
  const deepest = depths.get(plan);
  if (deepest !== undefined) return deepest;
  let found = 0;
  walkPlan(plan, { read: (_read, depth) => void (found = Math.max(found, depth)) });
  depths.set(plan, found);
  return found;
}

const depths = new WeakMap<Plan, number>();
