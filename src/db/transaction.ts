import type { Pool, PoolClient } from './pool.js';

/**
 * Runs `work` on one connection inside BEGIN … COMMIT: any error rolls everything back and is
 * rethrown; `rollback: true` rolls back even on success (a dry run, REST's `Prefer: tx=rollback`).
 * A connection whose BEGIN, COMMIT or ROLLBACK fails is discarded, never reused half-way.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: { readonly rollback?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
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
