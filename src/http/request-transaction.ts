import type { ServerResponse } from 'node:http';
import type { Chain } from '../chain/index.js';
import { RequestTransaction, type Pool } from '../db/index.js';
import { DeferredResponse } from './deferred-response.js';
import type { RequestScope } from './request-scope.js';

/**
 * PostgreSQL-native mode, for either protocol: `answer` runs in one transaction set up by the
 * chain's `onExecute` hooks (role, claims), writing to a response held back until COMMIT has
 * succeeded; any error rolls everything back and is rethrown for the protocol to render.
 */
export async function answerInTransaction(
  pool: Pool,
  chain: Chain,
  scope: RequestScope,
  res: ServerResponse,
  answer: (out: ServerResponse, scope: RequestScope) => Promise<void>,
): Promise<void> {
  const tx = await RequestTransaction.begin(pool, (query) => chain.execute(scope.request, scope.identity, query));
  const deferred = new DeferredResponse();
  try {
    await answer(deferred.asResponse(), { ...scope, transaction: tx });
    await tx.commit();
  } catch (error) {
    await tx.rollback();
    throw error;
  } finally {
    tx.release();
  }
  deferred.flushTo(res);
}
