import { Cursor } from './cursor.js';
import { isIdentifierChar, readFieldName, readIdentifier, readJsonPath } from './field-path.js';
import type { AggregateFunction, SelectItem } from './types.js';

/**
 * `select=`: a comma-separated list, each item one of
 *   `*` · `[alias:]count()[::cast]` · `[alias:]field[->json…][::cast][.agg()][::cast]`
 *   · `[alias:]rel[!hint][!inner|!left](…)` · `...rel[!hint][!inner|!left](…)`
 * with nested lists inside the parentheses (possibly empty: `rel()`). As in PostgREST, a name
 * followed by `(` is an embedding, so `sum(amount)` embeds `sum`: only `count()` is special.
 */
export function parseSelect(text: string): SelectItem[] {
  const cursor = new Cursor(text, `failed to parse select parameter (${text})`);
  cursor.skipSpaces();
  if (cursor.done) return [];
  const items = readItems(cursor);
  cursor.expectEnd('"," or end of input');
  return items;
}

function readItems(cursor: Cursor): SelectItem[] {
  const items: SelectItem[] = [];
  do {
    cursor.skipSpaces();
    items.push(readItem(cursor));
    cursor.skipSpaces();
  } while (cursor.eat(','));
  return items;
}

/** `(…)` after an embedding: a nested list, possibly empty. */
function readNested(cursor: Cursor): SelectItem[] {
  cursor.expect('(');
  return cursor.nest(() => {
    cursor.skipSpaces();
    const items = cursor.peek() === ')' ? [] : readItems(cursor);
    cursor.expect(')', '"," or ")"');
    return items;
  });
}

function readItem(cursor: Cursor): SelectItem {
  if (cursor.eat('...')) return readEmbed(cursor, readFieldName(cursor), undefined, true);
  if (cursor.eat('*')) return { kind: 'star' };
  const alias = readAlias(cursor);
  const aliased = alias === undefined ? {} : { alias };
  if (alias !== undefined && cursor.startsWith('...')) cursor.fail(`a spread embedding takes no alias (column ${cursor.pos + 1})`);
  if (cursor.eat('count()')) {
    const cast = readCast(cursor);
    return { kind: 'count', ...aliased, ...(cast === undefined ? {} : { cast }) };
  }
  const quoted = cursor.peek() === '"';
  const name = readFieldName(cursor);
  if (cursor.peek() === '(' && name === 'count' && !quoted) {
    cursor.fail('count() takes no column: write count() or col.count()');
  }
  if (cursor.peek() === '(' || cursor.peek() === '!') return readEmbed(cursor, name, alias, false);
  const jsonPath = readJsonPath(cursor);
  const cast = readCast(cursor);
  const aggregate = cursor.eat('.') ? readAggregate(cursor) : undefined;
  const aggregateCast = aggregate === undefined ? undefined : readCast(cursor);
  return {
    kind: 'field',
    field: { name, jsonPath },
    ...aliased,
    ...(cast === undefined ? {} : { cast }),
    ...(aggregate === undefined ? {} : { aggregate }),
    ...(aggregateCast === undefined ? {} : { aggregateCast }),
  };
}

/** `alias:` before a name — but not the `::` of a cast, so look ahead and rewind. */
function readAlias(cursor: Cursor): string | undefined {
  if (cursor.peek() !== '"' && !isIdentifierChar(cursor.peek())) return undefined;
  const start = cursor.mark();
  const name = readFieldName(cursor);
  if (cursor.peek() === ':' && cursor.peek(1) !== ':') {
    cursor.eat(':');
    cursor.skipSpaces();
    return name;
  }
  cursor.reset(start);
  return undefined;
}

function readCast(cursor: Cursor): string | undefined {
  return cursor.eat('::') ? readIdentifier(cursor, 'a type name') : undefined;
}

const AGGREGATES: readonly AggregateFunction[] = ['avg', 'count', 'max', 'min', 'sum'];

function readAggregate(cursor: Cursor): AggregateFunction {
  const start = cursor.mark();
  const word = cursor.takeWhile((char) => /[a-z]/i.test(char));
  const aggregate = AGGREGATES.find((candidate) => candidate === word);
  if (aggregate === undefined) {
    cursor.reset(start);
    return cursor.unexpected('an aggregate function: avg(), count(), max(), min() or sum()');
  }
  cursor.expect('()', `"()" after ${aggregate}`);
  return aggregate;
}

function readEmbed(cursor: Cursor, relation: string, alias: string | undefined, spread: boolean): SelectItem {
  let hint: string | undefined;
  let join: 'inner' | 'left' | undefined;
  while (cursor.eat('!')) {
    const quoted = cursor.peek() === '"';
    const word = readFieldName(cursor);
    if (!quoted && (word === 'inner' || word === 'left')) {
      if (join !== undefined) cursor.fail(`more than one join type on the embedding "${relation}"`);
      join = word;
    } else {
      if (hint !== undefined) cursor.fail(`more than one hint on the embedding "${relation}"`);
      hint = word;
    }
  }
  if (cursor.peek() !== '(') cursor.unexpected('"(" or "!"');
  const select = readNested(cursor);
  return {
    kind: 'embed',
    relation,
    ...(alias === undefined ? {} : { alias }),
    ...(hint === undefined ? {} : { hint }),
    ...(join === undefined ? {} : { join }),
    spread,
    select,
  };
}
