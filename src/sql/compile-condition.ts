import type { TypeRef } from '../model/index.js';
import type { ColumnRef, CompareOperator, Condition, JoinPath } from '../plan/index.js';
import { aggregateResultType, INT8 } from './aggregate-type.js';
import { qualified, quoteIdentifier, sqlType, type Aliases, type Params } from './fragments.js';

export interface Scope {
  readonly params: Params;
  readonly aliases: Aliases;
  /** the alias of the row a `root` condition was written for (Hasura's `["$", "col"]`) */
  readonly root?: string;
}

const TEXT: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'text' };

/** Binary operators whose right side has the column's own type. */
const SAME_TYPE: Partial<Record<CompareOperator, string>> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  contains: '@>',
  contained_in: '<@',
  is_distinct: 'is distinct from',
  overlaps: '&&',
  strictly_left: '<<',
  strictly_right: '>>',
  not_extends_right: '&<',
  not_extends_left: '&>',
  adjacent: '-|-',
};

/** Pattern operators: the pattern is text. */
const PATTERN: Partial<Record<CompareOperator, string>> = {
  like: 'like',
  nlike: 'not like',
  ilike: 'ilike',
  nilike: 'not ilike',
  similar: 'similar to',
  nsimilar: 'not similar to',
  regex: '~',
  nregex: '!~',
  iregex: '~*',
  niregex: '!~*',
};

/** A Condition over the row called `row` (an already quoted alias), as a SQL boolean expression. */
export function compileCondition(condition: Condition, row: string, scope: Scope): string {
  switch (condition.kind) {
    case 'and':
      return condition.conditions.length === 0
        ? 'true'
        : `(${condition.conditions.map((c) => compileCondition(c, row, scope)).join(' and ')})`;
    case 'or':
      return condition.conditions.length === 0
        ? 'false'
        : `(${condition.conditions.map((c) => compileCondition(c, row, scope)).join(' or ')})`;
    case 'not':
      return `not ${compileCondition(condition.condition, row, scope)}`;
    case 'related': {
      const { from, where } = joinFrom(condition.join, row, scope);
      return `exists (select 1 from ${from} where ${[...where, compileCondition(condition.condition, from.alias, scope)].join(' and ')})`;
    }
    case 'related_aggregate':
      return compileAggregatePredicate(condition, row, scope);
    case 'group_aggregate':
      return compileGroupAggregate(condition, row, scope);
    case 'root':
      return compileCondition(condition.condition, row, { ...scope, root: row });
    case 'exists': {
      const alias = scope.aliases.next('e');
      return `exists (select 1 from ${qualified(condition.entity)} as ${alias} where ${compileCondition(condition.condition, alias, scope)})`;
    }
    case 'compare_column': {
      const operator = SAME_TYPE[condition.operator] ?? '=';
      const otherRow = condition.other.root === true ? scope.root : row;
      if (otherRow === undefined) throw new Error('a root column outside a root condition');
      const other = columnExpression(otherRow, { column: condition.other.column, ...(condition.column.castAs === undefined ? {} : { castAs: condition.column.castAs }) }, scope);
      return `${columnExpression(row, condition.column, scope)} ${operator} ${other}`;
    }
    case 'compare':
      return compileCompare(condition, row, scope);
    case 'text_search': {
      const column = columnExpression(row, condition.column, scope);
      const tsvector = condition.column.type.kind === 'scalar' && condition.column.type.name === 'tsvector';
      const language = condition.language === undefined ? '' : `${scope.params.add(condition.language, REGCONFIG)}, `;
      const document = tsvector ? column : `to_tsvector(${language}${column}::text)`;
      return `${document} @@ ${condition.parser}(${language}${scope.params.add(condition.query, TEXT)})`;
    }
  }
}

const REGCONFIG: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'regconfig' };
const BOOL: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'bool' };

/**
 * `(select <comparisons of a.v> from (select count(…) as v from <related rows> where <join>
 * and <filter>) as a)`: the aggregate computed once, then compared like a column.
 */
function compileAggregatePredicate(condition: Extract<Condition, { kind: 'related_aggregate' }>, row: string, scope: Scope): string {
  const { from, where } = joinFrom(condition.join, row, scope);
  const columns = (condition.columns ?? []).map((c) => `${from.alias}.${quoteIdentifier(c)}`);
  const distinct = condition.distinct === true ? 'distinct ' : '';
  let value: string;
  if (condition.fn === 'count') value = columns.length === 0 ? (distinct === '' ? 'count(*)' : `count(distinct ${from.alias}.*)`) : `count(${distinct}${columns.length === 1 ? columns[0] : `row(${columns.join(', ')})`})`;
  else value = `${condition.fn}(${distinct}${columns[0] ?? 'null'})`;
  const filter = condition.condition === undefined ? [] : [compileCondition(condition.condition, from.alias, scope)];
  const a = scope.aliases.next('a');
  const v = quoteIdentifier('v');
  const type = condition.fn === 'count' ? INT8 : BOOL;
  const comparisons = condition.predicate.map((p) => compileCompare({ kind: 'compare', column: { column: 'v', type }, operator: p.operator, value: p.value }, a, scope));
  return `(select ${comparisons.join(' and ')} from (select ${value} as ${v} from ${from} where ${[...where, ...filter].join(' and ')}) as ${a})`;
}

/**
 * `count(…) filter (where …) > $1 and …`: an aggregate of the rows of the group being kept or
 * not (a grouped read's HAVING; `row` is the alias its rows are read under), compared by each
 * entry of the predicate. The values are typed as PostgreSQL types the aggregate's result.
 */
function compileGroupAggregate(condition: Extract<Condition, { kind: 'group_aggregate' }>, row: string, scope: Scope): string {
  const columns = (condition.columns ?? []).map((c) => `${row}.${quoteIdentifier(c.column)}`);
  const distinct = condition.distinct === true ? 'distinct ' : '';
  const first = condition.columns?.[0];
  let argument: string;
  if (condition.fn === 'count') argument = columns.length === 0 ? (distinct === '' ? '*' : `distinct ${row}.*`) : `${distinct}${columns.length === 1 ? columns[0] : `row(${columns.join(', ')})`}`;
  else if (first === undefined) throw new Error(`group_aggregate: ${condition.fn} needs a column`);
  else argument = `${distinct}${columns[0]}`;
  const filter = condition.condition === undefined ? '' : ` filter (where ${compileCondition(condition.condition, row, scope)})`;
  const value = `${condition.fn}(${argument})${filter}`;
  const type = first === undefined || condition.fn === 'count' ? INT8 : aggregateResultType(condition.fn, first.type);
  if (condition.predicate.length === 0) return 'true';
  return `(${condition.predicate.map((p) => compareExpression(value, type, p.operator, p.value, undefined, scope)).join(' and ')})`;
}

/** `row."col"`, or with a JSON path `row."col"->'a'->>'b'` (keys and indexes as parameters). */
export function columnExpression(
  row: string,
  ref: { readonly column: string; readonly path?: ColumnRef['path']; readonly computed?: ColumnRef['computed']; readonly castAs?: ColumnRef['castAs'] },
  scope: Scope,
): string {
  const base = ref.computed === undefined ? `${row}.${quoteIdentifier(ref.column)}` : `${qualified(ref.computed)}(${row})`;
  const value = ref.path === undefined || ref.path.length === 0
    ? base
    : `(${base}${ref.path.map((step) => `${step.arrow}${typeof step.key === 'number' ? scope.params.add(step.key, INT4) : scope.params.add(step.key, TEXT)}`).join('')})`;
  // jsonb cast to text is its JSON text, as Hasura's `_cast: {String: …}`
  return ref.castAs === undefined ? value : `(${value})::${sqlType(ref.castAs)}`;
}

const INT4: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' };

function compileCompare(condition: Extract<Condition, { kind: 'compare' }>, row: string, scope: Scope): string {
  const { column, operator, value, quantifier } = condition;
  return compareExpression(columnExpression(row, column, scope), column.type, operator, value, quantifier, scope);
}

/** `left <operator> value`, the value a parameter of `type` (the left side's). */
function compareExpression(left: string, type: TypeRef, operator: CompareOperator, value: unknown, quantifier: 'any' | 'all' | undefined, scope: Scope): string {
  const column = { type };
  const same = SAME_TYPE[operator];
  const pattern = PATTERN[operator];
  // text columns compare as they are (citext stays case-insensitive, indexes stay usable);
  // others (enums…) as their text
  const patternLeft = isTextual(column.type) ? left : `${left}::text`;
  if (quantifier !== undefined) {
    // `col like any ($1::text[])`: one array parameter for the whole list
    if (same !== undefined) return `${left} ${same} ${quantifier} (${scope.params.addArray(asList(value), column.type)})`;
    if (pattern !== undefined) return `${patternLeft} ${pattern} ${quantifier} (${scope.params.addArray(asList(value), TEXT)})`;
    throw new Error(`operator ${operator} takes no any/all quantifier`);
  }
  if (same !== undefined) return `${left} ${same} ${scope.params.add(value, column.type)}`;
  if (pattern !== undefined) return `${patternLeft} ${pattern} ${scope.params.add(value, TEXT)}`;
  switch (operator) {
    case 'in':
    case 'nin': {
      const list = asList(value);
      if (column.type.kind === 'array') {
        // an array of arrays cannot be one parameter (PostgreSQL arrays are not nested):
        // one parameter per candidate
        if (list.length === 0) return operator === 'in' ? 'false' : 'true';
        return `${left} ${operator === 'in' ? 'in' : 'not in'} (${list.map((v) => scope.params.add(v, column.type)).join(', ')})`;
      }
      return operator === 'in'
        ? `${left} = any (${scope.params.addArray(list, column.type)})`
        : `${left} <> all (${scope.params.addArray(list, column.type)})`;
    }
    case 'is_null':
      return value === true ? `${left} is null` : `${left} is not null`;
    case 'is':
      if (value !== 'true' && value !== 'false' && value !== 'unknown') throw new Error(`is: expected true, false or unknown, not ${String(value)}`);
      return `${left} is ${value}`;
    case 'has_key':
      return `${left} ? ${scope.params.add(value, TEXT)}`;
    case 'has_keys_any':
      return `${left} ?| ${scope.params.addArray(asList(value), TEXT)}`;
    case 'has_keys_all':
      return `${left} ?& ${scope.params.addArray(asList(value), TEXT)}`;
    default:
      throw new Error(`operator ${operator} has no SQL form`);
  }
}

const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);

function isTextual(type: TypeRef): boolean {
  return type.kind === 'scalar' && TEXT_TYPES.has(type.name);
}

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** A FROM item with an alias, printable as `"schema"."table" as "t3"`. */
export interface AliasedFrom {
  readonly alias: string;
  toString(): string;
}

/**
 * The target of a join as a FROM item, and the conditions that tie it to `row`. For
 * many-to-many the junction joins in: `target join junction on …`, tied through the junction.
 */
export function joinFrom(join: JoinPath, row: string, scope: Scope): { from: AliasedFrom; where: string[] } {
  const target = scope.aliases.next();
  if (join.through === undefined) {
    const where = join.mapping.map((p) => `${target}.${quoteIdentifier(p.to)} = ${row}.${quoteIdentifier(p.from)}`);
    return { from: aliased(`${qualified(join.target)} as ${target}`, target), where };
  }
  const junction = scope.aliases.next('j');
  const on = join.through.targetMapping.map((p) => `${junction}.${quoteIdentifier(p.from)} = ${target}.${quoteIdentifier(p.to)}`).join(' and ');
  const where = join.mapping.map((p) => `${junction}.${quoteIdentifier(p.to)} = ${row}.${quoteIdentifier(p.from)}`);
  return {
    from: aliased(`${qualified(join.target)} as ${target} join ${qualified(join.through.junction)} as ${junction} on ${on}`, target),
    where,
  };
}

function aliased(text: string, alias: string): AliasedFrom {
  return { alias, toString: () => text };
}
