import { Cursor } from './cursor.js';
import { readField, readFieldName, readJsonPath } from './field-path.js';
import type { FieldPath, OrderTerm } from './types.js';

/**
 * `order=a.desc.nullslast,data->>x,rel(col).asc`: one or more terms, each a column (with an
 * optional JSON path) or `rel(col)` — a column of a to-one embedding — then an optional
 * direction and an optional nulls position, in that order.
 */
export function parseOrder(text: string): OrderTerm[] {
  const cursor = new Cursor(text, `failed to parse order (${text})`);
  const terms: OrderTerm[] = [];
  do {
    cursor.skipSpaces();
    terms.push(readTerm(cursor));
    cursor.skipSpaces();
  } while (cursor.eat(','));
  cursor.expectEnd('"," or end of input');
  return terms;
}

function readTerm(cursor: Cursor): OrderTerm {
  const name = readFieldName(cursor);
  let relation: string | undefined;
  let field: FieldPath;
  if (cursor.eat('(')) {
    relation = name;
    cursor.skipSpaces();
    field = readField(cursor);
    cursor.skipSpaces();
    cursor.expect(')', '")" (one column of the embedding: rel(col))');
  } else {
    field = { name, jsonPath: readJsonPath(cursor) };
  }
  let direction: 'asc' | 'desc' | undefined;
  let nulls: 'first' | 'last' | undefined;
  while (cursor.peek() === '.') {
    const start = cursor.mark();
    cursor.eat('.');
    const word = cursor.takeWhile((char) => !'., \t'.includes(char));
    if ((word === 'asc' || word === 'desc') && direction === undefined && nulls === undefined) direction = word;
    else if (word === 'nullsfirst' && nulls === undefined) nulls = 'first';
    else if (word === 'nullslast' && nulls === undefined) nulls = 'last';
    else {
      if (nulls !== undefined) {
        cursor.reset(start);
        cursor.unexpected('"," or end of input');
      }
      cursor.reset(start + 1);
      cursor.unexpected(direction === undefined ? '"asc", "desc", "nullsfirst" or "nullslast"' : '"nullsfirst" or "nullslast"');
    }
  }
  return {
    ...(relation === undefined ? {} : { relation }),
    field,
    ...(direction === undefined ? {} : { direction }),
    ...(nulls === undefined ? {} : { nulls }),
  };
}
