import { describe, expect, it } from 'vitest';
import { negotiateFormat, parsePrefer, parseRange } from '../../src/rest/parse/index.js';
import type { ResponseFormat } from '../../src/rest/parse/index.js';
import { errorOf, expectError } from './rest-parse-support.js';

describe('Prefer', () => {
  it('reads every preference it knows', () => {
    expect(
      parsePrefer(
        'return=representation, count=exact, resolution=merge-duplicates, missing=default, tx=rollback, params=single-object, handling=strict, max-affected=10',
      ),
    ).toEqual({
      return: 'representation',
      count: 'exact',
      resolution: 'merge-duplicates',
      missing: 'default',
      tx: 'rollback',
      params: 'single-object',
      handling: 'strict',
      maxAffected: 10,
      applied: [
        'return=representation',
        'count=exact',
        'resolution=merge-duplicates',
        'missing=default',
        'tx=rollback',
        'params=single-object',
        'handling=strict',
        'max-affected=10',
      ],
      invalid: [],
    });
  });

  it.each([
    ['return=minimal', { return: 'minimal' }],
    ['return=headers-only', { return: 'headers-only' }],
    ['count=planned', { count: 'planned' }],
    ['count=estimated', { count: 'estimated' }],
    ['resolution=ignore-duplicates', { resolution: 'ignore-duplicates' }],
    ['missing=null', { missing: 'null' }],
    ['tx=commit', { tx: 'commit' }],
    ['handling=lenient', { handling: 'lenient' }],
    ['max-affected=0', { maxAffected: 0 }],
  ])('%s', (header, expected) => {
    expect(parsePrefer(header)).toEqual({ ...expected, applied: [header], invalid: [] });
  });

  it('no header, an empty one, stray commas and blanks', () => {
    expect(parsePrefer(undefined)).toEqual({ applied: [], invalid: [] });
    expect(parsePrefer('')).toEqual({ applied: [], invalid: [] });
    expect(parsePrefer(' ,count=exact,,   tx=commit   , ')).toEqual({ count: 'exact', tx: 'commit', applied: ['count=exact', 'tx=commit'], invalid: [] });
    expect(parsePrefer('count = exact').applied).toEqual(['count=exact']);
  });

  it('the first of a repeated preference wins (several headers joined by the caller)', () => {
    expect(parsePrefer('tx=commit, tx=rollback')).toEqual({ tx: 'commit', applied: ['tx=commit'], invalid: [] });
    expect(parsePrefer('resolution=ignore-duplicates, resolution=merge-duplicates').resolution).toBe('ignore-duplicates');
  });

  it('lists what it does not understand', () => {
    expect(parsePrefer('return=everything, count, foo=bar, anything, timezone=UTC, max-affected=-1, max-affected=x, Count=exact, count=EXACT')).toEqual({
      applied: [],
      invalid: ['return=everything', 'count', 'foo=bar', 'anything', 'timezone=UTC', 'max-affected=-1', 'max-affected=x', 'Count=exact', 'count=EXACT'],
    });
  });
});

describe('Range', () => {
  it.each([
    ['0-24', { offset: 0, limit: 25 }],
    ['items=0-24', { offset: 0, limit: 25 }],
    ['ITEMS=5-5', { offset: 5, limit: 1 }],
    [' 10- ', { offset: 10 }],
    ['items=10-', { offset: 10 }],
    ['0-0', { offset: 0, limit: 1 }],
  ])('%s', (header, expected) => {
    expect(parseRange(header)).toEqual(expected);
  });

  it('no header is no range', () => {
    expect(parseRange(undefined)).toBeUndefined();
    expect(parseRange('  ')).toBeUndefined();
  });

  it('a custom unit', () => {
    expect(parseRange('rows=1-2', 'rows')).toEqual({ offset: 1, limit: 2 });
    expectError(() => parseRange('items=1-2', 'rows'), 'Requested range not satisfiable', 'unsupported range unit "items", expecting "rows"', 'PGRST103');
  });

  it.each([
    ['5-2', 'The lower boundary must be lower than or equal to the upper boundary'],
    ['-5', 'expecting "first-last" or "first-"'],
    ['a-b', 'expecting "first-last" or "first-"'],
    ['1-2,4-5', 'expecting "first-last" or "first-"'],
    ['1.5-2', 'expecting "first-last" or "first-"'],
    ['bytes=0-1', 'unsupported range unit "bytes"'],
    ['99999999999999999999-', 'out of bounds'],
  ])('%s is refused with 416', (header, details) => {
    expectError(() => parseRange(header), 'Requested range not satisfiable', details, 'PGRST103');
  });
});

describe('Accept', () => {
  const all: ResponseFormat[] = ['json', 'object', 'csv', 'geojson', 'openapi'];

  it.each([
    ['application/json', 'json'],
    ['application/vnd.pgrst.object+json', 'object'],
    ['application/vnd.pgrst.object+json;nulls=stripped', 'object'],
    ['application/vnd.pgrst.object', 'object'],
    ['application/vnd.pgrst.array+json', 'json'],
    ['text/csv', 'csv'],
    ['TEXT/CSV; charset=utf-8', 'csv'],
    ['application/geo+json', 'geojson'],
    ['application/openapi+json', 'openapi'],
  ] as const)('%s', (accept, expected) => {
    expect(negotiateFormat(accept, all)).toBe(expected);
  });

  it('no header, */* and application/* give the first offer that fits', () => {
    expect(negotiateFormat(undefined, ['csv', 'json'])).toBe('csv');
    expect(negotiateFormat('', ['json', 'csv'])).toBe('json');
    expect(negotiateFormat('*/*', ['openapi', 'json'])).toBe('openapi');
    expect(negotiateFormat('application/*', ['csv', 'json'])).toBe('json');
    expect(negotiateFormat('text/*', ['json', 'csv'])).toBe('csv');
  });

  it('honours q-values, then specificity, then order', () => {
    expect(negotiateFormat('text/csv;q=0.5, application/json;q=0.9', ['csv', 'json'])).toBe('json');
    expect(negotiateFormat('application/json;q=0.1, text/csv', ['json', 'csv'])).toBe('csv');
    expect(negotiateFormat('*/*, text/csv', ['json', 'csv'])).toBe('csv');
    expect(negotiateFormat('text/csv, application/json', ['json', 'csv'])).toBe('csv');
    expect(negotiateFormat('text/html, application/xhtml+xml, */*;q=0.8', ['json', 'csv'])).toBe('json');
    expect(negotiateFormat('application/json;q=oops', ['csv', 'json'])).toBe('json');
  });

  it('q=0 excludes a type, even from wildcards', () => {
    expect(negotiateFormat('application/json;q=0, */*', ['json', 'csv'])).toBe('csv');
    expectError(() => negotiateFormat('text/csv;q=0', ['json', 'csv']), 'None of these media types are available: text/csv', undefined, 'PGRST107');
  });

  it('nothing acceptable is a 406 (PGRST107) naming what was asked', () => {
    expectError(
      () => negotiateFormat('text/html, application/xml;q=0.9', ['json', 'csv']),
      'None of these media types are available: text/html, application/xml',
      undefined,
      'PGRST107',
    );
    expectError(() => negotiateFormat('text/csv', ['json']), 'None of these media types are available: text/csv', undefined, 'PGRST107');
    expect(errorOf(() => negotiateFormat('garbage', ['json'])).postgrest).toBe('PGRST107');
    expect(errorOf(() => negotiateFormat(undefined, [])).postgrest).toBe('PGRST107');
  });
});
