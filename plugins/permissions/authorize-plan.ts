import type { Identity } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import { findEntity, type Column, type DbRef, type Entity, type TypeGraph } from '../../src/model/index.js';
import {
  boolExpCondition,
  computesAggregates,
  type AggregatePlan,
  type Assignment,
  type CallPlan,
  type ColumnValue,
  type Condition,
  type DeletePlan,
  type InsertPlan,
  type InsertRow,
  type JoinPath,
  type OnConflict,
  type OrderTarget,
  type Plan,
  type ReadPlan,
  type Returning,
  type Selection,
  type UpdatePlan,
} from '../../src/plan/index.js';
import type { TablePermissions } from './options.js';
import { allows, refKey, type RoleRules } from './rules.js';

/**
 * A Plan as one role may run it: the row filters of every table it reads (at the top, in
 * every embedded or nested read, behind every relationship a condition follows, in the rows
 * a write returns), its row limit, its column rules and presets for writes, and the check
 * written rows must pass. Anything the role has no rule for is refused (PGD303).
 *
 * The role's graph (role-graph.ts) already hides what it may not see, so a Plan that names a
 * hidden column cannot be built; this pass adds what a graph cannot say: which rows.
 */
export function authorizePlan(plan: Plan, graph: TypeGraph, rules: RoleRules, identity: Identity): Plan {
  if (rules.unrestricted) return plan;
  const pass = new PlanPass(graph, rules, identity);
  switch (plan.kind) {
    case 'read':
      return pass.read(plan, true);
    case 'aggregate':
      return pass.aggregate(plan, true);
    case 'insert':
      return pass.insert(plan);
    case 'update':
      return pass.update(plan);
    case 'delete':
      return pass.delete(plan);
    case 'call':
      return pass.call(plan);
  }
}

function denied(message: string): PgduetError {
  return new PgduetError('PGD303', message);
}

class PlanPass {
  constructor(
    private readonly graph: TypeGraph,
    private readonly rules: RoleRules,
    private readonly identity: Identity,
  ) {}

  // ------------------------------------------------------------------------------- reads

  read(plan: ReadPlan, top: boolean): ReadPlan {
    const source = plan.source;
    const entity = source.kind === 'entity' ? source.entity : this.functionRows(source.fn);
    const select = this.table(entity)?.select;
    if (select === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(entity)}`);
    // the role's filter applies to the rows, before any grouping; its limit to what is answered (rows, or groups)
    const where = and(plan.where === undefined ? undefined : this.condition(plan.where), this.filter(entity, select.filter));
    const limit = top && select.limit !== undefined ? Math.min(plan.limit ?? select.limit, select.limit) : plan.limit;
    for (const item of plan.orderBy) this.orderTarget(item.target, select);
    this.grouping(plan, entity, select);
    return {
      ...plan,
      selection: plan.selection.map((s) => this.selection(s, select)),
      ...(where === undefined ? {} : { where }),
      ...(limit === undefined ? {} : { limit }),
      ...(plan.having === undefined ? {} : { having: this.condition(plan.having) }),
    };
  }

  /**
   * A grouped read (GraphQL's `<t>_groups`) aggregates: only where the role may, and only by
   * columns it may read (the role's graph has no other, so this holds for any Plan).
   */
  private grouping(plan: ReadPlan, entity: DbRef, select: NonNullable<TablePermissions['select']>): void {
    if (plan.groupBy === undefined && plan.having === undefined) return;
    if (!select.allowAggregations) throw denied(`the role "${this.identity.role}" may not aggregate ${refKey(entity)}`);
    const columns = this.entity(entity).columns;
    for (const name of plan.groupBy ?? []) {
      const column = columns.find((c) => c.dbName === name);
      if (column === undefined || !allows(select.columns, column)) throw denied(`the role "${this.identity.role}" may not group ${refKey(entity)} by ${name}`);
    }
  }

  aggregate(plan: AggregatePlan, top: boolean): AggregatePlan {
    const source = plan.rows.source;
    const entity = source.kind === 'entity' ? source.entity : this.functionRows(source.fn);
    if (this.table(entity)?.select?.allowAggregations !== true && computesAggregates(plan)) {
      throw denied(`the role "${this.identity.role}" may not aggregate ${refKey(entity)}`);
    }
    return { ...plan, rows: this.read(plan.rows, top) };
  }

  private selection(selection: Selection, select: NonNullable<TablePermissions['select']>): Selection {
    switch (selection.kind) {
      case 'relation':
        this.junction(selection.join);
        return { ...selection, plan: this.read(selection.plan, false) };
      case 'spread':
        this.junction(selection.join);
        return { ...selection, plan: this.read(selection.plan, false) };
      case 'relation_aggregate':
        this.junction(selection.join);
        return { ...selection, plan: this.aggregate(selection.plan, false) };
      case 'aggregate':
      case 'aggregates':
        if (!select.allowAggregations) throw denied(`the role "${this.identity.role}" may not aggregate`);
        return selection;
      case 'object':
        return { ...selection, selection: selection.selection.map((s) => this.selection(s, select)) };
      default:
        return selection;
    }
  }

  /**
   * Ordering by a related row or an aggregate of related rows reads that table, unfiltered (an
   * order has no condition of its own yet): allowed only where the role sees every row of it,
   * and aggregates only where it may aggregate — else ordering would rank by hidden rows.
   */
  private orderTarget(target: OrderTarget, select?: NonNullable<TablePermissions['select']>): void {
    if (target.kind === 'column') return;
    if (target.kind === 'aggregate') {
      // of the groups of this very read: its own rows, filtered as they are
      if (select?.allowAggregations !== true) throw denied(`the role "${this.identity.role}" may not aggregate`);
      return;
    }
    const rule = this.table(target.join.target)?.select;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(target.join.target)}`);
    if (rule.filter !== undefined && Object.keys(rule.filter).length > 0) {
      throw denied(`the role "${this.identity.role}" may not order by ${refKey(target.join.target)}: it sees only some of its rows`);
    }
    if (target.kind === 'related_aggregate' && !rule.allowAggregations) throw denied(`the role "${this.identity.role}" may not aggregate ${refKey(target.join.target)}`);
    if (target.kind === 'related') this.orderTarget(target.target);
  }

  /**
   * A many-to-many join reads its junction table without a filter of its own: allowed only
   * where the role may read every row of the junction (else its hidden rows would link rows).
   */
  private junction(join: JoinPath): void {
    if (join.through === undefined) return;
    const rule = this.table(join.through.junction)?.select;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(join.through.junction)}`);
    if (rule.filter !== undefined && Object.keys(rule.filter).length > 0) {
      throw denied(`the role "${this.identity.role}" may not join through ${refKey(join.through.junction)}: it sees only some of its rows`);
    }
  }

  /** A condition with the row filter of every table it reaches through a relationship. */
  private condition(condition: Condition): Condition {
    switch (condition.kind) {
      case 'and':
      case 'or':
        return { ...condition, conditions: condition.conditions.map((c) => this.condition(c)) };
      case 'not':
      case 'root':
        return { ...condition, condition: this.condition(condition.condition) };
      case 'exists': {
        // `_exists` sees only the rows of that table the role may read
        const target = this.table(condition.entity)?.select;
        if (target === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(condition.entity)}`);
        const inner = and(this.condition(condition.condition), this.filter(condition.entity, target.filter));
        return { ...condition, condition: inner ?? { kind: 'and', conditions: [] } };
      }
      case 'related': {
        this.junction(condition.join);
        const target = this.table(condition.join.target)?.select;
        if (target === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(condition.join.target)}`);
        const inner = and(this.condition(condition.condition), this.filter(condition.join.target, target.filter));
        return { ...condition, condition: inner ?? { kind: 'and', conditions: [] } };
      }
      case 'related_aggregate': {
        // an aggregate predicate counts only the related rows the role sees, and only where it may aggregate them
        this.junction(condition.join);
        const target = this.table(condition.join.target)?.select;
        if (target === undefined) throw denied(`the role "${this.identity.role}" may not read ${refKey(condition.join.target)}`);
        if (!target.allowAggregations) throw denied(`the role "${this.identity.role}" may not aggregate ${refKey(condition.join.target)}`);
        const inner = and(condition.condition === undefined ? undefined : this.condition(condition.condition), this.filter(condition.join.target, target.filter));
        const { condition: _given, ...rest } = condition;
        return inner === undefined ? rest : { ...rest, condition: inner };
      }
      case 'group_aggregate':
        // over the group's rows, already filtered by the role's filter (read() puts it in `where`)
        return condition.condition === undefined ? condition : { ...condition, condition: this.condition(condition.condition) };
      default:
        return condition;
    }
  }

  // ------------------------------------------------------------------------------ writes

  insert(plan: InsertPlan): InsertPlan {
    const rule = this.table(plan.entity)?.insert;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not insert into ${refKey(plan.entity)}`);
    const check = this.filter(plan.entity, rule.check);
    const onConflict = plan.onConflict === undefined ? undefined : this.conflict(plan.entity, plan.onConflict);
    return {
      ...plan,
      rows: plan.rows.map((row) => this.insertRow(plan.entity, row)),
      ...(onConflict === undefined ? {} : { onConflict }),
      ...(check === undefined ? {} : { check }),
      returning: this.returning(plan.entity, plan.returning),
    };
  }

  /**
   * An upsert updates: it needs the update rule, writes only its columns, and touches only the
   * rows its filter allows (the conflict's WHERE). An update rule with a check or presets cannot
   * be kept by ON CONFLICT yet: such upserts are refused rather than half-enforced.
   */
  private conflict(ref: DbRef, onConflict: OnConflict): OnConflict {
    if (onConflict.action !== 'update' || onConflict.updateColumns.length === 0) return onConflict;
    const update = this.table(ref)?.update;
    if (update === undefined) throw denied(`the role "${this.identity.role}" may not update ${refKey(ref)} (an upsert updates)`);
    if (update.check !== undefined || update.set !== undefined) {
      throw denied(`the role "${this.identity.role}" may not upsert into ${refKey(ref)}: its update rule has a check or presets, which an upsert cannot keep`);
    }
    for (const column of onConflict.updateColumns) this.writable(ref, column, update.columns, 'update');
    const where = and(onConflict.where === undefined ? undefined : this.condition(onConflict.where), this.filter(ref, update.filter));
    return { ...onConflict, ...(where === undefined ? {} : { where }) };
  }

  private insertRow(ref: DbRef, row: InsertRow): InsertRow {
    const rule = this.table(ref)?.insert;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not insert into ${refKey(ref)}`);
    // a key a nested insert's statement takes from a row it wrote before (`from`) is the
    // relationship's to fill, as the foreign key of a row inserted through it
    for (const value of row.values) if (value.from === undefined) this.writable(ref, value.column, rule.columns, 'insert');
    const values = withPresets(row.values, this.presets(ref, rule.set));
    // nested rows: each table's own rules and upserts (their checks are not enforced yet: refused when set)
    const parents = row.parents?.map((p) => ({ ...p, row: this.nestedRow(p.entity, p.row), ...this.nestedConflict(p.entity, p.onConflict) }));
    const children = row.children?.map((c) => ({ ...c, rows: c.rows.map((r) => this.nestedRow(c.entity, r)), ...this.nestedConflict(c.entity, c.onConflict) }));
    return { values, ...(parents === undefined ? {} : { parents }), ...(children === undefined ? {} : { children }) };
  }

  private nestedConflict(ref: DbRef, onConflict: OnConflict | undefined): { onConflict?: OnConflict } {
    return onConflict === undefined ? {} : { onConflict: this.conflict(ref, onConflict) };
  }

  private nestedRow(ref: DbRef, row: InsertRow): InsertRow {
    if (this.table(ref)?.insert?.check !== undefined) {
      throw denied(`a nested insert into ${refKey(ref)} is not allowed for the role "${this.identity.role}": its insert check applies to direct inserts only`);
    }
    return this.insertRow(ref, row);
  }

  update(plan: UpdatePlan): UpdatePlan {
    const rule = this.table(plan.entity)?.update;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not update ${refKey(plan.entity)}`);
    for (const assignment of plan.assignments) this.writable(plan.entity, assignment.column, rule.columns, 'update');
    const presets: Assignment[] = this.presets(plan.entity, rule.set).map((v) => ({ op: 'set', column: v.column, type: v.type, value: v.value }));
    const assignments = [...plan.assignments.filter((a) => !presets.some((p) => p.column === a.column)), ...presets];
    const where = and(plan.where === undefined ? undefined : this.condition(plan.where), this.filter(plan.entity, rule.filter));
    const check = this.filter(plan.entity, rule.check);
    return {
      ...plan,
      assignments,
      ...(where === undefined ? {} : { where }),
      ...(check === undefined ? {} : { check }),
      returning: this.returning(plan.entity, plan.returning),
    };
  }

  delete(plan: DeletePlan): DeletePlan {
    const rule = this.table(plan.entity)?.delete;
    if (rule === undefined) throw denied(`the role "${this.identity.role}" may not delete from ${refKey(plan.entity)}`);
    const where = and(plan.where === undefined ? undefined : this.condition(plan.where), this.filter(plan.entity, rule.filter));
    return { ...plan, ...(where === undefined ? {} : { where }), returning: this.returning(plan.entity, plan.returning) };
  }

  /** The rows a write returns: only those the role may select, shaped by its read rules. */
  private returning(ref: DbRef, returning: Returning): Returning {
    // only the keys the next statements of a nested insert join on: nothing the client sees
    if (returning.selection.length > 0 && returning.selection.every((s) => s.kind === 'key') && returning.returningKey !== undefined && returning.single !== true && returning.rowsOnly !== true) {
      return returning;
    }
    const select = this.table(ref)?.select;
    if (select === undefined) {
      if (returning.selection.length > 0) throw denied(`the role "${this.identity.role}" may not read ${refKey(ref)}`);
      return returning;
    }
    const where = this.filter(ref, select.filter);
    return { ...returning, selection: returning.selection.map((s) => this.selection(s, select)), ...(where === undefined ? {} : { where }) };
  }

  call(plan: CallPlan): CallPlan {
    const fn = this.graph.functions.find((f) => f.schema === plan.fn.schema && f.dbName === plan.fn.dbName);
    if (fn === undefined || !this.rules.functions(fn)) throw denied(`the role "${this.identity.role}" may not call ${refKey(plan.fn)}`);
    if (plan.returns.kind !== 'rows') return plan;
    return { ...plan, returns: { ...plan.returns, plan: this.read(plan.returns.plan, true) } };
  }

  // ------------------------------------------------------------------------------ helpers

  private table(ref: DbRef): TablePermissions | undefined {
    return this.rules.tables.get(refKey(ref));
  }

  private functionRows(fn: DbRef): DbRef {
    const def = this.graph.functions.find((f) => f.schema === fn.schema && f.dbName === fn.dbName);
    if (def === undefined || !this.rules.functions(def)) throw denied(`the role "${this.identity.role}" may not call ${refKey(fn)}`);
    if (def.returns.kind !== 'entity') throw denied(`${refKey(fn)} does not return rows of a table`);
    return def.returns.entity;
  }

  private entity(ref: DbRef): Entity {
    const entity = findEntity(this.graph, ref);
    if (entity === undefined) throw denied(`${refKey(ref)} is not exposed`);
    return entity;
  }

  private writable(ref: DbRef, dbName: string, columns: '*' | readonly string[], what: string): void {
    const column = this.entity(ref).columns.find((c) => c.dbName === dbName);
    if (column === undefined || !allows(columns, column)) {
      throw denied(`the role "${this.identity.role}" may not ${what} the column ${refKey(ref)}.${dbName}`);
    }
  }

  /** A rule's boolean expression as a Condition, session variables filled in. */
  private filter(ref: DbRef, expression: Readonly<Record<string, unknown>> | undefined): Condition | undefined {
    if (expression === undefined || Object.keys(expression).length === 0) return undefined;
    const entity = this.entity(ref);
    return boolExpCondition(entity, expression, {
      columns: (e) => e.columns,
      relations: (e) =>
        e.relations.flatMap((relation) => {
          const target = findEntity(this.graph, relation.target);
          return target === undefined ? [] : [{ relation, target }];
        }),
      operand: (value) => this.sessionValue(value),
      computed: (e) => this.graph.functions.filter((fn) => fn.computedFieldOf?.schema === e.schema && fn.computedFieldOf.dbName === e.dbName && fn.args.length === 1 && fn.returns.kind === 'value' && !fn.returns.set),
      // a rule is the administrator's: its `_exists` reads the table unfiltered, as Hasura's
      table: (schema, name) => this.graph.entities.find((t) => t.dbName === name && (schema === '' ? t.schema === this.graph.schemas[0] : t.schema === schema)),
    });
  }

  private presets(ref: DbRef, set: Readonly<Record<string, string | number | boolean | null>> | undefined): ColumnValue[] {
    if (set === undefined) return [];
    const entity = this.entity(ref);
    return Object.entries(set).map(([name, value]) => {
      const column: Column | undefined = entity.columns.find((c) => c.dbName === name || c.name === name);
      if (column === undefined) throw denied(`the preset column ${refKey(ref)}.${name} does not exist`);
      return { column: column.dbName, type: column.type, value: this.sessionValue(value) };
    });
  }

  /** `X-Hasura-User-Id` (any case) → the session variable's value; anything else as it is. */
  private sessionValue(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.sessionValue(v));
    if (typeof value !== 'string' || !/^x-hasura-/i.test(value)) return value;
    const found = this.identity.session[value.toLowerCase()];
    if (found === undefined) throw denied(`the session variable ${value} is required by the role "${this.identity.role}"'s permissions, and the request has none`);
    return found;
  }
}

/** Preset values replace what the request gave for the same columns. */
function withPresets(values: readonly ColumnValue[], presets: readonly ColumnValue[]): ColumnValue[] {
  return [...values.filter((v) => !presets.some((p) => p.column === v.column)), ...presets];
}

function and(a: Condition | undefined, b: Condition | undefined): Condition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { kind: 'and', conditions: [a, b] };
}
