import { invalidRequest, notSupported } from '../../errors/index.js';
import type { Column, Entity, TypeGraph, TypeRef } from '../../model/index.js';
import type { ColumnRef, CompareOperator, Condition, JsonPathStep, TextSearchParser } from '../../plan/index.js';
import type { Condition as RestCondition, FieldPath, Filter } from '../parse/index.js';
import { isJsonType } from '../../sql/index.js';
import { resolveColumn } from './resolve.js';

/**
 * PostgREST's filters as Plan conditions. Values stay the text the client wrote and go to
 * PostgreSQL as parameters cast to the column's type, so PostgreSQL parses them exactly as
 * PostgREST's would be (`eq.2024-05-01`, `cs.{1,2}`, `adj.[1,5)`); only JSON operands are
 * parsed here, because a jsonb parameter is sent as JSON text.
 */

const TEXT: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'text' };

/** PostgREST operator → Plan operator, for the operators that are one comparison. */
const COMPARE: Partial<Record<Filter['operator'], CompareOperator>> = {
  eq: 'eq',
  neq: 'neq',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
  like: 'like',
  ilike: 'ilike',
  match: 'regex',
  imatch: 'iregex',
  isdistinct: 'is_distinct',
  cs: 'contains',
  cd: 'contained_in',
  ov: 'overlaps',
  sl: 'strictly_left',
  sr: 'strictly_right',
  nxr: 'not_extends_right',
  nxl: 'not_extends_left',
  adj: 'adjacent',
};

const TEXT_SEARCH: Partial<Record<Filter['operator'], TextSearchParser>> = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery',
};

/** A parsed condition (filter or logic tree) over the rows of `entity`. */
export function planCondition(condition: RestCondition, entity: Entity, graph?: TypeGraph): Condition {
  if (condition.kind === 'filter') return planFilter(condition, entity, graph);
  const conditions = condition.conditions.map((c) => planCondition(c, entity, graph));
  const tree: Condition = { kind: condition.kind, conditions };
  return condition.negated ? { kind: 'not', condition: tree } : tree;
}

function planFilter(filter: Filter, entity: Entity, graph: TypeGraph | undefined): Condition {
  const ref = columnRef(entity, filter.field, graph);
  const planned = comparison(filter, ref);
  return filter.negated ? { kind: 'not', condition: planned } : planned;
}

function comparison(filter: Filter, column: ColumnRef): Condition {
  const { value, operator } = filter;
  if (value.kind === 'is') {
    if (value.value === 'null') return { kind: 'compare', column, operator: 'is_null', value: true };
    if (value.value === 'not_null') return { kind: 'compare', column, operator: 'is_null', value: false };
    return { kind: 'compare', column, operator: 'is', value: value.value };
  }
  if (value.kind === 'fts') {
    const parser = TEXT_SEARCH[operator];
    if (parser === undefined) throw invalidRequest(`operator ${operator} takes no language`, { postgrest: 'PGRST100' });
    return { kind: 'text_search', column, parser, ...(value.language === undefined ? {} : { language: value.language }), query: value.query };
  }
  if (operator === 'in') {
    if (value.kind !== 'list') throw invalidRequest(`failed to parse filter (in.${value.kind === 'scalar' ? value.value : ''})`, { postgrest: 'PGRST100', details: 'expected a list in parentheses: in.(a,b)' });
    return { kind: 'compare', column, operator: 'in', value: value.values.map((v) => operand(v, column.type)) };
  }
  const parser = TEXT_SEARCH[operator];
  if (parser !== undefined && value.kind === 'scalar') return { kind: 'text_search', column, parser, query: value.value };
  const compare = COMPARE[operator];
  if (compare === undefined) throw invalidRequest(`operator ${operator} cannot be used here`, { postgrest: 'PGRST100' });
  const pattern = operator === 'like' || operator === 'ilike';
  const convert = (text: string): unknown => (pattern ? text.replaceAll('*', '%') : operand(text, column.type));
  if (value.kind === 'list') {
    if (filter.quantifier === undefined) throw invalidRequest(`operator ${operator} takes one value`, { postgrest: 'PGRST100' });
    return { kind: 'compare', column, operator: compare, value: value.values.map(convert), quantifier: filter.quantifier };
  }
  if (value.kind !== 'scalar') throw invalidRequest(`operator ${operator} takes one value`, { postgrest: 'PGRST100' });
  return { kind: 'compare', column, operator: compare, value: convert(value.value) };
}

/** A column (with its JSON path) of `entity`, as conditions and orders refer to it. */
export function columnRef(entity: Entity, field: FieldPath, graph?: TypeGraph): ColumnRef {
  // a computed field (PostgREST's): filtered and ordered by like a column
  const computed = graph === undefined || field.jsonPath.length > 0 || entity.columns.some((c) => c.name === field.name) ? undefined : findComputedField(graph, entity, field.name);
  if (computed !== undefined && computed.returns.kind === 'value') {
    return { column: computed.dbName, type: computed.returns.type, computed: { schema: computed.schema, dbName: computed.dbName } };
  }
  const column = resolveColumn(entity, field.name);
  if (field.jsonPath.length === 0) return { column: column.dbName, type: column.type };
  return { column: column.dbName, type: pathType(column, field), path: jsonPath(column, field) };
}

export function jsonPath(column: Column, field: FieldPath): JsonPathStep[] {
  if (!isJsonType(column.type)) {
    throw invalidRequest(`column ${field.name} is not json or jsonb: it has no JSON path`, { postgrest: 'PGRST100', details: `${field.name} is of type ${typeName(column.type)}` });
  }
  return field.jsonPath.map((step) => ({ arrow: step.arrow, key: step.key }));
}

/** The type of `col->…->>x` (text) or `col->…->x` (the column's json type). */
export function pathType(column: Column, field: FieldPath): TypeRef {
  const last = field.jsonPath[field.jsonPath.length - 1];
  return last?.arrow === '->>' ? TEXT : column.type;
}

/** A filter's text as the value of a parameter of `type`. */
export function operand(text: string, type: TypeRef): unknown {
  if (!isJsonType(type)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest(`invalid input syntax for type json: ${text}`, { postgrest: 'PGRST100', hint: 'a JSON value is expected here; a string needs double quotes' });
  }
}

function typeName(type: TypeRef): string {
  return type.kind === 'array' ? `${typeName(type.element)}[]` : type.name;
}

/** A filter names an embedded resource instead of a column: `rel=is.null`, `rel=not.is.null`. */
export function embedNullFilter(filter: Filter): 'exists' | 'not_exists' {
  if (filter.operator !== 'is' || filter.value.kind !== 'is' || filter.field.jsonPath.length > 0) {
    throw notSupported(`an embedded resource can only be filtered with is.null or not.is.null`, { postgrest: 'PGRST100' });
  }
  const isNull = filter.value.value === 'null';
  const notNull = filter.value.value === 'not_null';
  if (!isNull && !notNull) throw invalidRequest('an embedded resource is null or not null, nothing else', { postgrest: 'PGRST100' });
  return isNull !== filter.negated ? 'not_exists' : 'exists';
}

/** A computed field of `entity`: a non-volatile function of its row (other arguments defaulted), by name. */
export function findComputedField(graph: TypeGraph, entity: Entity, name: string): TypeGraph['functions'][number] | undefined {
  return graph.functions.find(
    (f) =>
      f.name === name &&
      f.computedFieldOf?.schema === entity.schema &&
      f.computedFieldOf.dbName === entity.dbName &&
      f.volatility !== 'volatile' &&
      f.args.slice(1).every((a) => a.hasDefault),
  );
}
