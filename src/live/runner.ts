import type { Chain, Identity, RequestInfo } from '../chain/index.js';
import { RequestTransaction, type Pool, type StatementRunner } from '../db/index.js';
import type { LiveSource } from './engine.js';

/**
 * Where a subscriber's statements run: the pool, shared by every cohort; or, in
 * PostgreSQL-native mode (the chain has onExecute hooks: role and claims set in the
 * transaction), a transaction of its identity — cohorts of different identities never share
 * a statement then.
 */
export function liveRunner(chain: Chain, pool: Pool, request: RequestInfo, identity: Identity): Pick<LiveSource, 'group' | 'run'> {
  if (!chain.hasExecuteHooks) return { group: '', run: (work) => work(pool) };
  return {
    group: JSON.stringify([identity.role, identity.claims ?? null, identity.session]),
    run: async <T>(work: (db: StatementRunner) => Promise<T>): Promise<T> => {
      const tx = await RequestTransaction.begin(pool, (q) => chain.execute(request, identity, q));
      try {
        const result = await work(tx.client);
        await tx.commit();
        return result;
      } catch (error) {
        await tx.rollback();
        throw error;
      } finally {
        tx.release();
      }
    },
  };
}
