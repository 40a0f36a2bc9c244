import pg from 'pg';
import { namesStatements, type PoolClient } from './pool.js';

/** A statement as pg takes it: text, parameters, an optional prepared-statement name and type parsers. */
export interface Statement {
  readonly name?: string;
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly types?: pg.CustomTypesConfig;
}

type Rows = { rows: Record<string, unknown>[] };

/**
 * Statements that a connection sends ahead of its next one, in the same write: a transaction's
 * BEGIN and the settings of PostgreSQL-native mode go with the request's first statement, so
 * that they cost no round trip of their own (four round trips become two under W7 of
 * bench/graphql.mjs: BEGIN, settings and the statement, then COMMIT). Kept per connection, for
 * as long as it is checked out by one transaction (db/transaction.ts).
 */
const ahead = new WeakMap<PoolClient, Statement[]>();

/** Queues `statements` to go with the next statement `client` runs through `runStatement`. */
export function sendAhead(client: PoolClient, statements: readonly Statement[]): void {
  ahead.set(client, [...(ahead.get(client) ?? []), ...statements]);
}

/** Whether `client` has statements queued that have not been sent (a transaction not begun yet). */
export function hasAhead(client: PoolClient): boolean {
  return (ahead.get(client)?.length ?? 0) > 0;
}

/** Forgets what was queued on `client` (its transaction ended before anything was sent). */
export function dropAhead(client: PoolClient): void {
  ahead.delete(client);
}

/**
 * Runs `statement` on `client`, preceded by what was queued for it: all of them in one write,
 * answered in one read (the extended protocol's messages of each, one Sync after the last).
 * Resolves to the last statement's rows. An error in any of them is the result: PostgreSQL
 * skips the rest up to the Sync, and the transaction they are in is then aborted.
 */
export function runStatement(client: PoolClient, statement: Statement | string): Promise<Rows> {
  const queued = ahead.get(client);
  if (queued === undefined || queued.length === 0) return client.query(statement as pg.QueryConfig) as Promise<Rows>;
  ahead.delete(client);
  const main = typeof statement === 'string' ? { text: statement } : statement;
  return new Promise<Rows>((resolve, reject) => {
    const batch = new StatementBatch(queued, namesStatements(client) ? main : unnamed(main), (error, rows) => (error === undefined ? resolve(rows) : reject(error)));
    client.query(batch);
  });
}

/** The statement without its name (behind a transaction-mode pooler: pool.ts). */
function unnamed(statement: Statement): Statement {
  const { name: _name, ...rest } = statement;
  return rest;
}

const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

/** The part of pg's Query this subclass uses: its results, and the members pg's client calls. */
interface QueryInternals {
  _results: unknown;
  queryMode?: string;
}

/**
 * pg's Query, sending the queued statements (unnamed) before its own: pg's "submittable"
 * extension point, as pg-cursor uses it. Each statement's answer is one more result of the
 * same query (pg's multi-result support); the callback gets the last one, the statement's own.
 */
class StatementBatch extends pg.Query {
  readonly #before: readonly Statement[];
  readonly #main: Statement;
  #stopCounting: (() => void) | undefined;

  constructor(before: readonly Statement[], main: Statement, done: (error: Error | undefined, result: Rows) => void) {
    super({ text: main.text, ...(main.types === undefined ? {} : { types: main.types }) }, (error: Error | undefined) => {
      this.#stopCounting?.();
      if (error !== undefined && error !== null) {
        done(error, { rows: [] });
        return;
      }
      const results = (this as unknown as QueryInternals)._results;
      const last = (Array.isArray(results) ? results[results.length - 1] : results) as Rows;
      done(undefined, last);
    });
    this.#before = before;
    this.#main = main;
    // always the extended protocol, even for a text without parameters: one Sync for all
    (this as unknown as QueryInternals).queryMode = 'extended';
  }

  /** Called by pg's Query#submit, inside its cork of the socket: every message goes out in one write. */
  prepare(connection: pg.Connection): void {
    for (const statement of this.#before) {
      connection.parse({ text: statement.text, name: '', types: [] }, true);
      this.#bindAndExecute(connection, '', statement.values);
    }
    const main = this.#main;
    const name = main.name ?? '';
    const prepared = preparedOn(connection);
    if (name === '' || prepared[name] !== main.text) {
      connection.parse({ text: main.text, name, types: [] }, true);
      // pg's client records only its query's own name, at the first ParseComplete (here the
      // first queued statement's): the name is recorded here once its own Parse has completed
      if (name !== '') this.#countParses(connection, this.#before.length + 1, () => (prepared[name] = main.text));
    }
    this.#bindAndExecute(connection, name, main.values);
    connection.sync();
  }

  #countParses(connection: pg.Connection, expected: number, then: () => void): void {
    let seen = 0;
    const onParsed = (): void => {
      seen += 1;
      if (seen === expected) then();
    };
    connection.on('parseComplete', onParsed);
    this.#stopCounting = () => connection.off('parseComplete', onParsed);
  }

  #bindAndExecute(connection: pg.Connection, statement: string, values: readonly unknown[] | undefined): void {
    connection.bind({ statement, portal: '', values: values === undefined ? [] : [...values], valueMapper: prepareValue } as pg.BindConfig, true);
    connection.describe({ type: 'P', name: '' }, true);
    connection.execute({ portal: '' }, true);
  }
}

/** pg's record of the statements a connection has prepared, by name (not in pg's typings). */
function preparedOn(connection: pg.Connection): Record<string, string> {
  return (connection as unknown as { parsedStatements: Record<string, string> }).parsedStatements;
}
