/**
 * Runs a psql-style SQL script (a pg_dump file, a fixture, the sample schema) without psql.
 *
 * Plain SQL between COPY blocks goes to the server as one multi-statement simple query. psql
 * meta-commands (`\connect`, `\restrict`, ...) are skipped. `COPY t (cols) FROM stdin;` blocks
 * are decoded here and inserted through `json_populate_recordset`, because neither a plain
 * `pg` client nor PGlite offers a COPY FROM STDIN we could feed from the same code.
 */

/** What the loader needs of a connection: pg's Client/PoolClient and PGlite both fit. */
export interface SqlScriptClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  /**
   * PGlite's `query` always uses the extended protocol, which refuses several statements in
   * one string; its `exec` runs a simple query. When present it is used for the SQL chunks.
   */
  exec?(text: string): Promise<unknown>;
}

/** Rows per INSERT: large enough to make Pagila fast, small enough to keep one parameter modest. */
export const COPY_BATCH_ROWS = 5000;
/** A batch is also cut at this many characters of JSON, so wide rows (bytea) stay bounded. */
const COPY_BATCH_CHARS = 4_000_000;

export async function runSqlScript(client: SqlScriptClient, script: string): Promise<void> {
  const lines = script.split('\n');
  const lexer = new SqlLexer();
  let chunk: string[] = [];
  let chunkStart = 1;

  const flush = async (): Promise<void> => {
    if (lexer.hasContent) await runChunk(client, chunk.join('\n'), chunkStart);
    chunk = [];
    lexer.hasContent = false;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (chunk.length === 0) chunkStart = i + 1;
    // Only outside literals, bodies and comments can a line be a meta-command or a COPY:
    // a function body may well contain a line that starts with `COPY ` or a backslash.
    if (lexer.atTopLevel) {
      if (line.startsWith('\\')) {
        // Keep an empty line so that error positions still map to script lines.
        chunk.push('');
        continue;
      }
      const copy = lexer.atStatementStart ? parseCopyHeader(line, i + 1) : undefined;
      if (copy !== undefined) {
        await flush();
        i = await runCopy(client, copy, lines, i + 1);
        continue;
      }
    }
    lexer.scan(line);
    chunk.push(line);
  }
  await flush();
}

async function runChunk(client: SqlScriptClient, sql: string, startLine: number): Promise<void> {
  try {
    await (client.exec !== undefined ? client.exec(sql) : client.query(sql));
  } catch (error: unknown) {
    // PostgreSQL reports a 1-based character position in the query; turn it into a script line.
    const position = Number(errorField(error, 'position'));
    const at = Number.isInteger(position) && position > 0
      ? startLine + countNewlines(sql.slice(0, position - 1))
      : undefined;
    const where = at === undefined ? `SQL starting at line ${startLine}` : `SQL at line ${at}`;
    throw new Error(`runSqlScript: ${where}: ${errorMessage(error)}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// COPY blocks

interface CopyHeader {
  /** The table as written in the script (already quoted where needed). */
  readonly table: string;
  /** The column list as written, reused verbatim in the INSERT and the SELECT. */
  readonly columnList: string;
  /** Column names as PostgreSQL stores them: the JSON keys json_populate_recordset looks up. */
  readonly names: readonly string[];
  readonly line: number;
}

const COPY_HEADER = /^COPY\s+(.+?)\s*\((.*)\)\s+FROM\s+stdin;\s*$/i;

function parseCopyHeader(line: string, lineNo: number): CopyHeader | undefined {
  if (!/^COPY\s/i.test(line) || !/\bFROM\s+stdin;\s*$/i.test(line)) return undefined;
  const match = COPY_HEADER.exec(line);
  const table = match?.[1];
  const columnList = match?.[2];
  if (table === undefined || columnList === undefined) {
    // Without a column list we would need the catalog to know the JSON keys; pg_dump always writes one.
    throw new Error(`runSqlScript: line ${lineNo}: COPY needs a column list: ${line}`);
  }
  return { table, columnList, names: splitColumnNames(columnList), line: lineNo };
}

/** `a, "Odd ""x""", B` → `a`, `Odd "x"`, `b` (unquoted identifiers fold to lower case). */
function splitColumnNames(list: string): string[] {
  const names: string[] = [];
  for (const match of list.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,\s]+))\s*(?:,|$)/g)) {
    if (match[0] === '') continue;
    names.push(match[1] !== undefined ? match[1].replaceAll('""', '"') : (match[2] ?? '').toLowerCase());
  }
  return names;
}

/** Reads the data lines after a COPY header, inserts them in batches; returns the index of `\.`. */
async function runCopy(client: SqlScriptClient, copy: CopyHeader, lines: readonly string[], from: number): Promise<number> {
  const keys = copy.names.map((name) => JSON.stringify(name));
  const sql =
    `INSERT INTO ${copy.table} (${copy.columnList}) OVERRIDING SYSTEM VALUE ` +
    `SELECT ${copy.columnList} FROM json_populate_recordset(NULL::${copy.table}, $1::json)`;
  let batch: string[] = [];
  let batchChars = 0;
  let batchStart = from + 1;

  const insert = async (): Promise<void> => {
    if (batch.length === 0) return;
    try {
      await client.query(sql, [`[${batch.join(',')}]`]);
    } catch (error: unknown) {
      throw new Error(
        `runSqlScript: COPY ${copy.table}, rows at lines ${batchStart}-${batchStart + batch.length - 1}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    batchStart += batch.length;
    batch = [];
    batchChars = 0;
  };

  for (let i = from; i < lines.length; i++) {
    // pg_dump writes a data \r as `\r`, so a trailing raw \r can only come from CRLF line ends.
    const line = (lines[i] ?? '').replace(/\r$/, '');
    // split('\n') of a script ending in a newline yields an empty last element: not a row.
    if (i === lines.length - 1 && line === '') break;
    if (line === '\\.') {
      await insert();
      return i;
    }
    const where = `COPY ${copy.table}, line ${i + 1}`;
    const fields = splitCopyLine(line, where);
    if (fields.length !== keys.length) {
      throw new Error(`runSqlScript: ${where}: expected ${keys.length} fields, found ${fields.length}`);
    }
    const json = `{${fields.map((raw, j) => `${keys[j]}:${raw === '\\N' ? 'null' : JSON.stringify(decodeCopyField(raw, where))}`).join(',')}}`;
    batch.push(json);
    batchChars += json.length;
    if (batch.length >= COPY_BATCH_ROWS || batchChars >= COPY_BATCH_CHARS) await insert();
  }
  throw new Error(`runSqlScript: COPY ${copy.table} (line ${copy.line}) has no terminating "\\." line`);
}

/** Splits on tabs that are not escaped; fields stay raw so `\N` can be told from `\\N`. */
function splitCopyLine(line: string, where: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      if (i === line.length - 1) throw new Error(`runSqlScript: ${where}: bad escape: backslash at end of line`);
      i++;
    } else if (c === '\t') {
      fields.push(line.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(line.slice(start));
  return fields;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one field of PostgreSQL's COPY text format. Octal and hex escapes stand for bytes,
 * so consecutive ones are gathered and decoded as UTF-8 together (`\303\251` is "é"). As in
 * PostgreSQL, any other backslashed character stands for itself. Stricter than PostgreSQL:
 * octal above \377 and `\x` without hex digits are rejected instead of truncated or read as "x".
 */
export function decodeCopyField(raw: string, where = 'COPY field'): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  let bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length === 0) return;
    if (bytes.includes(0)) throw new Error(`runSqlScript: ${where}: bad escape: NUL byte is not allowed in text`);
    try {
      out += utf8.decode(Uint8Array.from(bytes));
    } catch {
      throw new Error(`runSqlScript: ${where}: bad escape: bytes ${bytes.map((b) => b.toString(16)).join(' ')} are not valid UTF-8`);
    }
    bytes = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (c !== '\\') {
      flushBytes();
      out += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) throw new Error(`runSqlScript: ${where}: bad escape: backslash at end of field`);
    const octal = /^[0-7]{1,3}/.exec(raw.slice(i + 1, i + 4));
    if (octal !== null) {
      const value = parseInt(octal[0], 8);
      if (value > 0o377) throw new Error(`runSqlScript: ${where}: bad escape: \\${octal[0]} is above \\377`);
      bytes.push(value);
      i += octal[0].length;
      continue;
    }
    if (next === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 2, i + 4));
      if (hex === null) throw new Error(`runSqlScript: ${where}: bad escape: \\x needs one or two hex digits`);
      bytes.push(parseInt(hex[0], 16));
      i += 1 + hex[0].length;
      continue;
    }
    flushBytes();
    out += SIMPLE_ESCAPES[next] ?? next;
    i++;
  }
  flushBytes();
  return out;
}

// ---------------------------------------------------------------------------------------------
// A line-level SQL lexer: just enough to know whether a line begins outside any literal,
// quoted identifier, dollar-quoted body or block comment, and at the start of a statement.

type LexMode = 'code' | 'string' | 'estring' | 'ident' | 'dollar' | 'comment';

class SqlLexer {
  private mode: LexMode = 'code';
  private dollarTag = '';
  private commentDepth = 0;
  /** Only `;`, whitespace and comments seen since the last statement ended. */
  atStatementStart = true;
  /** The current chunk holds something other than whitespace and comments. */
  hasContent = false;

  get atTopLevel(): boolean {
    return this.mode === 'code';
  }

  scan(line: string): void {
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      const next = line[i + 1];
      switch (this.mode) {
        case 'comment':
          if (c === '/' && next === '*') {
            this.commentDepth++; // PostgreSQL block comments nest
            i++;
          } else if (c === '*' && next === '/') {
            i++;
            if (--this.commentDepth === 0) this.mode = 'code';
          }
          break;
        case 'string':
        case 'estring':
          if (c === '\\' && this.mode === 'estring') i++;
          else if (c === "'") {
            if (next === "'") i++;
            else this.mode = 'code';
          }
          break;
        case 'ident':
          if (c === '"') {
            if (next === '"') i++;
            else this.mode = 'code';
          }
          break;
        case 'dollar':
          if (c === '$' && line.startsWith(this.dollarTag, i)) {
            i += this.dollarTag.length - 1;
            this.mode = 'code';
          }
          break;
        case 'code': {
          if (c === '-' && next === '-') return;
          if (c === '/' && next === '*') {
            this.mode = 'comment';
            this.commentDepth = 1;
            i++;
            break;
          }
          if (c === ' ' || c === '\t' || c === '\r') break;
          if (c === ';') {
            this.atStatementStart = true;
            break;
          }
          this.atStatementStart = false;
          this.hasContent = true;
          const prev = line[i - 1] ?? '';
          if (c === "'") {
            // E'...' strings honour backslash escapes, so \' does not end them.
            const isE = (prev === 'E' || prev === 'e') && !isIdentChar(line[i - 2] ?? '');
            this.mode = isE ? 'estring' : 'string';
          } else if (c === '"') {
            this.mode = 'ident';
          } else if (c === '$' && !isIdentChar(prev)) {
            // $1 is a parameter, not a quote: a tag cannot start with a digit.
            const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(line.slice(i));
            if (tag !== null) {
              this.mode = 'dollar';
              this.dollarTag = tag[0];
              i += tag[0].length - 1;
            }
          }
        }
      }
    }
  }
}

function isIdentChar(c: string): boolean {
  return /[\w$\u0080-\uffff]/.test(c);
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === '\n') n++;
  return n;
}

function errorField(error: unknown, field: string): unknown {
  return typeof error === 'object' && error !== null && field in error ? (error as Record<string, unknown>)[field] : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
