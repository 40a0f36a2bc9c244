import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PgduetError } from '../../src/errors/index.js';
import { negotiateFormat, parsePrefer, parseQuery, parseRange, parseSelect, quoteValue } from '../../src/rest/parse/index.js';
import type { ResponseFormat } from '../../src/rest/parse/index.js';
import { PARSE_STATUS } from './rest-parse-support.js';

/** Strings made mostly of the grammar's own characters, which reach the parsers' corners. */
const grammarChars = [...'(),.:!*"\\->{}[]<;= \t', ...'abcnotreqinsulfy', '0', '1', '9', 'é', '😀'];
const grammarString = fc.string({ unit: fc.constantFrom(...grammarChars), maxLength: 40 });
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), grammarString);
/** Pieces that look like the grammar, glued together: more of them parse, deeper. */
const tokens = ['select', 'not.', 'and(', 'or(', 'eq.', 'in.(', 'is.null', 'fts(english).', 'like(any).{', '...', '!inner', '!hint', '::int', '->', '->>', '.sum()', 'count()', 'a', 'b:', '"x,y"', '(', ')', ',', '.', '*', '.desc', '.nullslast', '{1,2}', '\\"'];
const tokenString = fc.array(fc.constantFrom(...tokens), { maxLength: 14 }).map((parts) => parts.join(''));
const input = fc.oneof(anyString, tokenString);

/** Runs a parser; it must return, or throw a PgduetError with a PostgREST code and status it may use. */
function producesResultOrClearError(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof PgduetError)) throw error;
    expect(error.postgrest).toBeDefined();
    const status = error.postgrest === undefined ? undefined : PARSE_STATUS[error.postgrest];
    expect([400, 406, 416]).toContain(status);
    expect(error.message).not.toBe('');
  }
}

const keys = fc.oneof(
  fc.constantFrom('select', 'order', 'limit', 'offset', 'or', 'and', 'not.or', 'not.and', 'columns', 'on_conflict', 'a', 'rel.a', 'rel.order', 'a.b.limit', 'data->x', 'rel.not.and'),
  input,
);

describe('parsers never fail with anything but a clear PgduetError', () => {
  it('parseQuery, any key and any value', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, input), { maxLength: 6 }), (entries) => {
        producesResultOrClearError(() => parseQuery(entries));
        producesResultOrClearError(() => parseQuery(entries, { isArgument: (name) => name.length % 2 === 0 }));
      }),
      { numRuns: 1500 },
    );
  });

  it.each(['select', 'order', 'or', 'not.and', 'rel.or', 'a', 'limit', 'columns', 'on_conflict'])('%s=<random>', (key) => {
    fc.assert(
      fc.property(input, (value) => producesResultOrClearError(() => parseQuery([[key, value]]))),
      { numRuns: 800 },
    );
  });

  it('filters with an operator prefix and a random rest', () => {
    const operator = fc.constantFrom('eq.', 'in.', 'is.', 'not.', 'fts(', 'like(any).', 'eq(all).', 'cs.', 'in.(');
    fc.assert(
      fc.property(operator, input, (prefix, rest) => {
        producesResultOrClearError(() => parseQuery([['a', prefix + rest]]));
        producesResultOrClearError(() => parseQuery([['or', `(a.${prefix}${rest})`]]));
      }),
      { numRuns: 800 },
    );
  });

  it('parsePrefer, parseRange, negotiateFormat', () => {
    const formats = fc.uniqueArray(fc.constantFrom<ResponseFormat>('json', 'object', 'csv', 'geojson', 'openapi'), { maxLength: 5 });
    const mediaish = fc
      .array(fc.oneof(input, fc.constantFrom('*/*', 'application/*', 'text/csv', 'application/json', ';q=0', ';q=0.5', ';q=x', ',', ';')), { maxLength: 6 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.option(input, { nil: undefined }), fc.option(fc.oneof(input, mediaish), { nil: undefined }), formats, (text, accept, offers) => {
        producesResultOrClearError(() => parsePrefer(text));
        producesResultOrClearError(() => parseRange(text));
        producesResultOrClearError(() => parseRange(text, 'rows'));
        producesResultOrClearError(() => negotiateFormat(accept, offers));
      }),
      { numRuns: 1500 },
    );
  });

  it('deep nesting is refused, not a stack overflow', () => {
    producesResultOrClearError(() => parseSelect('a('.repeat(20_000)));
    producesResultOrClearError(() => parseQuery([['or', `(${'and('.repeat(20_000)}`]]));
  });
});

describe('round trips', () => {
  const value = fc.string({ maxLength: 20 });
  const grammarValue = fc.oneof(value, grammarString);

  it('quoted items come back unchanged from in.(…), at the top and inside a tree', () => {
    fc.assert(
      fc.property(fc.array(grammarValue, { minLength: 1, maxLength: 6 }), (values) => {
        const list = `(${values.map(quoteValue).join(',')})`;
        expect(parseQuery([['a', `in.${list}`]]).conditions[0]?.condition).toMatchObject({ value: { kind: 'list', values } });
        expect(parseQuery([['or', `(a.in.${list},b.eq.1)`]]).conditions[0]?.condition).toMatchObject({
          conditions: [{ value: { kind: 'list', values } }, { value: { value: '1' } }],
        });
      }),
    );
  });

  it('a quoted scalar comes back unchanged from a logic tree', () => {
    fc.assert(
      fc.property(grammarValue, grammarValue, (first, second) => {
        const tree = `(a.eq.${quoteValue(first)},not.and(b.like.${quoteValue(second)}))`;
        expect(parseQuery([['or', tree]]).conditions[0]?.condition).toMatchObject({
          conditions: [{ value: { value: first } }, { kind: 'and', conditions: [{ value: { value: second } }] }],
        });
      }),
    );
  });

  it('a top-level scalar is the rest of the value, whatever it holds', () => {
    fc.assert(
      fc.property(grammarValue, (rest) => {
        expect(parseQuery([['a', `neq.${rest}`]]).conditions[0]?.condition).toMatchObject({ value: { kind: 'scalar', value: rest } });
      }),
    );
  });

  it('quoted names come back unchanged from columns=, select= and filter keys', () => {
    fc.assert(
      fc.property(fc.array(grammarValue, { minLength: 1, maxLength: 5 }), (names) => {
        const quoted = names.map(quoteValue);
        expect(parseQuery([['columns', quoted.join(',')]]).columns).toEqual(names);
        expect(parseSelect(quoted.join(','))).toEqual(names.map((name) => ({ kind: 'field', field: { name, jsonPath: [] } })));
        const [last = '', ...levels] = [...names].reverse();
        expect(parseQuery([[quoted.join('.'), 'eq.1']]).conditions[0]).toMatchObject({
          path: levels.reverse(),
          condition: { field: { name: last, jsonPath: [] } },
        });
      }),
    );
  });

  it('a Range header gives back its bounds', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (first, length) => {
        expect(parseRange(`items=${first}-${first + length}`)).toEqual({ offset: first, limit: length + 1 });
      }),
    );
  });
});
