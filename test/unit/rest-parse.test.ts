import { describe, expect, it } from 'vitest';
import { parseFilter, parseQuery } from '../../src/rest/parse/index.js';
import type { Condition, FieldPath, Filter, RestQuery } from '../../src/rest/parse/index.js';
import { expectError } from './rest-parse-support.js';

const col = (name: string, jsonPath: FieldPath['jsonPath'] = []): FieldPath => ({ name, jsonPath });
const query = (text: string, isArgument?: (name: string) => boolean): RestQuery =>
  parseQuery(new URLSearchParams(text), isArgument === undefined ? {} : { isArgument });
const pairs = (...entries: [string, string][]): RestQuery => parseQuery(entries);
/** The only condition of a query of one filter or logic tree. */
const only = (...entries: [string, string][]): Condition => {
  const { conditions } = pairs(...entries);
  expect(conditions).toHaveLength(1);
  const [first] = conditions;
  if (first === undefined) throw new Error('no condition');
  return first.condition;
};
const filter = (value: string): Filter => parseFilter(col('c'), value);

describe('filters: operators', () => {
  const scalarOperators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'isdistinct'] as const;
  const rangeOperators = ['cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj'] as const;

  it.each([...scalarOperators, ...rangeOperators])('%s takes the rest of the value verbatim, and not.%s negates it', (operator) => {
    expect(filter(`${operator}.a.b,c(d):e`)).toEqual({
      kind: 'filter',
      field: col('c'),
      negated: false,
      operator,
      value: { kind: 'scalar', value: 'a.b,c(d):e' },
    });
    expect(filter(`not.${operator}.5`)).toMatchObject({ negated: true, operator, value: { kind: 'scalar', value: '5' } });
  });

  it('keeps range and array literals raw for PostgreSQL to parse', () => {
    expect(filter('cs.{1,2}').value).toEqual({ kind: 'scalar', value: '{1,2}' });
    expect(filter('sl.[1,5)').value).toEqual({ kind: 'scalar', value: '[1,5)' });
    expect(filter('adj.(1,5]').value).toEqual({ kind: 'scalar', value: '(1,5]' });
    expect(filter('like.*a*').value).toEqual({ kind: 'scalar', value: '*a*' });
    expect(filter('eq.').value).toEqual({ kind: 'scalar', value: '' });
    expect(filter('eq."quoted"').value).toEqual({ kind: 'scalar', value: '"quoted"' });
  });

  it('in takes a parenthesised list, quoted items unescaped', () => {
    expect(filter('in.(1,2,3)')).toMatchObject({ operator: 'in', negated: false, value: { kind: 'list', values: ['1', '2', '3'] } });
    expect(filter('not.in.(a)')).toMatchObject({ operator: 'in', negated: true, value: { kind: 'list', values: ['a'] } });
    expect(filter('in.("a,b","c)d",e.f,"g:h","(i)")').value).toEqual({ kind: 'list', values: ['a,b', 'c)d', 'e.f', 'g:h', '(i)'] });
    expect(filter('in.("say \\"hi\\"","back\\\\slash")').value).toEqual({ kind: 'list', values: ['say "hi"', 'back\\slash'] });
    expect(filter('in.()').value).toEqual({ kind: 'list', values: [] });
    expect(filter('in.("")').value).toEqual({ kind: 'list', values: [''] });
    expect(filter('in.( 1, 2)').value).toEqual({ kind: 'list', values: ['1', ' 2'] });
  });

  it.each([
    ['is.null', 'null'],
    ['is.NULL', 'null'],
    ['is.not_null', 'not_null'],
    ['is.True', 'true'],
    ['is.false', 'false'],
    ['is.UNKNOWN', 'unknown'],
  ] as const)('%s', (value, expected) => {
    expect(filter(value)).toMatchObject({ operator: 'is', negated: false, value: { kind: 'is', value: expected } });
    expect(filter(`not.${value}`)).toMatchObject({ operator: 'is', negated: true, value: { kind: 'is', value: expected } });
  });

  it.each(['fts', 'plfts', 'phfts', 'wfts'] as const)('%s with and without a language', (operator) => {
    expect(filter(`${operator}.cat & dog`)).toMatchObject({ operator, value: { kind: 'fts', query: 'cat & dog' } });
    expect(filter(`${operator}.cat`).value).not.toHaveProperty('language');
    expect(filter(`${operator}(english).fat.cats`)).toMatchObject({
      operator,
      negated: false,
      value: { kind: 'fts', language: 'english', query: 'fat.cats' },
    });
    expect(filter(`not.${operator}(simple).x`)).toMatchObject({ negated: true, value: { language: 'simple', query: 'x' } });
  });

  const quantifiable = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch'] as const;
  it.each(quantifiable)('%s(any) and %s(all) take an array literal', (operator) => {
    expect(filter(`${operator}(any).{a*,b*}`)).toEqual({
      kind: 'filter',
      field: col('c'),
      negated: false,
      operator,
      quantifier: 'any',
      value: { kind: 'list', values: ['a*', 'b*'] },
    });
    expect(filter(`not.${operator}(all).{1}`)).toMatchObject({ negated: true, quantifier: 'all', value: { values: ['1'] } });
  });

  it('reads array literals as PostgreSQL does', () => {
    expect(filter('eq(any).{}').value).toEqual({ kind: 'list', values: [] });
    expect(filter('eq(any).{ 1 , 2 }').value).toEqual({ kind: 'list', values: ['1', '2'] });
    expect(filter('eq(any).{"a,b","c\\"d",e\\,f}').value).toEqual({ kind: 'list', values: ['a,b', 'c"d', 'e,f'] });
    expect(filter('eq.x')).not.toHaveProperty('quantifier');
  });
});

describe('filters: keys', () => {
  it('a key names the column, its JSON path, and its embedding level', () => {
    expect(pairs(['data->a->>b', 'eq.1']).conditions).toEqual([
      { path: [], condition: { kind: 'filter', field: col('data', [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }]), negated: false, operator: 'eq', value: { kind: 'scalar', value: '1' } } },
    ]);
    expect(pairs(['data->0->>-1', 'eq.1']).conditions[0]?.condition).toMatchObject({
      field: col('data', [{ arrow: '->', key: 0 }, { arrow: '->>', key: -1 }]),
    });
    expect(pairs(['actors.films.year', 'gt.2000']).conditions[0]).toMatchObject({ path: ['actors', 'films'], condition: { field: col('year') } });
    expect(pairs(['rel.data->>x', 'eq.1']).conditions[0]).toMatchObject({ path: ['rel'], condition: { field: col('data', [{ arrow: '->>', key: 'x' }]) } });
    expect(pairs(['"my.col"', 'eq.1']).conditions[0]?.condition).toMatchObject({ field: col('my.col') });
    expect(pairs(['first name', 'eq.1']).conditions[0]?.condition).toMatchObject({ field: col('first name') });
    expect(pairs(['kebab-case', 'eq.1']).conditions[0]?.condition).toMatchObject({ field: col('kebab-case') });
    expect(pairs(['data->"a.b"->1x', 'eq.1']).conditions[0]?.condition).toMatchObject({
      field: col('data', [{ arrow: '->', key: 'a.b' }, { arrow: '->', key: '1x' }]),
    });
  });

  it('keeps repeated filters on the same column (they are AND-ed)', () => {
    expect(query('age=gt.18&age=lt.65').conditions.map(({ condition }) => condition)).toMatchObject([
      { operator: 'gt', value: { value: '18' } },
      { operator: 'lt', value: { value: '65' } },
    ]);
  });

  it('sends function arguments to `arguments`, in order, repeated ones included', () => {
    const parsed = query('x=1&y=eq.2&x=3&z=eq.4', (name) => name === 'x' || name === 'y');
    expect(parsed.arguments).toEqual([
      { name: 'x', value: '1' },
      { name: 'y', value: 'eq.2' },
      { name: 'x', value: '3' },
    ]);
    expect(parsed.conditions).toHaveLength(1);
  });

  it('recognises reserved words on the raw key only: a quoted "limit" is a column', () => {
    expect(pairs(['"limit"', 'eq.1']).conditions[0]?.condition).toMatchObject({ field: col('limit') });
    expect(pairs(['rel.select', 'eq.1']).conditions[0]).toMatchObject({ path: ['rel'], condition: { field: col('select') } });
  });
});

describe('filters: errors', () => {
  it.each([
    ['eqx.5', 'unknown operator "eqx"'],
    ['.5', 'unexpected "." at column 1, expecting operator'],
    ['', 'unexpected end of input at column 1, expecting operator'],
    ['5', 'unknown operator "5"'],
    ['eq', 'unexpected end of input at column 3, expecting "." after the operator "eq"'],
    ['eq5', 'unknown operator "eq5"'],
    ['not.not.eq.1', 'unknown operator "not"'],
    ['in.1,2', 'unexpected "1" at column 4, expecting "(" (a list: in.(a,b))'],
    ['in.(1,2', 'unexpected end of input at column 8, expecting "," or ")"'],
    ['in.(1,2)x', 'unexpected "x" at column 9, expecting end of input after the list'],
    ['in.("a', 'unterminated quoted value starting at column 5'],
    ['in.("a"b)', 'unexpected "b" at column 8, expecting "," or ")"'],
    ['is.nul', 'expecting null, not_null, true, false or unknown'],
    ['is.null.x', 'expecting null, not_null, true, false or unknown'],
    ['like(some).x', 'unexpected "s" at column 6, expecting "any" or "all"'],
    ['eq(any).1', 'unexpected "1" at column 9, expecting "{" (a list: {a,b})'],
    ['eq(any).{1,{2}}', 'nested arrays are not supported'],
    ['eq(any).{1,2', 'expecting "," or "}"'],
    ['eq(any).{1,,2}', 'expecting an array element'],
    ['eq(any).{1}x', 'expecting end of input after the list'],
    ['in(any).(1)', 'unexpected "(" at column 3, expecting "." after the operator "in"'],
    ['cs(any).{1}', 'unexpected "(" at column 3, expecting "." after the operator "cs"'],
    ['fts().x', 'unexpected ")" at column 5, expecting a text search language'],
    ['fts(english.x', 'unexpected "." at column 12, expecting ")"'],
  ])('c=%s', (value, details) => {
    expectError(() => pairs(['c', value]), `failed to parse filter (${value})`, details);
  });

  it.each([
    ['a..b', 'unexpected "." at column 3, expecting field name'],
    ['a.', 'unexpected end of input at column 3, expecting field name'],
    ['data->', 'unexpected end of input at column 7, expecting a JSON key or array index'],
    ['data->-x', 'unexpected "x" at column 8, expecting digit'],
    ['data->a.b', 'expecting ".", "->", "->>" or end of input'],
    ['a-', 'expecting field name after "-"'],
    ['"a', 'unterminated quoted value'],
    ['(a)', 'unexpected "(" at column 1, expecting field name'],
  ])('key %s', (key, details) => {
    expectError(() => pairs([key, 'eq.1']), `failed to parse tree path (${key})`, details);
  });
});

describe('logic trees', () => {
  const f = (name: string, operator: Filter['operator'], value: string, negated = false): Filter => ({
    kind: 'filter',
    field: col(name),
    negated,
    operator,
    value: { kind: 'scalar', value },
  });

  it('or, and, not.or, not.and', () => {
    expect(only(['or', '(age.lt.18,age.gt.21)'])).toEqual({ kind: 'or', negated: false, conditions: [f('age', 'lt', '18'), f('age', 'gt', '21')] });
    expect(only(['and', '(a.eq.1)'])).toEqual({ kind: 'and', negated: false, conditions: [f('a', 'eq', '1')] });
    expect(only(['not.or', '(a.eq.1,b.not.eq.2)'])).toEqual({ kind: 'or', negated: true, conditions: [f('a', 'eq', '1'), f('b', 'eq', '2', true)] });
    expect(only(['not.and', '(a.eq.1)'])).toMatchObject({ kind: 'and', negated: true });
  });

  it('nests three deep, with not. at each level', () => {
    const tree = only(['or', '(a.eq.1,and(b.eq.2,not.or(c.is.null,not.and(d.eq.x,e.neq.y))),not.and(f.eq.3,g.eq.4))']);
    expect(tree).toEqual({
      kind: 'or',
      negated: false,
      conditions: [
        f('a', 'eq', '1'),
        {
          kind: 'and',
          negated: false,
          conditions: [
            f('b', 'eq', '2'),
            {
              kind: 'or',
              negated: true,
              conditions: [
                { kind: 'filter', field: col('c'), negated: false, operator: 'is', value: { kind: 'is', value: 'null' } },
                { kind: 'and', negated: true, conditions: [f('d', 'eq', 'x'), f('e', 'neq', 'y')] },
              ],
            },
          ],
        },
        { kind: 'and', negated: true, conditions: [f('f', 'eq', '3'), f('g', 'eq', '4')] },
      ],
    });
  });

  it('quoted values may hold , . ( ) : and escaped quotes and backslashes', () => {
    const tree = only(['or', '(a.eq."x,y",b.eq."1.5",c.eq."f(x)",d.eq."12:30",e.eq."say \\"hi\\"",g.eq."c:\\\\dir",h.eq."")']);
    expect(tree).toMatchObject({
      conditions: [
        { value: { value: 'x,y' } },
        { value: { value: '1.5' } },
        { value: { value: 'f(x)' } },
        { value: { value: '12:30' } },
        { value: { value: 'say "hi"' } },
        { value: { value: 'c:\\dir' } },
        { value: { value: '' } },
      ],
    });
  });

  it('bare values stop at , and ) but keep dots and colons', () => {
    expect(only(['or', '(a.eq.1.5,b.eq.12:30,c.like.*x*)'])).toMatchObject({
      conditions: [{ value: { value: '1.5' } }, { value: { value: '12:30' } }, { value: { value: '*x*' } }],
    });
  });

  it('every operator works inside a tree', () => {
    const tree = only([
      'and',
      '(a.in.(1,"2,3"),b.is.NOT_NULL,c.fts(english).cat,d.like(any).{x*,"y,z"},e.cs.{1,2},f.sl."[1,5)",g.not.isdistinct.3,data->>k.eq.v)',
    ]);
    expect(tree).toMatchObject({
      conditions: [
        { operator: 'in', value: { kind: 'list', values: ['1', '2,3'] } },
        { operator: 'is', value: { kind: 'is', value: 'not_null' } },
        { operator: 'fts', value: { kind: 'fts', language: 'english', query: 'cat' } },
        { operator: 'like', quantifier: 'any', value: { kind: 'list', values: ['x*', 'y,z'] } },
        { operator: 'cs', value: { kind: 'scalar', value: '{1,2}' } },
        { operator: 'sl', value: { kind: 'scalar', value: '[1,5)' } },
        { operator: 'isdistinct', negated: true, value: { value: '3' } },
        { field: col('data', [{ arrow: '->>', key: 'k' }]), operator: 'eq', value: { value: 'v' } },
      ],
    });
  });

  it('blanks around items are ignored; a column may be called and, or, not', () => {
    expect(only(['or', ' ( a.eq.1 ,  b.eq.2 ) '])).toMatchObject({ conditions: [{ field: col('a') }, { field: col('b') }] });
    expect(only(['or', '(and.eq.1,or.eq.2,not.eq.3)'])).toMatchObject({
      conditions: [{ field: col('and') }, { field: col('or') }, { field: col('not'), negated: false, operator: 'eq' }],
    });
  });

  it('lives at an embedding level: rel.or, a.b.not.and', () => {
    expect(pairs(['actors.or', '(a.eq.1)']).conditions).toMatchObject([{ path: ['actors'], condition: { kind: 'or', negated: false } }]);
    expect(pairs(['a.b.not.and', '(a.eq.1)']).conditions).toMatchObject([{ path: ['a', 'b'], condition: { kind: 'and', negated: true } }]);
    expect(pairs(['not.or', '(a.eq.1)']).conditions).toMatchObject([{ path: [], condition: { kind: 'or', negated: true } }]);
  });

  it.each([
    ['a.eq.1', 'unexpected "a" at column 1, expecting "(" (a logic tree is parenthesised'],
    ['', 'unexpected end of input at column 1, expecting "("'],
    ['(a.eq.1', 'unexpected end of input at column 8, expecting "," or ")"'],
    ['(a.eq.1))', 'unexpected ")" at column 9, expecting end of input'],
    ['()', 'unexpected ")" at column 2, expecting a filter (field.op.value) or a logic operator'],
    ['(a.eq.1,)', 'unexpected ")" at column 9, expecting a filter'],
    ['(,a.eq.1)', 'unexpected "," at column 2, expecting a filter'],
    ['(a.eqx.1)', 'unknown operator "eqx"'],
    ['(a)', 'unexpected ")" at column 3, expecting "." then an operator'],
    ['(a.eq."x)', 'unterminated quoted value starting at column 7'],
    ['(a.eq."x"y)', 'unexpected "y" at column 10, expecting "," or ")"'],
    ['(xor(a.eq.1))', 'unexpected "(" at column 5, expecting "." then an operator'],
    ['(and(a.eq.1)', 'unexpected end of input at column 13, expecting "," or ")"'],
    ['(a.in.(1,2)', 'unexpected end of input at column 12, expecting "," or ")"'],
    ['(a.is.maybe)', 'expecting null, not_null, true, false or unknown'],
  ])('or=%s', (value, details) => {
    expectError(() => pairs(['or', value]), `failed to parse logic tree (${value})`, details);
  });

  it('refuses a tree nested too deep', () => {
    const value = `${'(and'.repeat(100)}(a.eq.1${')'.repeat(101)}`;
    expectError(() => pairs(['or', value.slice(4)]), `failed to parse logic tree (${value.slice(4)})`, 'nesting deeper than 64 levels');
  });

  it('refuses a bad logic path', () => {
    expectError(() => pairs(['a..or', '(a.eq.1)']), 'failed to parse logic path (a..or)', 'expecting field name');
  });
});

describe('order', () => {
  it('terms, directions, nulls, JSON paths and related columns', () => {
    expect(query('order=a.desc.nullslast,b,c.asc.nullsfirst,d.nullslast,data->>x.desc,rel(col).desc,other(data->k).asc.nullsfirst').order).toEqual([
      {
        path: [],
        terms: [
          { field: col('a'), direction: 'desc', nulls: 'last' },
          { field: col('b') },
          { field: col('c'), direction: 'asc', nulls: 'first' },
          { field: col('d'), nulls: 'last' },
          { field: col('data', [{ arrow: '->>', key: 'x' }]), direction: 'desc' },
          { relation: 'rel', field: col('col'), direction: 'desc' },
          { relation: 'other', field: col('data', [{ arrow: '->', key: 'k' }]), direction: 'asc', nulls: 'first' },
        ],
      },
    ]);
  });

  it('blanks around terms; quoted names; embedding levels', () => {
    expect(pairs(['order', ' a.desc , "b.c" ']).order[0]?.terms).toEqual([{ field: col('a'), direction: 'desc' }, { field: col('b.c') }]);
    expect(pairs(['actors.films.order', 'title']).order).toEqual([{ path: ['actors', 'films'], terms: [{ field: col('title') }] }]);
  });

  it.each([
    ['a.dsc', 'unexpected "d" at column 3, expecting "asc", "desc", "nullsfirst" or "nullslast"'],
    ['a.descc', 'unexpected "d" at column 3, expecting "asc", "desc"'],
    ['a.desc.asc', 'unexpected "a" at column 8, expecting "nullsfirst" or "nullslast"'],
    ['a.nullslast.desc', 'unexpected "." at column 12, expecting "," or end of input'],
    ['a,', 'unexpected end of input at column 3, expecting field name'],
    ['', 'unexpected end of input at column 1, expecting field name'],
    ['rel(a,b)', 'unexpected "," at column 6, expecting ")"'],
    ['rel(a', 'unexpected end of input at column 6, expecting ")"'],
    ['a b(c', 'expecting ")"'],
    ['a;b', 'unexpected ";" at column 2, expecting "," or end of input'],
  ])('order=%s', (value, details) => {
    expectError(() => pairs(['order', value]), `failed to parse order (${value})`, details);
  });
});

describe('limit, offset, columns, on_conflict', () => {
  it('limit and offset at each level; the last one at a level wins', () => {
    const parsed = query('limit=10&offset=0&actors.limit=2&actors.films.offset=5&limit=20');
    expect(parsed.limits).toEqual([
      { path: [], value: 20 },
      { path: ['actors'], value: 2 },
    ]);
    expect(parsed.offsets).toEqual([
      { path: [], value: 0 },
      { path: ['actors', 'films'], value: 5 },
    ]);
  });

  it.each(['-1', 'abc', '1.5', '', '1e3', '99999999999999999999', '0x10'])('limit=%s is refused', (value) => {
    expectError(() => pairs(['limit', value]), `failed to parse limit parameter (${value})`, 'expecting a non-negative integer');
    expectError(() => pairs(['a.offset', value]), `failed to parse offset parameter (${value})`, 'expecting a non-negative integer');
  });

  it('refuses a bad embedding path before a reserved word', () => {
    expectError(() => pairs(['.limit', '1']), 'failed to parse tree path (.limit)', 'expecting field name');
  });

  it('columns and on_conflict: names, quoted ones included', () => {
    const parsed = pairs(['columns', 'a, b ,"c,d"'], ['on_conflict', 'id,"my col"']);
    expect(parsed.columns).toEqual(['a', 'b', 'c,d']);
    expect(parsed.onConflict).toEqual(['id', 'my col']);
    expect(pairs(['columns', 'x'], ['columns', 'y']).columns).toEqual(['y']);
  });

  it.each([
    ['a,', 'unexpected end of input at column 3, expecting field name'],
    ['', 'unexpected end of input at column 1, expecting field name'],
    ['a;b', 'unexpected ";" at column 2, expecting "," or end of input'],
  ])('columns=%s is refused', (value, details) => {
    expectError(() => pairs(['columns', value]), `failed to parse columns parameter (${value})`, details);
    expectError(() => pairs(['on_conflict', value]), `failed to parse on_conflict parameter (${value})`, details);
  });

  it('an empty query string', () => {
    expect(query('')).toEqual({ conditions: [], order: [], limits: [], offsets: [], arguments: [] });
  });
});
