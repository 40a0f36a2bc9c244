import type { Identity, RequestInfo } from '../chain/index.js';
import type { Access, CancelSignal, Databases, PoolClient, ReadSession, StatementRunner } from '../db/index.js';
import { withCancel } from '../db/index.js';

/**
 * `x-pgduet-read-primary: true`: this request's reads go to the primary (a client that just
 * wrote through another instance, or must not read a lagging replica). Neither Hasura nor
 * PostgREST has a header for this (Hasura routes with connection templates over any header).
 */
export const READ_PRIMARY_HEADER = 'x-pgduet-read-primary';

/**
 * Where a request's statements go, for either protocol: into the request's transaction when it
 * has one (`transaction()`, asked per statement: a GraphQL mutation opens one mid-request);
 * else by what the statement does (the pipeline says, from the Plan): a write on the primary,
 * which starts the caller's read-your-writes window; a read on a replica, or on the primary
 * when the request asks or the caller's window is open.
 */
export function requestDatabase(
  databases: Databases,
  scope: { readonly request: RequestInfo; readonly identity: Identity },
  signal: CancelSignal | undefined,
  transaction: () => PoolClient | undefined,
): { readonly db: (access: Access) => StatementRunner; readonly onWrite: () => void } {
  const session = readSession(scope);
  // one runner per kind, made on first use: most requests run one statement
  let read: StatementRunner | undefined;
  let write: StatementRunner | undefined;
  return {
    db: (access) => {
      const client = transaction();
      if (client !== undefined) return withCancel(client, signal);
      if (access === 'write') return (write ??= databases.runner('write', session, signal));
      return (read ??= databases.runner('read', session, signal));
    },
    onWrite: () => databases.wrote(session.key),
  };
}

/** Who reads, for read-your-writes: the caller, and whether the request asks for the primary. */
export function readSession(scope: { readonly request: RequestInfo; readonly identity: Identity }): ReadSession {
  return { key: callerKey(scope.identity), primary: asksForPrimary(scope.request.headers[READ_PRIMARY_HEADER]) };
}

/**
 * Whose writes a read must see: the JWT subject, else the API key, else the role with its
 * session variables (`x-hasura-user-id`…). The anonymous role without any is one caller: a
 * write by any anonymous client sends every anonymous read to the primary for the window.
 */
export function callerKey(identity: Identity): string {
  if (identity.subject !== undefined) return `sub\u0000${identity.subject}`;
  if (identity.keyId !== undefined) return `key\u0000${identity.keyId}`;
  return `role\u0000${identity.role}\u0000${JSON.stringify(identity.session)}`;
}

function asksForPrimary(value: string | string[] | undefined): boolean {
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\s*(true|1|yes)\s*$/i.test(text);
}
