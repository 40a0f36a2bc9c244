import { invalidRequest } from '../../errors/index.js';

/**
 * A CSV request body (RFC 4180; `POST` with `Content-Type: text/csv`) as JSON objects: the
 * first line names the columns, each further line is a row. A quoted field keeps its text
 * (`""` is an empty string); an unquoted empty field, or the unquoted text `NULL`, is null —
 * as PostgREST reads CSV. Blank lines at the end of the body are ignored.
 */
export function parseCsv(text: string): Record<string, string | null>[] {
  // blank lines at the end (an editor's last newline, or a few) are no rows
  const records = readRecords(text.replace(/^\uFEFF/, '').replace(/(\r\n|\n|\r)+$/, ''));
  const header = records.shift();
  if (header === undefined || header.length === 0 || header.some((h) => h === null || h === '')) {
    throw invalidRequest('a CSV body needs a header line naming its columns', { postgrest: 'PGRST102' });
  }
  return records.map((record, i) => {
    if (record.length !== header.length) {
      throw invalidRequest(`CSV line ${i + 2} has ${record.length} fields; the header has ${header.length}`, { postgrest: 'PGRST102' });
    }
    return Object.fromEntries(header.map((name, j) => [name as string, record[j] ?? null]));
  });
}

function readRecords(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return records;
  for (;;) {
    let field: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw invalidRequest('a CSV body has an unterminated quoted field', { postgrest: 'PGRST102' });
        const c = text[i] as string;
        if (c === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      field = value;
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        throw invalidRequest('a CSV body has text after a closing quote', { postgrest: 'PGRST102' });
      }
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      const raw = text.slice(i, end);
      field = raw === '' || raw === 'NULL' ? null : raw;
      i = end;
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    // end of line: \n, \r\n or \r; a trailing line break ends the body
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}
