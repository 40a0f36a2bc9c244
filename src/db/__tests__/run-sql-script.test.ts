import { describe, it, expect } from 'vitest';
import { COPY_BATCH_ROWS, decodeCopyField, runSqlScript } from '../run-sql-script.js';

interface Call {
  readonly text: string;
  readonly values: unknown[] | undefined;
}

/** Records every query; `fail` lets a test make one statement throw like the server would. */
function fakeClient(fail?: (text: string) => unknown): { calls: Call[]; query(text: string, values?: unknown[]): Promise<unknown> } {
  const calls: Call[] = [];
  return {
    calls,
    query(text: string, values?: unknown[]): Promise<unknown> {
      calls.push({ text, values });
      const error = fail?.(text);
      return error === undefined ? Promise.resolve({ rows: [] }) : Promise.reject(error);
    },
  };
}

/** The rows a COPY batch carried, parsed back from its JSON parameter. */
function rowsOf(call: Call | undefined): unknown {
  const json = call?.values?.[0];
  if (typeof json !== 'string') throw new Error('expected a JSON parameter');
  return JSON.parse(json);
}

const copyScript = (rows: readonly string[], header = 'COPY public.t (id, name) FROM stdin;'): string =>
  [header, ...rows, '\\.', ''].join('\n');

describe('runSqlScript: plain SQL', () => {
  it('sends the SQL between COPY blocks as one simple query, without parameters', async () => {
    const client = fakeClient();
    await runSqlScript(client, 'create table a (id int);\ncreate table b (id int);\n');
    expect(client.calls).toEqual([{ text: 'create table a (id int);\ncreate table b (id int);\n', values: undefined }]);
  });

  it('sends nothing for a script of comments and blank lines', async () => {
    const client = fakeClient();
    await runSqlScript(client, '--\n-- PostgreSQL database dump\n--\n\n/* nothing */\n');
    expect(client.calls).toEqual([]);
  });

  it('skips psql meta-commands', async () => {
    const client = fakeClient();
    await runSqlScript(client, '\\restrict abc123\nselect 1;\n\\connect other\nselect 2;\n\\unrestrict abc123\n');
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]?.text).not.toContain('\\');
    expect(client.calls[0]?.text).toContain('select 1;');
    expect(client.calls[0]?.text).toContain('select 2;');
  });

  it('uses exec (a simple query) when the client has one, as PGlite does', async () => {
    const executed: string[] = [];
    const client = { ...fakeClient(), exec: (text: string) => (executed.push(text), Promise.resolve([])) };
    await runSqlScript(client, 'select 1; select 2;');
    expect(executed).toEqual(['select 1; select 2;']);
    expect(client.calls).toEqual([]);
  });

  it('names the script line of a failing statement', async () => {
    const script = 'select 1;\n\nselect oops;\n';
    const client = fakeClient(() => Object.assign(new Error('column "oops" does not exist'), { position: String(script.indexOf('oops') + 1) }));
    await expect(runSqlScript(client, script)).rejects.toThrow('SQL at line 3: column "oops" does not exist');
  });
});

describe('runSqlScript: COPY blocks', () => {
  it('turns a COPY block into an INSERT ... json_populate_recordset with one JSON parameter', async () => {
    const client = fakeClient();
    await runSqlScript(client, `create table t (id int, name text);\n${copyScript(['1\tone', '2\t\\N'])}select 3;\n`);
    expect(client.calls.map((c) => c.text)).toEqual([
      'create table t (id int, name text);',
      'INSERT INTO public.t (id, name) OVERRIDING SYSTEM VALUE SELECT id, name FROM json_populate_recordset(NULL::public.t, $1::json)',
      'select 3;\n',
    ]);
    expect(rowsOf(client.calls[1])).toEqual([
      { id: '1', name: 'one' },
      { id: '2', name: null },
    ]);
  });

  it('uses the stored column names as JSON keys (quoted names keep case, others fold)', async () => {
    const client = fakeClient();
    await runSqlScript(client, copyScript(['1\t2\t3'], 'COPY s."T" ("Mixed Case", "a""b", Plain) FROM stdin;'));
    expect(client.calls[0]?.text).toContain('INSERT INTO s."T" ("Mixed Case", "a""b", Plain)');
    expect(rowsOf(client.calls[0])).toEqual([{ 'Mixed Case': '1', 'a"b': '2', plain: '3' }]);
  });

  it('inserts nothing for an empty block', async () => {
    const client = fakeClient();
    await runSqlScript(client, copyScript([]));
    expect(client.calls).toEqual([]);
  });

  it(`inserts in batches of ${COPY_BATCH_ROWS} rows`, async () => {
    const client = fakeClient();
    const rows = Array.from({ length: 2 * COPY_BATCH_ROWS + 1 }, (_, i) => `${i}\trow ${i}`);
    await runSqlScript(client, copyScript(rows));
    const batches = client.calls.map((c) => rowsOf(c) as unknown[]);
    expect(batches.map((b) => b.length)).toEqual([COPY_BATCH_ROWS, COPY_BATCH_ROWS, 1]);
    expect(batches[2]).toEqual([{ id: String(2 * COPY_BATCH_ROWS), name: `row ${2 * COPY_BATCH_ROWS}` }]);
  });

  it('accepts CRLF line ends', async () => {
    const client = fakeClient();
    await runSqlScript(client, 'COPY public.t (id, name) FROM stdin;\r\n1\tx\r\n\\.\r\n');
    expect(rowsOf(client.calls[0])).toEqual([{ id: '1', name: 'x' }]);
  });

  it('does not start a block on COPY inside a function body, a string, a comment or mid-statement', async () => {
    const copyLine = 'COPY public.t (id, name) FROM stdin;';
    const script = [
      'create function f() returns void language plpgsql as $body$',
      'begin',
      copyLine,
      '\\not a meta-command: this line is inside the body',
      'end $body$;',
      "select 'text",
      copyLine,
      "';",
      '/* a /* nested */ comment',
      copyLine,
      '*/',
      'select',
      copyLine,
      '',
    ].join('\n');
    const client = fakeClient();
    await runSqlScript(client, script);
    expect(client.calls).toEqual([{ text: script, values: undefined }]);
  });

  it('does not treat $1 or E-string escapes as the start of a quote', async () => {
    const client = fakeClient();
    await runSqlScript(client, `select $1, E'it\\'s', 'a''b';\n${copyScript(['1\tx'])}`);
    expect(client.calls).toHaveLength(2);
    expect(client.calls[1]?.values).toBeDefined();
  });
});

describe('decodeCopyField', () => {
  it('decodes the single-character escapes', () => {
    expect(decodeCopyField('a\\bb\\fc\\nd\\re\\tf\\vg\\\\h')).toBe('a\bb\fc\nd\re\tf\vg\\h');
  });

  it('decodes octal and hex escapes as UTF-8 bytes', () => {
    expect(decodeCopyField('\\101\\x42\\x4a')).toBe('ABJ');
    expect(decodeCopyField('caf\\303\\251')).toBe('café');
    expect(decodeCopyField('\\xc3\\xa9t\\xc3\\xa9')).toBe('été');
    expect(decodeCopyField('\\1012')).toBe('A2'); // at most three octal digits
  });

  it('takes any other backslashed character as itself, as PostgreSQL does', () => {
    expect(decodeCopyField('\\q\\.\\N')).toBe('q.N');
  });

  it('leaves fields without a backslash untouched', () => {
    expect(decodeCopyField('{"a","b c"}')).toBe('{"a","b c"}');
  });
});

describe('runSqlScript: NULL and escapes in COPY rows', () => {
  it('reads \\N as NULL, \\\\N as the text \\N, an empty field as the empty string, and an escaped tab as data', async () => {
    const client = fakeClient();
    await runSqlScript(client, copyScript(['\\N\t\\\\N', '\t', 'a\\\tb\tc\\td']));
    expect(rowsOf(client.calls[0])).toEqual([
      { id: null, name: '\\N' },
      { id: '', name: '' },
      { id: 'a\tb', name: 'c\td' },
    ]);
  });
});

describe('runSqlScript: malformed input', () => {
  it('rejects an unterminated COPY block, naming the table and its line', async () => {
    const client = fakeClient();
    await expect(runSqlScript(client, 'select 1;\nCOPY public.t (id, name) FROM stdin;\n1\tx\n')).rejects.toThrow(
      'COPY public.t (line 2) has no terminating "\\." line',
    );
  });

  it('rejects a row with the wrong number of fields', async () => {
    const client = fakeClient();
    await expect(runSqlScript(client, copyScript(['1\tx', '2\ty\tz']))).rejects.toThrow(
      'COPY public.t, line 3: expected 2 fields, found 3',
    );
    await expect(runSqlScript(fakeClient(), copyScript(['1']))).rejects.toThrow('COPY public.t, line 2: expected 2 fields, found 1');
  });

  it.each([
    ['a backslash at the end of the line', '1\tx\\', 'backslash at end of line'],
    ['\\x without hex digits', '1\t\\xzz', '\\x needs one or two hex digits'],
    ['an octal escape above \\377', '1\t\\400', '\\400 is above \\377'],
    ['bytes that are not UTF-8', '1\t\\377\\376', 'not valid UTF-8'],
    ['a NUL byte', '1\ta\\000b', 'NUL byte'],
  ])('rejects a bad escape: %s', async (_, row, message) => {
    const client = fakeClient();
    const error = await runSqlScript(client, copyScript(['0\tok', row])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('COPY public.t, line 3: bad escape');
    expect((error as Error).message).toContain(message);
    expect(client.calls).toEqual([]);
  });

  it('rejects a COPY without a column list', async () => {
    await expect(runSqlScript(fakeClient(), 'COPY public.t FROM stdin;\n1\n\\.\n')).rejects.toThrow('line 1: COPY needs a column list');
  });

  it('names the table and rows when the server rejects a batch', async () => {
    const client = fakeClient((text) => (text.startsWith('INSERT') ? new Error('invalid input syntax for type integer: "x"') : undefined));
    await expect(runSqlScript(client, `select 1;\n${copyScript(['1\ta', 'x\tb'])}`)).rejects.toThrow(
      'COPY public.t, rows at lines 3-4: invalid input syntax for type integer: "x"',
    );
  });
});
