import { checkout } from './availability.js';
import { dropAhead, flushAhead, hasAhead, runStatement, sendAhead, type Statement } from './run-statement.js';
import type { Pool, PoolClient } from './pool.js';

const BEGIN: Statement = { text: 'begin' };

/** BEGIN, queued to go with the connection's first statement (run-statement.ts): no round trip of its own. */
export function beginLazily(client: PoolClient): void {
  sendAhead(client, [BEGIN]);
}

/** COMMIT or ROLLBACK of a transaction begun lazily: nothing is sent when no statement ran (BEGIN still queued). */
export async function endLazily(client: PoolClient, statement: 'commit' | 'rollback'): Promise<void> {
  if (hasAhead(client)) dropAhead(client);
  else await client.query(statement);
}

/**
 * Runs `work` on one connection inside BEGIN … COMMIT: any error rolls everything back and is
 * rethrown; `rollback: true` rolls back even on success (a dry run, REST's `Prefer: tx=rollback`).
 * A connection whose BEGIN, COMMIT or ROLLBACK fails is discarded, never reused half-way.
 * BEGIN goes with the first statement of `work` (run-statement.ts): no round trip of its own; a `work`
 * that ran no statement leaves nothing to commit.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: { readonly rollback?: boolean } = {}): Promise<T> {
  const client = await checkout(pool);
  let broken: Error | undefined;
  const end = async (statement: 'commit' | 'rollback'): Promise<void> => {
    try {
      await endLazily(client, statement);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  };
  try {
    beginLazily(client);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await end('rollback').catch(() => undefined);
      throw error;
    }
    await end(options.rollback === true ? 'rollback' : 'commit');
    return result;
  } finally {
    dropAhead(client);
    client.release(broken ?? false);
  }
}

/** What a transaction's setup may do: run a statement now, or queue one to go with the first statement. */
export interface TransactionSetup {
  query(text: string, values?: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
  prepend(text: string, values?: readonly unknown[]): void;
}

/**
 * The transaction a whole request runs in when the chain works inside it (`onExecute`:
 * PostgreSQL-native mode sets the role and the claims there). Statements run on its client;
 * what would open a transaction of its own (a nested insert, a dry run, a GraphQL mutation)
 * opens a savepoint in it instead. It ends with `commit` or `rollback`, then `release`.
 */
export class RequestTransaction {
  #done = false;
  #savepoints = 0;

  private constructor(readonly client: PoolClient) {}

  /**
   * BEGIN on a pooled connection, then `setup` on it (the chain's onExecute hooks). BEGIN and
   * what `setup` queues (`prepend`: PostgreSQL-native mode's settings) go with the request's
   * first statement, in one round trip (run-statement.ts); what `setup` runs itself (`query`) takes
   * them along at once.
   */
  static async begin(pool: Pool, setup: (statements: TransactionSetup) => Promise<void>): Promise<RequestTransaction> {
    const client = await checkout(pool);
    const tx = new RequestTransaction(client);
    try {
      beginLazily(client);
      await setup({
        query: async (text, values) => {
          const list = values === undefined ? [] : [...values];
          if (list.length > 0) return (await runStatement(client, { text, values: list })).rows;
          // without values, a text may hold several commands (the simple protocol, as pg sends
          // it): what is queued goes first, in a round trip of its own
          await flushAhead(client);
          const result = (await client.query(text)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
          return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
        },
        prepend: (text, values) => sendAhead(client, [{ text, values: values === undefined ? [] : [...values] }]),
      });
    } catch (error) {
      await tx.rollback();
      tx.release();
      throw error;
    }
    return tx;
  }

  /**
   * `work` in a transaction of its own, set up by `setup`: committed when it succeeds (and
   * `keep` says so of its result; else rolled back), rolled back when it throws, then released.
   */
  static async run<T>(
    pool: Pool,
    setup: (statements: TransactionSetup) => Promise<void>,
    work: (tx: RequestTransaction) => Promise<T>,
    keep: (result: T) => boolean = () => true,
  ): Promise<T> {
    const tx = await RequestTransaction.begin(pool, setup);
    try {
      const result = await work(tx);
      await (keep(result) ? tx.commit() : tx.rollback());
      return result;
    } catch (error) {
      await tx.rollback();
      throw error;
    } finally {
      tx.release();
    }
  }

  /** `work` inside a savepoint: an error rolls back to it (and is rethrown); `rollback: true` always does. */
  async savepoint<T>(work: (client: PoolClient) => Promise<T>, options: { readonly rollback?: boolean } = {}): Promise<T> {
    const name = `pgduet_${++this.#savepoints}`;
    await runStatement(this.client, `savepoint ${name}`);
    let result: T;
    try {
      result = await work(this.client);
    } catch (error) {
      await this.client.query(`rollback to savepoint ${name}`);
      throw error;
    }
    await this.client.query(options.rollback === true ? `rollback to savepoint ${name}` : `release savepoint ${name}`);
    return result;
  }

  /** A statement of the transaction's own (a savepoint…), with BEGIN and the settings if they have not gone yet. */
  query(text: string): Promise<unknown> {
    return runStatement(this.client, text);
  }

  async commit(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    if (!hasAhead(this.client)) {
      await this.client.query('commit');
      return;
    }
    // No statement ran (a schema, `__typename`, a cached answer): BEGIN and the settings go now,
    // with COMMIT, so that a setting PostgreSQL refuses (a role that does not exist) fails the
    // request as it does when a statement runs. Refused, the transaction is left aborted (the
    // COMMIT was skipped): it is rolled back before the connection goes back.
    try {
      await runStatement(this.client, 'commit');
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async rollback(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await endLazily(this.client, 'rollback').catch(() => undefined);
  }

  /** Back to the pool (destroyed if it ended badly: a failed COMMIT leaves it unusable). */
  release(broken?: Error): void {
    dropAhead(this.client);
    this.client.release(broken ?? (this.#done ? false : new Error('request transaction not ended')));
  }
}
