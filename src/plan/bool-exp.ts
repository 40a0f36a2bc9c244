import { invalidRequest } from '../errors/index.js';
import type { Column, Entity, Relation } from '../model/index.js';
import { joinOf } from './join.js';
import type { CompareOperator, Condition } from './types.js';

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

export function boolExpCondition(entity: Entity, where: Readonly<Record<string, unknown>>, scope: BoolExpScope): Condition {
  const parts: Condition[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === '_and' || key === '_or') {
      if (value === null) throw invalidRequest(`"${key}" cannot be null`);
      const list = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
      parts.push({ kind: key === '_and' ? 'and' : 'or', conditions: list.map((item) => boolExpCondition(entity, item, scope)) });
      continue;
    }
    if (key === '_not') {
      if (value === null) throw invalidRequest('"_not" cannot be null');
      parts.push({ kind: 'not', condition: boolExpCondition(entity, value as Record<string, unknown>, scope) });
      continue;
    }
    if (value === null) throw invalidRequest(`"${key}" cannot be null in a boolean expression`);
    const relation = scope.relations(entity).find((r) => r.relation.name === key);
    if (relation !== undefined) {
      parts.push({ kind: 'related', join: joinOf(relation.relation), condition: boolExpCondition(relation.target, value as Record<string, unknown>, scope) });
      continue;
    }
    const aggregated = scope.relations(entity).find((r) => r.relation.type === 'array' && `${r.relation.name}_aggregate` === key);
    if (aggregated !== undefined) {
      parts.push(...aggregatePredicates(aggregated, value as Record<string, unknown>, scope));
      continue;
    }
    const column = scope.columns(entity).find((c) => c.name === key);
    if (column === undefined) throw invalidRequest(`no column "${key}" in "${entity.name}"`);
    const operators = Object.entries(value as Record<string, unknown>).filter(([, operand]) => operand !== undefined);
    // `{_eq: $x}` without $x arrives as {}: matching every row would be a silent leak
    if (operators.length === 0) throw invalidRequest(`no operator for "${key}" (a variable that was not given?)`);
    for (const [op, operand] of operators) {
      const operator = BOOL_EXP_OPERATORS[op];
      if (operator === undefined) throw invalidRequest(`unknown operator "${op}"`);
      // Hasura v1 let {_eq: null} match everything, a classic way to leak rows: refuse it
      if (operand === null) throw invalidRequest(`"${op}" on "${key}" cannot be null; use "_is_null"`);
      const planned = scope.operand === undefined ? operand : scope.operand(operand, column);
      parts.push({ kind: 'compare', column: { column: column.dbName, type: column.type }, operator, value: planned });
    }
  }
  return parts.length === 1 ? (parts[0] as Condition) : { kind: 'and', conditions: parts };
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
): Condition[] {
  const out: Condition[] = [];
  for (const [fn, spec] of Object.entries(value)) {
    if (spec === undefined) continue;
    if (!(AGGREGATE_PREDICATES as readonly string[]).includes(fn) || spec === null || typeof spec !== 'object') throw invalidRequest(`unknown aggregate predicate "${fn}"`);
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
      const operator = BOOL_EXP_OPERATORS[op];
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
      ...(filter === undefined || filter === null ? {} : { condition: boolExpCondition(related.target, filter as Record<string, unknown>, scope) }),
      predicate: comparisons,
    });
  }
  return out;
}
