import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestTransaction, createPool, dropAhead, inTransaction, runStatement, sendAhead, type Pool } from '../../src/db/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Statements queued on a connection (a transaction's BEGIN, PostgreSQL-native mode's settings)
 * go with its next statement, in one write answered in one read (src/db/run-statement.ts), on a real
 * PostgreSQL and on the embedded one.
 */
describe.each(['postgres', 'pglite'] as const)('statements sent ahead (%s)', (kind) => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase({ kind });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('create table note (id serial primary key, body text not null)');
    pool = createPool({ url: db.url, size: 2, connectTimeoutMs: 5000 });
  });

  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await db?.drop();
  });

  it('runs BEGIN and a setting with the first statement, in one transaction that goes on after it', async () => {
    const client = await pool.connect();
    try {
      sendAhead(client, [{ text: 'begin' }, { text: 'select set_config($1, $2, true)', values: ['pgduet.test', 'ahead'] }]);
      const { rows } = await runStatement(client, { text: 'select current_setting($1) as value, 7 as n', values: ['pgduet.test'] });
      expect(rows).toEqual([{ value: 'ahead', n: 7 }]);
      // still in the transaction BEGIN opened: the local setting holds until it ends
      expect((await client.query("select current_setting('pgduet.test') as value")).rows).toEqual([{ value: 'ahead' }]);
      await client.query('rollback');
      expect((await client.query("select coalesce(current_setting('pgduet.test', true), '') as value")).rows).toEqual([{ value: '' }]);
    } finally {
      client.release();
    }
  });

  it('fails the statement with the error of a queued one, and runs neither', async () => {
    const client = await pool.connect();
    try {
      sendAhead(client, [{ text: 'begin' }, { text: 'select set_config($1, $2, true)', values: ['role', 'no_such_role_here'] }]);
      const failed = runStatement(client, { text: 'insert into note (body) values ($1) returning id', values: ['must not stay'] });
      await expect(failed).rejects.toMatchObject({ message: expect.stringContaining('no_such_role_here') });
      await client.query('rollback');
      expect((await admin.query("select count(*)::int as n from note where body = 'must not stay'")).rows).toEqual([{ n: 0 }]);
      // the connection is healthy after it
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it('prepares a named statement once: a later batch and a plain query of the same name reuse it', async () => {
    const client = await pool.connect();
    const statement = { name: 'pgduet_batch_test_1', text: 'select $1::int + 1 as next', values: [1] };
    try {
      for (let i = 0; i < 3; i++) {
        sendAhead(client, [{ text: 'begin' }]);
        // parsed again, a second Parse of the same name would fail (42P05); never parsed, the Bind would (26000)
        expect((await runStatement(client, { ...statement, values: [i] })).rows).toEqual([{ next: i + 1 }]);
        await client.query('commit');
      }
      expect((await client.query({ ...statement, values: [41] })).rows).toEqual([{ next: 42 }]);
      const prepared = await client.query("select count(*)::int as n from pg_prepared_statements where name = 'pgduet_batch_test_1'");
      expect(prepared.rows).toEqual([{ n: 1 }]);
    } finally {
      client.release();
    }
  });

  it('does not count a named statement as prepared when its Parse failed', async () => {
    const client = await pool.connect();
    const bad = { name: 'pgduet_batch_test_2', text: 'select no_such_column from note' };
    try {
      for (let i = 0; i < 2; i++) {
        sendAhead(client, [{ text: 'begin' }]);
        // the column error both times, not "prepared statement does not exist" the second time
        await expect(runStatement(client, bad)).rejects.toMatchObject({ code: '42703' });
        await client.query('rollback');
      }
    } finally {
      client.release();
    }
  });

  it('inTransaction: BEGIN goes with the first statement; a work that runs none leaves nothing to end', async () => {
    const id = await inTransaction(pool, async (client) => (await runStatement(client, { text: 'insert into note (body) values ($1) returning id', values: ['kept'] })).rows[0]?.['id']);
    expect((await admin.query('select body from note where id = $1', [id])).rows).toEqual([{ body: 'kept' }]);
    // a dry run rolls back what it wrote
    await inTransaction(pool, (client) => runStatement(client, { text: "insert into note (body) values ('dry')" }), { rollback: true });
    expect((await admin.query("select count(*)::int as n from note where body = 'dry'")).rows).toEqual([{ n: 0 }]);
    // nothing ran: nothing was sent, and the connection comes back clean
    await inTransaction(pool, async () => 'nothing');
    const client = await pool.connect();
    try {
      expect((await client.query("select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%' and datname = current_database()")).rows).toEqual([{ n: 0 }]);
      expect((await runStatement(client, 'select 2 as two')).rows).toEqual([{ two: 2 }]);
    } finally {
      dropAhead(client);
      client.release();
    }
  });

  it('RequestTransaction: prepended settings reach the first statement, whatever it is (a savepoint included)', async () => {
    const seen = await RequestTransaction.run(
      pool,
      async (setup) => setup.prepend('select set_config($1, $2, true)', ['pgduet.who', 'alice']),
      async (tx) => {
        await tx.savepoint(async (client) => runStatement(client, "insert into note (body) values ('in a savepoint')"));
        return (await runStatement(tx.client, "select current_setting('pgduet.who') as who")).rows;
      },
    );
    expect(seen).toEqual([{ who: 'alice' }]);
    expect((await admin.query("select count(*)::int as n from note where body = 'in a savepoint'")).rows).toEqual([{ n: 1 }]);
  });

  it('parses each column as pg would (json as text when asked), keeps nulls, and every row', async () => {
    const client = await pool.connect();
    const text = "select n, n::text || 'x' as label, json_build_object('n', n) as doc, null::int as nothing from generate_series(1, 3) n";
    const asText = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 114 ? (value: string) => value : pg.types.getTypeParser(oid, format ?? 'text')) };
    try {
      const plain = await runStatement(client, { text });
      const reference = await client.query(text);
      expect(plain.rows).toEqual(reference.rows);
      expect(plain.rows[2]).toEqual({ n: 3, label: '3x', doc: { n: 3 }, nothing: null });
      const kept = await runStatement(client, { name: 'pgduet_run_statement_json', text, types: asText });
      expect(kept.rows.map((row) => row['doc'])).toEqual(['{"n" : 1}', '{"n" : 2}', '{"n" : 3}']);
      expect((await runStatement(client, { text: 'select 1 where false' })).rows).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('a column named __proto__ is a column like any other', async () => {
    const client = await pool.connect();
    try {
      const [row] = (await runStatement(client, { text: 'select 1 as "__proto__", 2 as x' })).rows;
      expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe(1);
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.keys(row ?? {})).toEqual(['__proto__', 'x']);
    } finally {
      client.release();
    }
  });

  it('refuses a value that cannot be sent, and the connection goes on', async () => {
    const client = await pool.connect();
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    try {
      await expect(runStatement(client, { text: 'select $1::jsonb as v', values: [circular] })).rejects.toThrow(/circular/i);
      expect((await runStatement(client, { text: 'select $1::int as v', values: [5] })).rows).toEqual([{ v: 5 }]);
    } finally {
      client.release();
    }
  });

  it('sends no name behind a transaction-mode pooler (database.preparedStatements: false)', async () => {
    const unnamed = createPool({ url: db.url, size: 1, connectTimeoutMs: 5000, preparedStatements: false });
    const client = await unnamed.connect();
    try {
      for (let i = 0; i < 2; i++) {
        sendAhead(client, [{ text: 'begin' }]);
        expect((await runStatement(client, { name: 'pgduet_never_prepared', text: 'select $1::int as v', values: [i] })).rows).toEqual([{ v: i }]);
        await client.query('commit');
      }
      expect((await client.query("select count(*)::int as n from pg_prepared_statements where name = 'pgduet_never_prepared'")).rows).toEqual([{ n: 0 }]);
    } finally {
      client.release();
      await unnamed.end();
    }
  });

  it('RequestTransaction: with no statement run, the settings still go (with COMMIT), and one refused fails it, rolled back', async () => {
    const refused = RequestTransaction.run(
      pool,
      async (setup) => setup.prepend('select set_config($1, $2, true)', ['role', 'no_such_role_either']),
      async () => 'answered without a statement',
    );
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('no_such_role_either') });
    // the aborted transaction was rolled back before its connection went back to the pool
    const idle = await admin.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'");
    expect(idle.rows).toEqual([{ n: 0 }]);
    // accepted settings cost one round trip with COMMIT, and the transaction answers
    await expect(RequestTransaction.run(pool, async (setup) => setup.prepend('select set_config($1, $2, true)', ['pgduet.who', 'bob']), async () => 'ok')).resolves.toBe('ok');
  });

  it('RequestTransaction: a setup statement without values may hold several commands, as before', async () => {
    const seen = await RequestTransaction.run(
      pool,
      async (setup) => {
        await setup.query('set local statement_timeout = 123000; set local work_mem = 65536');
      },
      async (tx) => (await runStatement(tx.client, "select current_setting('work_mem') as mem, current_setting('statement_timeout') as timeout")).rows,
    );
    expect(seen).toEqual([{ mem: '64MB', timeout: '123s' }]);
  });

  // PostgreSQL's behaviour (PGlite's server ends the connection on COPY FROM STDIN and does not come back)
  if (kind === 'postgres') {
    it('a COPY FROM STDIN fails at once: the connection goes on when it was the last statement, and is dropped, not hung, when more followed', async () => {
      const client = await pool.connect();
      try {
        sendAhead(client, [{ text: 'begin' }]);
        await expect(runStatement(client, 'copy note (body) from stdin')).rejects.toThrow(/COPY/);
        await client.query('rollback');
        expect((await runStatement(client, 'select 2 as two')).rows).toEqual([{ two: 2 }]);
      } finally {
        client.release();
      }
      // statements sent after a COPY break its sub-protocol: PostgreSQL ends the connection
      const broken = await pool.connect();
      sendAhead(broken, [{ text: 'begin' }, { text: 'copy note (body) from stdin' }]);
      const failure = await runStatement(broken, 'select 1 as one').then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      broken.release(failure as Error);
      const next = await pool.connect();
      try {
        expect((await runStatement(next, 'select 3 as three')).rows).toEqual([{ three: 3 }]);
      } finally {
        next.release();
      }
    }, 10_000);
  }
});

