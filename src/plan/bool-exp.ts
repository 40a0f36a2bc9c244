import { invalidRequest } from '../errors/index.js';
import type { Column, Entity, FunctionDef, Relation, TypeRef } from '../model/index.js';
import { joinOf } from './join.js';
import type { ColumnCompareOperator, ColumnRef, CompareOperator, Condition } from './types.js';

/**
 * Hasura's boolean expression (`{_and: […], title: {_like: "A%"}, language: {name: {_eq: "x"}}}`)
 * as a Plan Condition. GraphQL's `where` arguments and the permission rules of `pgduet.yaml`
 * are both written this way; this is the one reading of it. Several keys in one object are
 * ANDed; a relationship key means "the related row matches" (for an array relationship,
 * "some related row matches": EXISTS).
 */

/** What the reading needs from its caller: the names visible to it, and how to read an operand. */
export interface BoolExpScope {
  /** the columns of `entity` that may be named (a protocol's or a role's view) */
  columns(entity: Entity): readonly Column[];
  /** the relationships of `entity` that may be followed, with the entity each leads to */
  relations(entity: Entity): readonly { readonly relation: Relation; readonly target: Entity }[];
  /** an operand as the Plan carries it (permission rules put session variables here) */
  operand?(value: unknown, column: Column): unknown;
  /** computed fields of `entity` that filter like columns: scalar functions of the row alone */
  computed?(entity: Entity): readonly FunctionDef[];
  /** the table `_exists` names (database schema and name), when it may be named */
  table?(schema: string, name: string): Entity | undefined;
  /**
   * How the protocol spells Hasura's snake_case keys: GraphQL's graphql-default naming
   * convention writes `_isNull`, `filmActorsAggregate`, `boolAnd`. Absent: as Hasura's default.
   */
  spell?(name: string): string;
}

/** A key as its hasura-default spelling: the one of `names` that `spell` spells as `key`. */
function unspell(key: string, names: readonly string[], scope: BoolExpScope): string | undefined {
  if (scope.spell === undefined) return names.includes(key) ? key : undefined;
  const spell = scope.spell;
  return names.find((name) => spell(name) === key);
}

const OPERATOR_NAMES = (): readonly string[] => Object.keys(BOOL_EXP_OPERATORS);

/** Hasura's column comparison operators: the operand names a column, not a value. */
export const COLUMN_OPERATORS: Readonly<Record<string, ColumnCompareOperator>> = {
  _ceq: 'eq',
  _cne: 'neq',
  _cneq: 'neq',
  _cgt: 'gt',
  _cgte: 'gte',
  _clt: 'lt',
  _clte: 'lte',
};

/**
 * Hasura's `_cast`: the types a column's value may be converted to before it is compared, by
 * the name the target type has in the dialect (`String` is text).
 */
export function castTargets(type: TypeRef): Readonly<Record<string, TypeRef>> {
  if (type.kind !== 'scalar') return {};
  if (type.name === 'jsonb') return { String: { kind: 'scalar', schema: 'pg_catalog', name: 'text' } };
  if (type.name === 'geometry') return { geography: { kind: 'scalar', schema: type.schema, name: 'geography' } };
  if (type.name === 'geography') return { geometry: { kind: 'scalar', schema: type.schema, name: 'geometry' } };
  return {};
}

export const BOOL_EXP_OPERATORS: Readonly<Record<string, CompareOperator>> = {
  _eq: 'eq',
  _neq: 'neq',
  _gt: 'gt',
  _gte: 'gte',
  _lt: 'lt',
  _lte: 'lte',
  _in: 'in',
  _nin: 'nin',
  _is_null: 'is_null',
  _like: 'like',
  _nlike: 'nlike',
  _ilike: 'ilike',
  _nilike: 'nilike',
  _similar: 'similar',
  _nsimilar: 'nsimilar',
  _regex: 'regex',
  _nregex: 'nregex',
  _iregex: 'iregex',
  _niregex: 'niregex',
  _contains: 'contains',
  _contained_in: 'contained_in',
  _has_key: 'has_key',
  _has_keys_any: 'has_keys_any',
  _has_keys_all: 'has_keys_all',
};

/**
 * The reading of one boolean expression. `root` is the table it was written for: `["$", "col"]`
 * names a column of that row from anywhere inside (through relationships, inside `_exists`).
 */
export function boolExpCondition(entity: Entity, where: Readonly<Record<string, unknown>>, scope: BoolExpScope): Condition {
  const reading = { root: entity, rooted: false };
  const condition = readBoolExp(entity, where, scope, reading);
  return reading.rooted ? { kind: 'root', condition } : condition;
}

interface Reading {
  readonly root: Entity;
  /** a `["$", "col"]` was read: the Condition needs its root marked */
  rooted: boolean;
}

function readBoolExp(entity: Entity, where: Readonly<Record<string, unknown>>, scope: BoolExpScope, reading: Reading): Condition {
  const parts: Condition[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === '_and' || key === '_or') {
      if (value === null) throw invalidRequest(`"${key}" cannot be null`);
      const list = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
      parts.push({ kind: key === '_and' ? 'and' : 'or', conditions: list.map((item) => readBoolExp(entity, object(item, key), scope, reading)) });
      continue;
    }
    if (key === '_not') {
      if (value === null) throw invalidRequest('"_not" cannot be null');
      parts.push({ kind: 'not', condition: readBoolExp(entity, object(value, key), scope, reading) });
      continue;
    }
    if (key === '_exists') {
      parts.push(existsCondition(object(value, key), scope, reading));
      continue;
    }
    if (value === null) throw invalidRequest(`"${key}" cannot be null in a boolean expression`);
    const relation = scope.relations(entity).find((r) => r.relation.name === key);
    if (relation !== undefined) {
      parts.push({ kind: 'related', join: joinOf(relation.relation), condition: readBoolExp(relation.target, object(value, key), scope, reading) });
      continue;
    }
    const aggregated = scope.relations(entity).find((r) => r.relation.type === 'array' && (scope.spell ?? String)(`${r.relation.name}_aggregate`) === key);
    if (aggregated !== undefined) {
      parts.push(...aggregatePredicates(aggregated, object(value, key), scope, reading));
      continue;
    }
    const column = scope.columns(entity).find((c) => c.name === key);
    if (column !== undefined) {
      parts.push(...comparisons(entity, column, { column: column.dbName, type: column.type }, object(value, key), scope, reading));
      continue;
    }
    const computed = scope.computed?.(entity).find((fn) => fn.name === key);
    if (computed !== undefined && computed.returns.kind === 'value') {
      const type = computed.returns.type;
      const ref: ColumnRef = { column: computed.dbName, type, computed: { schema: computed.schema, dbName: computed.dbName } };
      parts.push(...comparisons(entity, pseudoColumn(computed.name, type), ref, object(value, key), scope, reading));
      continue;
    }
    throw invalidRequest(`no column "${key}" in "${entity.name}"`);
  }
  return parts.length === 1 ? (parts[0] as Condition) : { kind: 'and', conditions: parts };
}

/** `{_eq: 1, _ceq: "other", _cast: {String: {_like: "%a%"}}}` over one column (or computed field). */
function comparisons(
  entity: Entity,
  column: Column,
  ref: ColumnRef,
  value: Readonly<Record<string, unknown>>,
  scope: BoolExpScope,
  reading: Reading,
): Condition[] {
  const key = column.name;
  const operators = Object.entries(value).filter(([, operand]) => operand !== undefined);
  // `{_eq: $x}` without $x arrives as {}: matching every row would be a silent leak
  if (operators.length === 0) throw invalidRequest(`no operator for "${key}" (a variable that was not given?)`);
  const parts: Condition[] = [];
  for (const [op, operand] of operators) {
    // Hasura v1 let {_eq: null} match everything, a classic way to leak rows: refuse it
    if (operand === null) throw invalidRequest(`"${op}" on "${key}" cannot be null; use "${(scope.spell ?? String)('_is_null')}"`);
    if (op === '_cast') {
      for (const [target, ops] of Object.entries(object(operand, op))) {
        if (ops === undefined) continue;
        const type = castTargets(ref.type)[target];
        if (type === undefined) throw invalidRequest(`"${key}" cannot be cast to "${target}"`);
        parts.push(...comparisons(entity, { ...column, type }, { ...ref, type, castAs: type }, object(ops, target), scope, reading));
      }
      continue;
    }
    const columnOperator = COLUMN_OPERATORS[op];
    if (columnOperator !== undefined) {
      parts.push({ kind: 'compare_column', column: ref, operator: columnOperator, other: otherColumn(entity, column, operand, scope, reading) });
      continue;
    }
    const operator = BOOL_EXP_OPERATORS[unspell(op, OPERATOR_NAMES(), scope) ?? ''];
    if (operator === undefined) throw invalidRequest(`unknown operator "${op}"`);
    const planned = scope.operand === undefined ? operand : scope.operand(operand, column);
    parts.push({ kind: 'compare', column: ref, operator, value: planned });
  }
  return parts;
}

/**
 * The operand of `_ceq` and friends: `"col"` (a column of the same row) or `["$", "col"]` (of
 * the root row). Its type must be the compared column's, as Hasura requires.
 */
function otherColumn(entity: Entity, column: Column, operand: unknown, scope: BoolExpScope, reading: Reading): { column: string; root?: boolean } {
  const path = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  const rooted = path.length === 2 && path[0] === '$';
  const name = rooted ? path[1] : path.length === 1 ? path[0] : undefined;
  if (typeof name !== 'string') throw invalidRequest(`expected a column name or ["$", column name] for "${column.name}", got ${JSON.stringify(operand)}`);
  const table = rooted ? reading.root : entity;
  const other = scope.columns(table).find((c) => c.name === name);
  if (other === undefined) throw invalidRequest(`no column "${name}" in "${table.name}"`);
  if (JSON.stringify(other.type) !== JSON.stringify(column.type)) {
    throw invalidRequest(`incompatible column types: "${column.name}" and "${name}" cannot be compared`);
  }
  if (rooted) reading.rooted = true;
  return rooted ? { column: other.dbName, root: true } : { column: other.dbName };
}

/** `_exists: {_table: {schema, name}, _where: {…}}`: some row of any table satisfies `_where`. */
function existsCondition(value: Readonly<Record<string, unknown>>, scope: BoolExpScope, reading: Reading): Condition {
  const unknown = Object.keys(value).filter((k) => k !== '_table' && k !== '_where');
  if (unknown.length > 0) throw invalidRequest(`"_exists" takes "_table" and "_where", not "${unknown.join('", "')}"`);
  const table = value['_table'];
  const where = value['_where'];
  if (table === undefined || table === null) throw invalidRequest('"_exists" needs "_table"');
  if (where === undefined || where === null) throw invalidRequest('"_exists" needs "_where"');
  // Hasura takes {schema, name} or a bare name (in the first schema)
  const { schema, name } = typeof table === 'string' ? { schema: undefined, name: table } : (object(table, '_table') as { schema?: unknown; name?: unknown });
  if (typeof name !== 'string' || (schema !== undefined && schema !== null && typeof schema !== 'string')) throw invalidRequest('"_table" is {schema, name}');
  const entity = scope.table?.(typeof schema === 'string' ? schema : '', name);
  if (entity === undefined) throw invalidRequest(`no table ${typeof schema === 'string' ? `"${schema}".` : ''}"${name}" for "_exists"`);
  return { kind: 'exists', entity: { schema: entity.schema, dbName: entity.dbName }, condition: readBoolExp(entity, object(where, '_where'), scope, reading) };
}

function object(value: unknown, key: string): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`"${key}" expects an object`);
  return value as Readonly<Record<string, unknown>>;
}

function pseudoColumn(name: string, type: TypeRef): Column {
  return { name, dbName: name, type, nullable: true, hasDefault: false, generated: false };
}

const AGGREGATE_PREDICATES = ['count', 'bool_and', 'bool_or'] as const;

/**
 * `<rel>_aggregate: {count: {arguments: [col], distinct: true, filter: {…}, predicate: {_gt: 1}}}`
 * (and `bool_and` / `bool_or` of a boolean column): Hasura's aggregate predicates.
 */
function aggregatePredicates(
  related: { readonly relation: Relation; readonly target: Entity },
  value: Readonly<Record<string, unknown>>,
  scope: BoolExpScope,
  reading: Reading,
): Condition[] {
  const out: Condition[] = [];
  for (const [key, spec] of Object.entries(value)) {
    if (spec === undefined) continue;
    const fn = unspell(key, AGGREGATE_PREDICATES, scope);
    if (fn === undefined || spec === null || typeof spec !== 'object') throw invalidRequest(`unknown aggregate predicate "${key}"`);
    const { arguments: args, distinct, filter, predicate } = spec as Record<string, unknown>;
    const names = args === undefined || args === null ? [] : Array.isArray(args) ? (args as string[]) : [args as string];
    const columns = names.map((name) => {
      const column = scope.columns(related.target).find((c) => c.name === name);
      if (column === undefined) throw invalidRequest(`no column "${name}" in "${related.target.name}"`);
      if (fn !== 'count' && !(column.type.kind === 'scalar' && column.type.name === 'bool')) throw invalidRequest(`"${fn}" takes a boolean column, not "${name}"`);
      return column.dbName;
    });
    if (fn !== 'count' && columns.length !== 1) throw invalidRequest(`"${fn}" takes one boolean column in "arguments"`);
    if (predicate === undefined || predicate === null || typeof predicate !== 'object') throw invalidRequest(`"${fn}" needs a "predicate"`);
    const comparisons = Object.entries(predicate as Record<string, unknown>).filter(([, operand]) => operand !== undefined).map(([op, operand]) => {
      const operator = BOOL_EXP_OPERATORS[unspell(op, OPERATOR_NAMES(), scope) ?? ''];
      if (operator === undefined || !['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'is_null'].includes(operator)) throw invalidRequest(`unknown operator "${op}" in an aggregate predicate`);
      if (operand === null) throw invalidRequest(`"${op}" of an aggregate predicate cannot be null`);
      return { operator, value: operand };
    });
    if (comparisons.length === 0) throw invalidRequest(`no operator in the "predicate" of "${fn}" (a variable that was not given?)`);
    out.push({
      kind: 'related_aggregate',
      join: joinOf(related.relation),
      fn: fn as (typeof AGGREGATE_PREDICATES)[number],
      ...(columns.length > 0 ? { columns } : {}),
      ...(distinct === true ? { distinct: true } : {}),
      ...(filter === undefined || filter === null ? {} : { condition: readBoolExp(related.target, object(filter, 'filter'), scope, reading) }),
      predicate: comparisons,
    });
  }
  return out;
}
