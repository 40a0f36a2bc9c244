import { describe, expect, it } from 'vitest';
import { parseQuery, parseSelect } from '../../src/rest/parse/index.js';
import type { FieldPath, SelectItem } from '../../src/rest/parse/index.js';
import { expectError } from './rest-parse-support.js';

const col = (name: string, jsonPath: FieldPath['jsonPath'] = []): FieldPath => ({ name, jsonPath });
const field = (name: string, extra: Omit<Extract<SelectItem, { kind: 'field' }>, 'kind' | 'field'> = {}): SelectItem => ({
  kind: 'field',
  field: col(name),
  ...extra,
});

describe('select: columns', () => {
  it('star, names, aliases, casts', () => {
    expect(parseSelect('*,id,alias:name,price::text,total:amount::numeric')).toEqual([
      { kind: 'star' },
      field('id'),
      field('name', { alias: 'alias' }),
      field('price', { cast: 'text' }),
      field('amount', { alias: 'total', cast: 'numeric' }),
    ]);
  });

  it('JSON paths, with aliases and casts', () => {
    expect(parseSelect('data->a->>b,alias:data->a->>b::int,data->0->>b,data->-1,data->"a,b"')).toEqual([
      { kind: 'field', field: col('data', [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }]) },
      { kind: 'field', field: col('data', [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }]), alias: 'alias', cast: 'int' },
      { kind: 'field', field: col('data', [{ arrow: '->', key: 0 }, { arrow: '->>', key: 'b' }]) },
      { kind: 'field', field: col('data', [{ arrow: '->', key: -1 }]) },
      { kind: 'field', field: col('data', [{ arrow: '->', key: 'a,b' }]) },
    ]);
  });

  it('aggregates: col.agg(), with casts before and after, and count()', () => {
    expect(parseSelect('amount.sum(),amount.avg()::int,total:amount.sum(),x.min(),x.max(),id.count(),amount::numeric.sum()::text')).toEqual([
      field('amount', { aggregate: 'sum' }),
      field('amount', { aggregate: 'avg', aggregateCast: 'int' }),
      field('amount', { alias: 'total', aggregate: 'sum' }),
      field('x', { aggregate: 'min' }),
      field('x', { aggregate: 'max' }),
      field('id', { aggregate: 'count' }),
      field('amount', { cast: 'numeric', aggregate: 'sum', aggregateCast: 'text' }),
    ]);
    expect(parseSelect('count(),n:count(),count()::text,n:count()::int')).toEqual([
      { kind: 'count' },
      { kind: 'count', alias: 'n' },
      { kind: 'count', cast: 'text' },
      { kind: 'count', alias: 'n', cast: 'int' },
    ]);
  });

  it('a function-call look-alike is an embedding: the planner decides', () => {
    expect(parseSelect('sum(amount)')).toEqual([{ kind: 'embed', relation: 'sum', spread: false, select: [field('amount')] }]);
  });

  it('quoted names, blanks, dashes', () => {
    expect(parseSelect(' "my col" , "a:b":"c,d" ,\tkebab-case ,first name')).toEqual([
      field('my col'),
      field('c,d', { alias: 'a:b' }),
      field('kebab-case'),
      field('first name'),
    ]);
  });

  it('an empty select is an empty list; absent is undefined', () => {
    expect(parseSelect('')).toEqual([]);
    expect(parseQuery([['select', '']]).select).toEqual([]);
    expect(parseQuery([]).select).toBeUndefined();
    expect(parseQuery([['select', 'a'], ['select', 'b']]).select).toEqual([field('b')]);
  });
});

describe('select: embeddings', () => {
  const embed = (relation: string, select: SelectItem[], extra: Partial<Extract<SelectItem, { kind: 'embed' }>> = {}): SelectItem => ({
    kind: 'embed',
    relation,
    spread: false,
    select,
    ...extra,
  });

  it('rel(*), rel(), alias, hints, join types, spread', () => {
    expect(parseSelect('rel(*),empty(),a:rel(x),rel!fk(x),rel!inner(x),rel!left(x),rel!fk!left(x),rel!inner!fk(x),"a b"!"inner"(x)')).toEqual([
      embed('rel', [{ kind: 'star' }]),
      embed('empty', []),
      embed('rel', [field('x')], { alias: 'a' }),
      embed('rel', [field('x')], { hint: 'fk' }),
      embed('rel', [field('x')], { join: 'inner' }),
      embed('rel', [field('x')], { join: 'left' }),
      embed('rel', [field('x')], { hint: 'fk', join: 'left' }),
      embed('rel', [field('x')], { hint: 'fk', join: 'inner' }),
      embed('a b', [field('x')], { hint: 'inner' }),
    ]);
    expect(parseSelect('...rel(a,b),...rel!fk!inner(*)')).toEqual([
      embed('rel', [field('a'), field('b')], { spread: true }),
      embed('rel', [{ kind: 'star' }], { spread: true, hint: 'fk', join: 'inner' }),
    ]);
  });

  it('nests three deep with every form', () => {
    expect(parseSelect('id,director:directors!inner(name,films!fk_films(title,...studio!left(name,country:countries(code::text,n:count()))),total:amount.sum())')).toEqual([
      field('id'),
      embed(
        'directors',
        [
          field('name'),
          embed(
            'films',
            [
              field('title'),
              embed(
                'studio',
                [field('name'), embed('countries', [field('code', { cast: 'text' }), { kind: 'count', alias: 'n' }], { alias: 'country' })],
                { spread: true, join: 'left' },
              ),
            ],
            { hint: 'fk_films' },
          ),
          field('amount', { alias: 'total', aggregate: 'sum' }),
        ],
        { alias: 'director', join: 'inner' },
      ),
    ]);
  });

  it('blanks inside the parentheses', () => {
    expect(parseSelect('rel( a , b ), other( )')).toEqual([embed('rel', [field('a'), field('b')]), embed('other', [])]);
  });
});

describe('select: errors', () => {
  it.each([
    ['a,', 'unexpected end of input at column 3, expecting field name'],
    [',a', 'unexpected "," at column 1, expecting field name'],
    ['a,,b', 'unexpected "," at column 3, expecting field name'],
    ['rel(a', 'unexpected end of input at column 6, expecting "," or ")"'],
    ['rel(a))', 'unexpected ")" at column 7, expecting "," or end of input'],
    ['a)', 'unexpected ")" at column 2, expecting "," or end of input'],
    ['rel(a,)', 'unexpected ")" at column 7, expecting field name'],
    ['name::', 'unexpected end of input at column 7, expecting a type name'],
    ['name::int[]', 'unexpected "[" at column 10, expecting "," or end of input'],
    ['a!hint', 'unexpected end of input at column 7, expecting "(" or "!"'],
    ['*!hint', 'unexpected "!" at column 2, expecting "," or end of input'],
    ['amount.foo()', 'unexpected "f" at column 8, expecting an aggregate function'],
    ['amount.sum', 'unexpected end of input at column 11, expecting "()" after sum'],
    ['amount.sum(x)', 'expecting "()" after sum'],
    ['count(x)', 'count() takes no column'],
    ['rel!inner!left(a)', 'more than one join type on the embedding "rel"'],
    ['rel!a!b(a)', 'more than one hint on the embedding "rel"'],
    ['x:...rel(a)', 'a spread embedding takes no alias'],
    ['...rel', 'unexpected end of input at column 7, expecting "(" or "!"'],
    ['"unterminated', 'unterminated quoted value starting at column 1'],
    ['rel->x(a)', 'unexpected "(" at column 7, expecting "," or end of input'],
    ['a:*', 'unexpected "*" at column 3, expecting field name'],
    ['data->', 'unexpected end of input at column 7, expecting a JSON key or array index'],
    ['data->>-78xy', 'unexpected "x" at column 11, expecting digit'],
  ])('select=%s', (value, details) => {
    expectError(() => parseQuery([['select', value]]), `failed to parse select parameter (${value})`, details);
  });

  it('refuses a select nested too deep', () => {
    const value = `${'a('.repeat(100)}b${')'.repeat(100)}`;
    expectError(() => parseSelect(value), `failed to parse select parameter (${value})`, 'nesting deeper than 64 levels');
  });
});
