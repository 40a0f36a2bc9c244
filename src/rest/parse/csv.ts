import { createRequire } from 'node:module';
import type * as CsvSync from 'csv-parse/sync';
import type { CsvError, InfoField } from 'csv-parse/sync';
import { invalidRequest } from '../../errors/index.js';

let csvModule: typeof CsvSync | undefined;
/**
 * csv-parse, loaded by the first CSV body rather than at every start (module loading is most of
 * a small schema's start-up). Through its CommonJS build, so that parsing stays synchronous.
 */
function csv(): typeof CsvSync {
  csvModule ??= createRequire(import.meta.url)('csv-parse/sync') as typeof CsvSync;
  return csvModule;
}

/**
 * A CSV request body (RFC 4180; `POST` with `Content-Type: text/csv`) as JSON objects: the
 * first line names the columns, each further line is a row. A quoted field keeps its text
 * (`""` is an empty string); an unquoted empty field, or the unquoted text `NULL`, is null —
 * as PostgREST reads CSV. Blank lines at the end of the body are ignored. csv-parse reads the
 * fields; this file only says what PostgREST makes of them, and what is wrong with a bad body.
 */
export function parseCsv(text: string): Record<string, string | null>[] {
  // blank lines at the end (an editor's last newline, or a few) are no rows; a blank line
  // between rows is one (a null field), which a body of more than one column then refuses
  const body = text.replace(/^\uFEFF/, '').replace(/(\r\n|\n|\r)+$/, '');
  const lines: number[] = [];
  const records = readRecords(body, lines);
  const header = records.shift();
  if (header === undefined || header.length === 0 || header.some((h) => h === null || h === '')) {
    throw invalidRequest('a CSV body needs a header line naming its columns', { postgrest: 'PGRST102' });
  }
  return records.map((record, i) => {
    if (record.length !== header.length) {
      throw invalidRequest(`CSV line ${lines[i + 1] ?? i + 2} has ${record.length} fields; the header has ${header.length}`, { postgrest: 'PGRST102' });
    }
    return Object.fromEntries(header.map((name, j) => [name as string, record[j] ?? null]));
  });
}

/** The records, with the line each one ends on pushed to `lines`. */
function readRecords(body: string, lines: number[]): (string | null)[][] {
  if (body === '') return [];
  try {
    return csv().parse(body, {
      // \r\n, \n and \r alike, even mixed in one body
      record_delimiter: ['\r\n', '\n', '\r'],
      // the field counts are checked above, with a message that names the header
      relax_column_count: true,
      cast: nullOrText,
      on_record: (record, context) => {
        lines.push(context.lines);
        return record;
      },
    }) as (string | null)[][];
  } catch (error: unknown) {
    if (!(error instanceof csv().CsvError)) throw error;
    throw invalidRequest(csvProblem(error), { postgrest: 'PGRST102', details: error.message });
  }
}

/** An unquoted empty field and an unquoted NULL are null; a quoted field is its text. */
function nullOrText(value: string, context: InfoField): string | null {
  return !context.quoting && (value === '' || value === 'NULL') ? null : value;
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a CSV body has an unterminated quoted field';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a CSV body has text after a closing quote';
    case 'INVALID_OPENING_QUOTE':
      return 'a CSV body has a quote inside an unquoted field (quote the whole field, and double the quote)';
    default:
      return 'a CSV body cannot be read';
  }
}
