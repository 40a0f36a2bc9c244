import pg from 'pg';
import { namesStatements, type PoolClient } from './pool.js';

/** A statement as pg takes it: text, parameters, an optional prepared-statement name and type parsers. */
export interface Statement {
  readonly name?: string | undefined;
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly types?: pg.CustomTypesConfig | undefined;
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

/** Sends what is queued on `client`, if anything, and waits for it. */
export async function flushAhead(client: PoolClient): Promise<void> {
  const queued = ahead.get(client);
  const last = queued?.pop();
  if (queued === undefined || last === undefined) return;
  await runStatement(client, last);
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
 *
 * Every statement of the API's requests runs here (db/cancel.ts), through pg's "submittable"
 * extension point (as pg-cursor does) rather than pg's Query: a Query is an EventEmitter, copies
 * its configuration, builds a row template and wraps its promise twice, which was ~10 % of the
 * CPU of a one-statement request (W5 of bench/graphql.mjs). The messages are pg's own.
 */
export function runStatement(client: PoolClient, statement: Statement | string): Promise<Rows> {
  const main = typeof statement === 'string' ? { text: statement } : statement;
  const queued = ahead.get(client);
  if (queued !== undefined) ahead.delete(client);
  return new Promise<Rows>((resolve, reject) => {
    const submitted = new Submitted(queued ?? [], namesStatements(client) ? main : unnamed(main), resolve, reject);
    (client as unknown as { query(submittable: Submitted): void }).query(submitted);
  });
}

/** The statement without its name (behind a transaction-mode pooler: pool.ts). */
function unnamed(statement: Statement): Statement {
  const { name: _name, ...rest } = statement;
  return rest;
}

/** pg's own conversion of a parameter value to what it sends (arrays as array literals, dates in ISO form). */
export const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

type Parser = (text: string) => unknown;
interface Field {
  readonly name: string;
  readonly dataTypeID: number;
}
interface TypeParsers {
  getTypeParser(oid: number, format?: 'text' | 'binary'): Parser;
}

/**
 * The statements of one round trip, as pg's client drives a submittable: `submit` writes the
 * messages (inside a cork of the socket: one write), then the client hands over each message
 * PostgreSQL answers with, in order, until ReadyForQuery. Statements are counted by their
 * CommandComplete (or EmptyQueryResponse); the rows kept are the last statement's.
 */
class Submitted {
  readonly #before: readonly Statement[];
  readonly #main: Statement;
  readonly #resolve: (rows: Rows) => void;
  readonly #reject: (error: Error) => void;
  readonly #types: TypeParsers;
  /** statements answered so far: the last one is `#before.length` */
  #done = 0;
  #fields: readonly Field[] = [];
  #parsers: Parser[] = [];
  readonly #rows: Record<string, unknown>[] = [];
  #failed: Error | undefined;
  #stopCounting: (() => void) | undefined;

  /** the texts of the statements sent, in order (tests read them, as they read a Query's `text`) */
  get texts(): readonly string[] {
    return [...this.#before.map((statement) => statement.text), this.#main.text];
  }

  constructor(before: readonly Statement[], main: Statement, resolve: (rows: Rows) => void, reject: (error: Error) => void) {
    this.#before = before;
    this.#main = main;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#types = (main.types as TypeParsers | undefined) ?? (pg.types as unknown as TypeParsers);
  }

  submit(connection: pg.Connection): Error | null {
    const stream = connection.stream as unknown as { cork?(): void; uncork?(): void };
    stream.cork?.();
    try {
      for (const statement of this.#before) {
        connection.parse({ text: statement.text, name: '', types: [] }, true);
        bindAndExecute(connection, '', statement.values);
      }
      const main = this.#main;
      const name = main.name ?? '';
      const prepared = preparedOn(connection);
      if (name === '' || prepared[name] !== main.text) {
        connection.parse({ text: main.text, name, types: [] }, true);
        // recorded once PostgreSQL has parsed it: the last Parse of this round trip
        if (name !== '') this.#countParses(connection, this.#before.length + 1, () => (prepared[name] = main.text));
      }
      bindAndExecute(connection, name, main.values);
      connection.sync();
    } catch (error) {
      // a value that cannot be sent (prepareValue threw): nothing more goes out, the Sync ends what did
      connection.sync();
      this.#failed ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: readonly Field[] }): void {
    if (this.#done !== this.#before.length) return;
    this.#fields = message.fields;
    this.#parsers = message.fields.map((field) => this.#types.getTypeParser(field.dataTypeID, 'text'));
  }

  handleDataRow(message: { fields: readonly (string | null)[] }): void {
    if (this.#done !== this.#before.length || this.#failed !== undefined) return;
    // a plain object (an object without a prototype is a slow dictionary to V8); a column
    // named __proto__ is defined, not assigned, so that it is a column like any other
    const row: Record<string, unknown> = {};
    try {
      for (let i = 0; i < this.#fields.length; i++) {
        const text = message.fields[i];
        const value = text === null || text === undefined ? null : (this.#parsers[i] as Parser)(text);
        const name = (this.#fields[i] as Field).name;
        if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
        else row[name] = value;
      }
    } catch (error) {
      this.#failed = error instanceof Error ? error : new Error(String(error));
      return;
    }
    this.#rows.push(row);
  }

  handleCommandComplete(): void {
    this.#done += 1;
  }

  handleEmptyQuery(): void {
    this.#done += 1;
  }

  handleError(error: Error): void {
    this.#stopCounting?.();
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    this.#stopCounting?.();
    if (this.#failed !== undefined) this.#reject(this.#failed);
    else this.#resolve({ rows: this.#rows });
  }

  // never asked for: no row limit (PortalSuspended) and no COPY in these statements
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: pg.Connection): void {
    // a Sync sent before the COPY began is ignored in copy-in mode: one more ends the failed COPY
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('COPY is not supported here');
    connection.sync();
  }
  handleCopyData(): void {}

  #countParses(connection: pg.Connection, expected: number, then: () => void): void {
    let seen = 0;
    const onParsed = (): void => {
      seen += 1;
      if (seen === expected) then();
    };
    connection.on('parseComplete', onParsed);
    this.#stopCounting = () => connection.off('parseComplete', onParsed);
  }
}

function bindAndExecute(connection: pg.Connection, statement: string, values: readonly unknown[] | undefined): void {
  connection.bind({ statement, portal: '', values: values === undefined ? [] : [...values], valueMapper: prepareValue } as pg.BindConfig, true);
  connection.describe({ type: 'P', name: '' }, true);
  connection.execute({ portal: '' }, true);
}

/** pg's record of the statements a connection has prepared, by name (not in pg's typings). */
function preparedOn(connection: pg.Connection): Record<string, string> {
  return (connection as unknown as { parsedStatements: Record<string, string> }).parsedStatements;
}
