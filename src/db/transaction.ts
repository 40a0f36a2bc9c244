import { checkout } from './availability.js';
import type { Pool, PoolClient } from './pool.js';

/**
 * Runs `work` on one connection inside BEGIN … COMMIT: any error rolls everything back and is
 * rethrown; `rollback: true` rolls back even on success (a dry run, REST's `Prefer: tx=rollback`).
 * A connection whose BEGIN, COMMIT or ROLLBACK fails is discarded, never reused half-way.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: { readonly rollback?: boolean } = {}): Promise<T> {
  const client = await checkout(pool);
  let broken: Error | undefined;
  const control = async (statement: string): Promise<void> => {
    try {
      await client.query(statement);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  };
  try {
    await control('begin');
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await control('rollback').catch(() => undefined);
      throw error;
    }
    await control(options.rollback === true ? 'rollback' : 'commit');
    return result;
  } finally {
    client.release(broken ?? false);
  }
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

  /** BEGIN on a pooled connection, then `setup` on it (the chain's onExecute hooks). */
  static async begin(pool: Pool, setup: (query: (text: string, values?: readonly unknown[]) => Promise<readonly Record<string, unknown>[]>) => Promise<void>): Promise<RequestTransaction> {
    const client = await checkout(pool);
    const tx = new RequestTransaction(client);
    try {
      await client.query('begin');
      await setup(async (text, values) => (await client.query(text, values === undefined ? [] : [...values])).rows);
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
    setup: Parameters<typeof RequestTransaction.begin>[1],
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
    await this.client.query(`savepoint ${name}`);
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

  async commit(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.client.query('commit');
  }

  async rollback(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.client.query('rollback').catch(() => undefined);
  }

  /** Back to the pool (destroyed if it ended badly: a failed COMMIT leaves it unusable). */
  release(broken?: Error): void {
    this.client.release(broken ?? (this.#done ? false : new Error('request transaction not ended')));
  }
}
