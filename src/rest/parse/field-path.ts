import { Cursor } from './cursor.js';
import type { EmbedPath, FieldPath, JsonStep } from './types.js';
import { readQuoted } from './values.js';

/**
 * Names as PostgREST reads them: a bare name is letters, digits, `_`, `$` and blanks (trimmed),
 * pieces of it may be joined by `-` (but `->` starts a JSON path); anything else must be
 * double-quoted (`"my.col"`). A JSON path follows a column: `data->a->>b`, `data->0`.
 */

const IDENTIFIER_CHAR = /^[\p{L}0-9_ $]$/u;
export const isIdentifierChar = (char: string): boolean => IDENTIFIER_CHAR.test(char);
const isDigit = (char: string): boolean => char >= '0' && char <= '9';

/** Letters, digits, `_`, `$` and blanks, trimmed: a cast's type name or an fts language. */
export function readIdentifier(cursor: Cursor, expecting: string): string {
  const start = cursor.pos;
  const identifier = cursor.takeWhile(isIdentifierChar).trim();
  if (identifier === '') {
    cursor.reset(start);
    cursor.unexpected(expecting);
  }
  return identifier;
}

/** A column, relation, alias or hint name: quoted, or bare pieces joined by `-`. */
export function readFieldName(cursor: Cursor): string {
  if (cursor.peek() === '"') return readQuoted(cursor);
  let name = readIdentifier(cursor, 'field name');
  while (cursor.peek() === '-' && cursor.peek(1) !== '>') {
    cursor.eat('-');
    name += `-${readIdentifier(cursor, 'field name after "-"')}`;
  }
  return name;
}

/** Where a JSON array index ends; `->1a` is the key `1a`, not an index. */
function atIndexEnd(cursor: Cursor): boolean {
  return cursor.done || ['->', '::', '.', ',', ')'].some((token) => cursor.startsWith(token));
}

const isJsonKeyChar = (char: string): boolean => !'(-:.,>)'.includes(char);

function readJsonKey(cursor: Cursor): string {
  if (cursor.peek() === '"') return readQuoted(cursor);
  const piece = (): string => {
    const start = cursor.pos;
    const text = cursor.takeWhile(isJsonKeyChar).trim();
    if (text === '') {
      cursor.reset(start);
      cursor.unexpected('a JSON key or array index');
    }
    return text;
  };
  let key = piece();
  while (cursor.peek() === '-' && cursor.peek(1) !== '>') {
    cursor.eat('-');
    key += `-${piece()}`;
  }
  return key;
}

function readJsonOperand(cursor: Cursor): string | number {
  const start = cursor.mark();
  const negative = cursor.eat('-');
  const digits = cursor.takeWhile(isDigit);
  if (digits !== '' && atIndexEnd(cursor)) {
    const index = Number(digits) * (negative ? -1 : 1);
    if (!Number.isSafeInteger(index)) cursor.fail(`JSON array index ${negative ? '-' : ''}${digits} is too large`);
    return index === 0 ? 0 : index; // no -0
  }
  // `->-x`: a minus sign only starts an index (PostgREST refuses it as a key)
  if (negative) cursor.unexpected(digits === '' ? 'digit' : 'digit, "->", "::", ".", "," or end of input');
  cursor.reset(start);
  return readJsonKey(cursor);
}

/** `->a->>b->0`: zero or more steps. */
export function readJsonPath(cursor: Cursor): JsonStep[] {
  const steps: JsonStep[] = [];
  while (cursor.startsWith('->')) {
    const arrow = cursor.startsWith('->>') ? '->>' : '->';
    cursor.eat(arrow);
    steps.push({ arrow, key: readJsonOperand(cursor) });
  }
  return steps;
}

/** A column and its JSON path: `data->a->>b`. */
export function readField(cursor: Cursor): FieldPath {
  const name = readFieldName(cursor);
  return { name, jsonPath: readJsonPath(cursor) };
}

/**
 * A filter's key: `col`, `rel.col`, `a.b.data->>x`. The dots separate embedding levels; the
 * last name is the column, and only it may carry a JSON path.
 */
export function parseTreePath(key: string): { readonly path: EmbedPath; readonly field: FieldPath } {
  const cursor = new Cursor(key, `failed to parse tree path (${key})`);
  const names = [readFieldName(cursor)];
  while (cursor.eat('.')) names.push(readFieldName(cursor));
  const jsonPath = readJsonPath(cursor);
  cursor.expectEnd('".", "->", "->>" or end of input');
  const name = names.pop() ?? '';
  return { path: names, field: { name, jsonPath } };
}

/** The embedding level before a reserved word: `actors.films` of `actors.films.limit`. */
export function parseEmbedPath(text: string, context: string): EmbedPath {
  const cursor = new Cursor(text, context);
  const names = [readFieldName(cursor)];
  while (cursor.eat('.')) names.push(readFieldName(cursor));
  cursor.expectEnd('"." or end of input');
  return names;
}

/** `columns=a,b` and `on_conflict=a,b`: one or more names. */
export function parseColumns(text: string, parameter: 'columns' | 'on_conflict'): string[] {
  const cursor = new Cursor(text, `failed to parse ${parameter} parameter (${text})`);
  const names: string[] = [];
  do {
    cursor.skipSpaces();
    names.push(readFieldName(cursor));
    cursor.skipSpaces();
  } while (cursor.eat(','));
  cursor.expectEnd('"," or end of input');
  return names;
}
