import type { Chain, Identity, RequestInfo } from '../chain/index.js';
import { ANY_READER, RequestTransaction, withCancel, type Databases, type StatementRunner } from '../db/index.js';
import type { LiveSource } from './engine.js';

/**
 * Where a subscriber's statements run: a read replica in turn (the primary when there is none
 * or none answers), shared by every cohort; or, in PostgreSQL-native mode (the chain has
 * onExecute hooks: role and claims set in the transaction), a transaction of its identity on
 * one — cohorts of different identities never share a statement then. A refetch is a read: a
 * replica may answer it a little behind the primary, and the next refetch catches up.
 */
export function liveRunner(chain: Chain, databases: Databases, request: RequestInfo, identity: Identity): Pick<LiveSource, 'group' | 'run'> {
  if (!chain.hasExecuteHooks) {
    const reads = databases.runner('read');
    return { group: '', run: (work) => work(reads) };
  }
  return {
    group: JSON.stringify([identity.role, identity.claims ?? null, identity.session]),
    run: <T>(work: (db: StatementRunner) => Promise<T>): Promise<T> =>
      databases.on('read', ANY_READER, (pool) => RequestTransaction.run(pool, (statements) => chain.execute(request, identity, statements), (tx) => work(withCancel(tx.client)))),
  };
}
