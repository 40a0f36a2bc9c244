import type { Pool, PoolClient } from '../../src/db/index.js';

/**
 * Records the text of every statement the server sends through its pool while `work` runs:
 * `pool.query`, and `query` on every connection checked out (statements run on a checked-out
 * connection of their own, so that a client that leaves can cancel them: db/cancel.ts).
 */
export async function recordStatements<T>(pool: Pool, work: () => Promise<T>): Promise<{ readonly result: T; readonly texts: readonly string[] }> {
  const texts: string[] = [];
  // a round trip of several statements (src/db/run-statement.ts) says what it sends, in order
  const textsOf = (arg: unknown): readonly string[] =>
    typeof arg === 'string' ? [arg] : Array.isArray((arg as { texts?: unknown }).texts) ? ((arg as { texts: string[] }).texts) : [String((arg as { text?: unknown }).text)];
  const patched = new Map<PoolClient, PoolClient['query']>();
  const onAcquire = (client: PoolClient): void => {
    if (patched.has(client)) return;
    const original = client.query;
    patched.set(client, original);
    client.query = ((...args: unknown[]) => {
      texts.push(...textsOf(args[0]));
      return (original as (...a: unknown[]) => unknown).apply(client, args);
    }) as PoolClient['query'];
  };
  // pool.query checks out a client too, so 'acquire' sees every statement's connection
  pool.on('acquire', onAcquire);
  try {
    return { result: await work(), texts };
  } finally {
    pool.off('acquire', onAcquire);
    for (const [client, original] of patched) client.query = original;
  }
}
