import type { Cursor } from './cursor.js';

/**
 * The quoting rules shared by filters, logic trees and names. PostgREST lets a value or a name
 * be double-quoted wherever a bare one would stop at a reserved character (`,` `.` `(` `)` `:`):
 * inside the quotes `\x` stands for `x`, so `\"` and `\\` are the only escapes anyone needs.
 */

/** Reads `"…"` at the cursor and returns its content, unescaped. */
export function readQuoted(cursor: Cursor): string {
  const start = cursor.pos;
  cursor.expect('"');
  let value = '';
  for (;;) {
    if (cursor.done) cursor.fail(`unterminated quoted value starting at column ${start + 1}`);
    const char = cursor.peek();
    cursor.eat(char);
    if (char === '"') return value;
    if (char === '\\') {
      if (cursor.done) cursor.fail(`unterminated quoted value starting at column ${start + 1}`);
      const escaped = cursor.peek();
      cursor.eat(escaped);
      value += escaped;
    } else {
      value += char;
    }
  }
}

/** The inverse of readQuoted: a value that comes back unchanged from any quoted position. */
export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

const isItemChar = (char: string): boolean => char !== ',' && char !== ')';

/**
 * `in.(a,"b,c",d)`: the items, unquoted. A bare item runs to the next `,` or `)` verbatim
 * (blanks included, except right after `(`, as in PostgREST); a quoted one must be followed by
 * one of them. `()` is the empty list, `("")` a list of one empty string.
 */
export function readList(cursor: Cursor): string[] {
  cursor.skipSpaces();
  cursor.expect('(', '"(" (a list: in.(a,b))');
  cursor.skipSpaces();
  const values: string[] = [];
  if (!cursor.eat(')')) {
    do {
      values.push(cursor.peek() === '"' ? readQuoted(cursor) : cursor.takeWhile(isItemChar));
    } while (cursor.eat(','));
    cursor.expect(')', '"," or ")"');
  }
  cursor.skipSpaces();
  return values;
}

/**
 * A PostgreSQL array literal `{a,"b,c"}`, as the quantified operators take it
 * (`like(any).{a*,b*}`): the elements, unquoted. Bare elements are trimmed and may use `\`
 * escapes, as PostgreSQL's own array input does; nested arrays are refused.
 */
export function readArrayLiteral(cursor: Cursor): string[] {
  cursor.expect('{', '"{" (a list: {a,b})');
  const values: string[] = [];
  cursor.skipSpaces();
  if (cursor.eat('}')) return values;
  do {
    cursor.skipSpaces();
    if (cursor.peek() === '{') cursor.fail(`nested arrays are not supported (column ${cursor.pos + 1})`);
    values.push(cursor.peek() === '"' ? readQuoted(cursor) : readBareElement(cursor));
    cursor.skipSpaces();
  } while (cursor.eat(','));
  cursor.expect('}', '"," or "}"');
  return values;
}

function readBareElement(cursor: Cursor): string {
  let value = '';
  while (!cursor.done && !',}{"'.includes(cursor.peek())) {
    const char = cursor.peek();
    cursor.eat(char);
    if (char === '\\') {
      if (cursor.done) cursor.unexpected('a character after "\\"');
      const escaped = cursor.peek();
      cursor.eat(escaped);
      value += escaped;
    } else {
      value += char;
    }
  }
  if (value.trim() === '') cursor.unexpected('an array element');
  return value.trim();
}

/**
 * A scalar inside a logic tree, where `,` and `)` end it: a quoted value, a `{…}` array literal
 * kept verbatim (its commas do not end it), or bare text up to the next `,` or `)`.
 */
export function readTreeValue(cursor: Cursor): string {
  if (cursor.peek() === '"') return readQuoted(cursor);
  if (cursor.peek() === '{') {
    const close = cursor.text.indexOf('}', cursor.pos);
    const open = cursor.text.indexOf('{', cursor.pos + 1);
    if (close !== -1 && (open === -1 || open > close)) {
      const literal = cursor.text.slice(cursor.pos, close + 1);
      cursor.eat(literal);
      return literal;
    }
  }
  return cursor.takeWhile(isItemChar);
}
