import type { ServerResponse } from 'node:http';
import type { Chain } from '../chain/index.js';
import { RequestTransaction, type Access, type Databases } from '../db/index.js';
import { DeferredResponse } from './deferred-response.js';
import { readSession } from './request-database.js';
import type { RequestScope } from './request-scope.js';

/**
 * PostgreSQL-native mode, for either protocol: `answer` runs in one transaction set up by the
 * chain's `onExecute` hooks (role, claims), writing to a response held back until COMMIT has
 * succeeded; any error rolls everything back and is rethrown for the protocol to render.
 *
 * A request that only reads (`access`: REST GET/HEAD, GraphQL queries) runs its transaction on
 * a read replica, as the same request outside this mode would (request-database.ts): the
 * caller's read-your-writes window and `x-pgduet-read-primary` send it to the primary. A read
 * that finds its replica unreachable runs again, whole, elsewhere: nothing was sent yet.
 */
export async function answerInTransaction(
  databases: Databases,
  access: Access,
  chain: Chain,
  scope: RequestScope,
  res: ServerResponse,
  answer: (out: ServerResponse, scope: RequestScope) => Promise<void>,
): Promise<void> {
  const deferred = await databases.on(access, readSession(scope), (pool) =>
    RequestTransaction.run(pool, (statements) => chain.execute(scope.request, scope.identity, statements), async (tx) => {
      const held = new DeferredResponse();
      await answer(held.asResponse(), { ...scope, transaction: tx });
      return held;
    }),
  );
  deferred.flushTo(res);
}
