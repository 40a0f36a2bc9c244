import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/rest/parse/csv.js';
import { jsonToCsv } from '../../src/rest/respond.js';
import { errorOf, expectError } from './rest-parse-support.js';

/** A CSV request body as PostgREST reads it (csv-parse reads the fields). */

describe('parseCsv', () => {
  it('reads a header line, then one object per row', () => {
    expect(parseCsv('a,b\n1,2\n3,4\n')).toEqual([{ a: '1', b: '2' }, { a: '3', b: '4' }]);
    expect(parseCsv('a,b')).toEqual([]);
  });

  it('an unquoted empty field or NULL is null; a quoted one is its text', () => {
    expect(parseCsv('a,b,c,d\n,NULL,"","NULL"')).toEqual([{ a: null, b: null, c: '', d: 'NULL' }]);
    expect(parseCsv('a,b\nnull,Null')).toEqual([{ a: 'null', b: 'Null' }]);
  });

  it('quoted fields keep commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\n"x, ""y""","1\n2"\n')).toEqual([{ a: 'x, "y"', b: '1\n2' }]);
    expect(parseCsv('"col ""1""",b\n1,2')).toEqual([{ 'col "1"': '1', b: '2' }]);
  });

  it('CRLF, LF and CR line ends, even mixed; a BOM; blank lines at the end', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,2\n3,4\r5,6\r\n\r\n\n')).toEqual([{ a: '1', b: '2' }, { a: '3', b: '4' }, { a: '5', b: '6' }]);
    // one column: a trailing blank line is no row, a blank line between rows is a null one
    expect(parseCsv('a\n1\n\n2\n\n')).toEqual([{ a: '1' }, { a: null }, { a: '2' }]);
  });

  it('refuses a body without a header, or with an unnamed column', () => {
    for (const body of ['', '\n\n', ',b\n1,2', 'a,""\n1,2', 'a,NULL\n1,2']) {
      expectError(() => parseCsv(body), 'a CSV body needs a header line naming its columns', undefined, 'PGRST102');
    }
  });

  it('refuses a row whose field count is not the header’s, naming its line', () => {
    expectError(() => parseCsv('a,b\n1,2\n3\n'), 'CSV line 3 has 1 fields; the header has 2', undefined, 'PGRST102');
    expectError(() => parseCsv('a,b\n1,2,3'), 'CSV line 2 has 3 fields; the header has 2', undefined, 'PGRST102');
    // a line break inside quotes does not shift the count
    expectError(() => parseCsv('a,b\n"1\n1",2\n3\n'), 'CSV line 4 has 1 fields; the header has 2', undefined, 'PGRST102');
    expectError(() => parseCsv('a,b\n1,2\n\n3,4'), 'CSV line 3 has 1 fields; the header has 2', undefined, 'PGRST102');
  });

  it('refuses broken quoting, with a message that says what is wrong', () => {
    expectError(() => parseCsv('a,b\n"1,2\n'), 'a CSV body has an unterminated quoted field', 'Quote Not Closed', 'PGRST102');
    expectError(() => parseCsv('a,b\n"1"x,2'), 'a CSV body has text after a closing quote', undefined, 'PGRST102');
    expectError(() => parseCsv('a,b\n1"x,2'), 'a CSV body has a quote inside an unquoted field (quote the whole field, and double the quote)', undefined, 'PGRST102');
  });

  it('property: any text is rows or a PGRST102, never another error', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'NULL', '\uFEFF') }), (text) => {
        try {
          const rows = parseCsv(text);
          expect(Array.isArray(rows)).toBe(true);
        } catch {
          expect(errorOf(() => parseCsv(text)).postgrest).toBe('PGRST102');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: what jsonToCsv writes, parseCsv reads back', () => {
    const cell = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', ' ') }), fc.constant(null));
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 5 }), (pairs) => {
        const rows = pairs.map(([x, y]) => ({ x, y }));
        // null is an empty field, an empty string "" (as a PostgreSQL record writes it); NULL text is written bare
        const expected = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === 'NULL' ? null : v])));
        expect(parseCsv(jsonToCsv(JSON.stringify(rows)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
