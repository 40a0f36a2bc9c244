import { Cursor } from './cursor.js';
import { readField } from './field-path.js';
import { readOperation } from './filter.js';
import type { Condition, Logic } from './types.js';

/**
 * `or=(age.lt.18,and(a.eq.1,b.eq.2),not.or(c.is.null,d.eq."x,y"))`: the key gives the outer
 * operator (and its `not.`), the value the parenthesised conditions. An element is a nested
 * tree when it starts with `and(`, `or(`, `not.and(` or `not.or(`, otherwise a filter
 * `field.op.value` — so a column named `and` still filters as `and.eq.1`.
 */
export function parseLogic(kind: 'and' | 'or', negated: boolean, value: string): Logic {
  const cursor = new Cursor(value, `failed to parse logic tree (${value})`);
  cursor.skipSpaces();
  const conditions = readConditions(cursor);
  cursor.expectEnd('end of input after ")"');
  return { kind, negated, conditions };
}

function readConditions(cursor: Cursor): Condition[] {
  cursor.expect('(', '"(" (a logic tree is parenthesised: or=(a.eq.1,b.eq.2))');
  return cursor.nest(() => {
    const conditions: Condition[] = [];
    do {
      cursor.skipSpaces();
      conditions.push(readCondition(cursor));
      cursor.skipSpaces();
    } while (cursor.eat(','));
    cursor.expect(')', '"," or ")"');
    cursor.skipSpaces();
    return conditions;
  });
}

const NESTED = [
  { prefix: 'not.and(', kind: 'and', negated: true },
  { prefix: 'not.or(', kind: 'or', negated: true },
  { prefix: 'and(', kind: 'and', negated: false },
  { prefix: 'or(', kind: 'or', negated: false },
] as const;

function readCondition(cursor: Cursor): Condition {
  const nested = NESTED.find(({ prefix }) => cursor.startsWith(prefix));
  if (nested !== undefined) {
    cursor.eat(nested.prefix.slice(0, -1));
    return { kind: nested.kind, negated: nested.negated, conditions: readConditions(cursor) };
  }
  if (cursor.peek() === ')' || cursor.peek() === ',' || cursor.done) {
    cursor.unexpected('a filter (field.op.value) or a logic operator (and(…), or(…), not.and(…), not.or(…))');
  }
  const field = readField(cursor);
  cursor.skipSpaces();
  cursor.expect('.', '"." then an operator (field.op.value)');
  return { kind: 'filter', field, ...readOperation(cursor, true) };
}
