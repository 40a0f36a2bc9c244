import { Cursor } from './cursor.js';
import { readIdentifier } from './field-path.js';
import type { FieldPath, Filter, FilterOperator, FilterValue } from './types.js';
import { readArrayLiteral, readList, readTreeValue } from './values.js';

/**
 * The right-hand side of a filter: `[not.]op[(modifier)].value`. At the top level
 * (`col=eq.a,b`) the value is everything after `op.`, verbatim; inside a logic tree
 * (`or=(col.eq.a,…)`) it ends at `,` or `)` unless quoted. The operator decides the value's
 * shape: `in` a list, `is` a keyword, fts a query with an optional language, a quantified
 * operator (`eq(any)`) an array literal.
 */

const OPERATORS: ReadonlySet<string> = new Set<FilterOperator>([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct',
  'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj',
]);
const QUANTIFIABLE: ReadonlySet<string> = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);
const FULL_TEXT: ReadonlySet<string> = new Set(['fts', 'plfts', 'phfts', 'wfts']);
const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const;

/** Whether `word` is one of PostgREST's filter operators. */
export const isOperator = (word: string): word is FilterOperator => OPERATORS.has(word);

/** A filter without its column: what `readOperation` finds after `col=` or `col.`. */
export type Operation = Omit<Filter, 'kind' | 'field'>;

/** `col=value`: `field` is the column (and JSON path) named by the key. */
export function parseFilter(field: FieldPath, value: string): Filter {
  const cursor = new Cursor(value, `failed to parse filter (${value})`);
  return { kind: 'filter', field, ...readOperation(cursor, false) };
}

const isWordChar = (char: string): boolean => !'.(),'.includes(char);

function readOperator(cursor: Cursor): FilterOperator {
  const start = cursor.mark();
  const word = cursor.takeWhile(isWordChar);
  if (word === '') cursor.unexpected('operator (eq, gt, ...)');
  if (!isOperator(word)) {
    cursor.reset(start);
    return cursor.fail(`unknown operator ${JSON.stringify(word)} at column ${start + 1}`);
  }
  return word;
}

/** Reads `[not.]op[(…)].value`; `inTree` stops a bare value at `,` or `)`. */
export function readOperation(cursor: Cursor, inTree: boolean): Operation {
  const negated = cursor.startsWith('not.');
  if (negated) cursor.eat('not.');
  const operator = readOperator(cursor);
  let language: string | undefined;
  let quantifier: 'any' | 'all' | undefined;
  if (cursor.peek() === '(') {
    if (FULL_TEXT.has(operator)) {
      cursor.eat('(');
      language = readIdentifier(cursor, 'a text search language, as in fts(english)');
      cursor.expect(')');
    } else if (QUANTIFIABLE.has(operator)) {
      cursor.eat('(');
      quantifier = cursor.eat('any') ? 'any' : cursor.eat('all') ? 'all' : cursor.unexpected('"any" or "all"');
      cursor.expect(')');
    }
  }
  cursor.expect('.', `"." after the operator ${JSON.stringify(operator)}`);
  const value = readValue(cursor, operator, quantifier !== undefined, language, inTree);
  return { negated, operator, ...(quantifier === undefined ? {} : { quantifier }), value };
}

function readValue(
  cursor: Cursor,
  operator: FilterOperator,
  quantified: boolean,
  language: string | undefined,
  inTree: boolean,
): FilterValue {
  if (operator === 'in') return withEnd(cursor, inTree, { kind: 'list', values: readList(cursor) });
  if (quantified) return withEnd(cursor, inTree, { kind: 'list', values: readArrayLiteral(cursor) });
  if (operator === 'is') return readIs(cursor, inTree);
  const text = inTree ? readTreeValue(cursor) : cursor.rest();
  if (FULL_TEXT.has(operator)) return { kind: 'fts', ...(language === undefined ? {} : { language }), query: text };
  return { kind: 'scalar', value: text };
}

/** At the top level a list is the whole value: `in.(1,2)x` is a mistake, not a value. */
function withEnd(cursor: Cursor, inTree: boolean, value: FilterValue): FilterValue {
  if (!inTree) cursor.expectEnd('end of input after the list');
  return value;
}

function readIs(cursor: Cursor, inTree: boolean): FilterValue {
  const start = cursor.mark();
  const word = (inTree ? cursor.takeWhile((char) => char !== ',' && char !== ')') : cursor.rest()).toLowerCase();
  const value = IS_VALUES.find((candidate) => candidate === word);
  if (value === undefined) {
    cursor.reset(start);
    cursor.unexpected('null, not_null, true, false or unknown');
  }
  return { kind: 'is', value };
}
