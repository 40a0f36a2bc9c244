import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The GraphQL-over-HTTP parameters of one request (query, operationName, variables,
 * extensions), read from a GET's URL or a POST's body — and every way that can be malformed,
 * answered as a 4xx in GraphQL's error shape with a stable `extensions.code` (Hasura's):
 *
 *   invalid-json  400  the body, `variables` or `extensions` is not JSON
 *   parse-failed  400  JSON of the wrong shape: not an object (or a non-empty array of them: a batch), a `query` that
 *                      is not a string or is missing, `variables`/`extensions` that are not
 *                      objects, an `operationName` that is not a string
 *   parse-failed  415  a POST body of a media type GraphQL-over-HTTP does not define
 *
 * The status is given regardless of `Accept` (a malformed request is not a GraphQL response).
 * yoga's path (`useRequestParams`) and the fast path (`paramsFromJson`) both read the
 * parameters here, so they refuse the same requests the same way.
 */
export interface GraphqlRequestParams {
  readonly query?: string;
  readonly operationName?: string;
  readonly variables?: Record<string, unknown>;
  readonly extensions?: Record<string, unknown>;
  /** a persisted query's id (GraphQL over HTTP's `documentId`, or `id`): see limits.ts */
  readonly documentId?: string;
  readonly id?: string;
}

/** A malformed request: GraphQL's error shape, its HTTP status in `extensions.http` (yoga reads it). */
export function requestError(code: 'invalid-json' | 'parse-failed', message: string, status = 400): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** The parameters of a GET (or a form POST): JSON-encoded `variables` and `extensions`. */
export function paramsFromSearch(search: URLSearchParams): GraphqlRequestParams {
  const json = (name: string): unknown => {
    const text = search.get(name);
    if (text === null || text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw requestError('invalid-json', `the "${name}" parameter is not valid JSON`);
    }
  };
  return paramsFromObject({
    query: search.get('query') ?? undefined,
    operationName: search.get('operationName') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
    documentId: search.get('documentId') ?? undefined,
    id: search.get('id') ?? undefined,
  });
}

/** The parameters of a JSON body of one operation (a batch is refused: see paramsOrBatchFromJson). */
export function paramsFromJson(text: string): GraphqlRequestParams {
  const value = parseJsonBody(text);
  if (Array.isArray(value)) throw requestError('parse-failed', 'a batch (a JSON array) is answered by yoga');
  return paramsFromObject(value);
}

/**
 * The parameters of a JSON body: one operation, or a batch (Hasura's: a JSON array of
 * operations, answered by an array in the same order, each operation on its own).
 */
export function paramsOrBatchFromJson(text: string): GraphqlRequestParams | GraphqlRequestParams[] {
  const value = parseJsonBody(text);
  if (!Array.isArray(value)) return paramsFromObject(value);
  if (value.length === 0) throw requestError('parse-failed', 'a batch (a JSON array) needs at least one operation');
  return value.map(paramsFromObject);
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw requestError('invalid-json', 'the request body is not valid JSON');
  }
}

/** Checks the parameters' types; unknown keys are ignored, null counts as absent. */
function paramsFromObject(value: unknown): GraphqlRequestParams {
  if (!isObject(value)) throw requestError('parse-failed', `the request must be a JSON object, not ${describe(value)}`);
  const { query, operationName, variables, extensions, documentId, id } = value;
  const params: { -readonly [K in keyof GraphqlRequestParams]: GraphqlRequestParams[K] } = {};
  if (query != null) {
    if (typeof query !== 'string') throw requestError('parse-failed', `"query" must be a string, not ${describe(query)}`);
    params.query = query;
  }
  if (operationName != null) {
    if (typeof operationName !== 'string') throw requestError('parse-failed', `"operationName" must be a string, not ${describe(operationName)}`);
    params.operationName = operationName;
  }
  if (variables != null) {
    if (!isObject(variables)) throw requestError('parse-failed', `"variables" must be an object, not ${describe(variables)}`);
    params.variables = variables;
  }
  if (extensions != null) {
    if (!isObject(extensions)) throw requestError('parse-failed', `"extensions" must be an object, not ${describe(extensions)}`);
    params.extensions = extensions;
  }
  for (const [name, given] of [['documentId', documentId], ['id', id]] as const) {
    if (given == null) continue;
    if (typeof given !== 'string') throw requestError('parse-failed', `"${name}" must be a string, not ${describe(given)}`);
    params[name] = given;
  }
  return params;
}

/**
 * yoga reads the parameters with the functions above instead of its own parsers: its GET
 * parser let a JSON syntax error in `variables` escape as an unexpected error (HTTP 200, a
 * stack trace per request), and it answered a missing query with 200. Put it after the
 * plugins that fill in the query from elsewhere (persisted queries, limits.ts): the check for
 * a missing query runs in `onParams`, after theirs.
 */
export function useRequestParams(): Plugin {
  return {
    onRequestParse: ({ request, url, setRequestParser }) => {
      setRequestParser(async () => {
        if (request.method === 'GET' || request.method === 'HEAD') return paramsFromSearch(url.searchParams);
        const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (type === 'application/json' || type === 'application/graphql-response+json' || type.endsWith('+json')) return paramsOrBatchFromJson(await request.text());
        if (type === 'application/x-www-form-urlencoded') return paramsFromSearch(new URLSearchParams(await request.text()));
        // yoga's extra: the body is the query, the rest in the URL
        if (type === 'application/graphql') return { ...paramsFromSearch(url.searchParams), query: await request.text() };
        throw requestError('parse-failed', `a GraphQL POST is sent as application/json, not ${type === '' ? 'without a Content-Type' : type}`, 415);
      });
    },
    onParams: ({ params, setParams }) => {
      if (typeof params.query !== 'string' || params.query.trim() === '') throw requestError('parse-failed', 'the request has no "query" (a GraphQL document)');
      // a persisted query's id was read by now (or is not used): yoga refuses unknown parameters
      const { query, operationName, variables, extensions } = params;
      setParams({ query, ...(operationName === undefined ? {} : { operationName }), ...(variables === undefined ? {} : { variables }), ...(extensions === undefined ? {} : { extensions }) });
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
