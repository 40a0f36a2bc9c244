import { GraphQLError, OperationTypeNode, getOperationAST } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { Access } from '../db/index.js';
import { paramsFromSearch, paramsOrBatchFromJson, type GraphqlRequestParams } from './request-params.js';
import { parseDocument } from './validate.js';

/**
 * What a GraphQL request does to the database, known before it runs: `read` when each of its
 * operations (one, or a batch) is a query, else `write`. PostgreSQL-native mode opens the
 * request's transaction before the operation is planned, and a read may open it on a read
 * replica. Whatever cannot be told here (a body that is not JSON, a persisted query's id, a
 * document that does not parse) is a `write`: the primary answers it, or its error.
 */
export function operationsAccess(req: IncomingMessage, body: Buffer | undefined): Access {
  const operations = requestOperations(req, body);
  if (operations.length === 0) return 'write';
  for (const { query, operationName } of operations) {
    if (query === undefined || queryAccess(query, operationName) === 'write') return 'write';
  }
  return 'read';
}

/** A document's operation (the named one, or the only one) is a query: `read`. */
export function queryAccess(query: string, operationName: string | undefined): Access {
  const document = parseDocument(query);
  if (document instanceof GraphQLError) return 'write';
  return getOperationAST(document, operationName)?.operation === OperationTypeNode.QUERY ? 'read' : 'write';
}

/**
 * The operations of a GET (query string) or of a JSON POST body (one object or a batch), read
 * as every route reads them (request-params.ts); none when malformed: the primary answers that.
 */
function requestOperations(req: IncomingMessage, body: Buffer | undefined): readonly GraphqlRequestParams[] {
  try {
    if (req.method === 'GET' || req.method === 'HEAD') return [paramsFromSearch(new URL(req.url ?? '/', 'http://pgduet').searchParams)];
    if (body === undefined || !/\bjson\b/i.test(req.headers['content-type'] ?? '')) return [];
    const params = paramsOrBatchFromJson(body.toString('utf8'));
    return Array.isArray(params) ? params : [params];
  } catch {
    return [];
  }
}
