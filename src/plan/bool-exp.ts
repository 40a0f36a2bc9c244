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
