import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { RequestContext, RequestScope } from '../server/index.js';
import { readBody } from '../server/read-body.js';
import type { BuiltSchema } from './build-schema.js';
import type { GraphqlContext } from './context.js';
import type { QueryRules } from './limits.js';
import { answerText, planDocument } from './one-statement.js';
import { paramsFromJson, type GraphqlRequestParams } from './request-params.js';

/**
 * The short way for the common request, ahead of graphql-yoga: `POST` of a JSON body whose
 * document this server has parsed and validated before, and which one statement answers
 * (`planDocument`). Such a request costs yoga's whole machinery (a fetch Request and Response,
 * an AbortSignal, streams, envelop's hooks) for work that is a cache lookup and one statement;
 * at W2 of the benchmark that machinery was 70 % of the server's time.
 *
 * Everything else goes to yoga, which then answers as it always does: other methods and media
 * types, CORS requests (`Origin`), documents that do not parse or validate, variables that do
 * not coerce, operations that need resolvers or a transaction. A request that reaches yoga
 * after its body was read here gets the body back through `req.body`, which yoga's Node
 * adapter reads instead of the consumed stream.
 *
 * The answer is byte for byte what yoga's would be: the same status (200, errors included),
 * `Content-Type` chosen the same way from `Accept`, and the same JSON.
 * `test/integration/graphql-fast-path.test.ts` compares the two.
 */
export interface FastPath {
  /** answers the request and says true, or says false and leaves it to yoga */
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, scope: RequestScope): Promise<boolean>;
}

export interface FastPathOptions {
  /** the GraphQL schema of the caller's role */
  readonly schemaFor: (scope: RequestScope) => BuiltSchema;
  /** the per-request context the resolvers would get (run, runDocument, log) */
  readonly contextFor: (ctx: RequestContext, scope: RequestScope) => GraphqlContext;
  /** the largest body read (server.maxBodyBytes) */
  readonly maxBodyBytes: number;
  /** called for each request the fast path answers */
  readonly onAnswer?: () => void;
  /** the caller's role's limits (graphql.limits): validation rules, persisted queries only */
  readonly rulesFor?: (scope: RequestScope) => QueryRules;
}

/**
 * Parsed and validated documents per schema and rules (a role's limits); a query text that
 * failed either is `null`.
 */
const MAX_DOCUMENTS = 1000;

export function createFastPath(options: FastPathOptions): FastPath {
  const documents = new WeakMap<GraphQLSchema, Map<string, Map<string, DocumentNode | null>>>();

  const documentFor = (schema: GraphQLSchema, rules: QueryRules | undefined, query: string): DocumentNode | null => {
    let bySchema = documents.get(schema);
    if (bySchema === undefined) documents.set(schema, (bySchema = new Map()));
    let cache = bySchema.get(rules?.key ?? '');
    if (cache === undefined) bySchema.set(rules?.key ?? '', (cache = new Map()));
    let document = cache.get(query);
    if (document !== undefined) return document;
    try {
      const parsed = parse(query);
      // the same rules yoga applies (graphql-js's specified rules, and the role's limits that
      // useGraphqlLimits adds); a plugin that adds rules to yoga's validation must add them here too
      document = validate(schema, parsed, rules === undefined ? specifiedRules : [...specifiedRules, ...rules.rules]).length === 0 ? parsed : null;
    } catch {
      document = null;
    }
    // Bounded, so that a client sending endless distinct queries cannot grow it: when full it
    // starts over (the common documents of an application come back at once).
    if (cache.size >= MAX_DOCUMENTS) cache.clear();
    cache.set(query, document);
    return document;
  };

  return {
    async handle(req, res, ctx, scope) {
      const contentType = responseType(req);
      if (contentType === undefined) return false;
      // a role that may run persisted queries only: yoga finds the document (or refuses)
      const rules = options.rulesFor?.(scope);
      if (rules?.onlyPersisted === true) return false;
      const body = await readBody(req, options.maxBodyBytes);
      const params = graphqlParams(body);
      const built = params === undefined ? undefined : options.schemaFor(scope);
      const document = params === undefined || built === undefined ? null : documentFor(built.schema, rules, params.query);
      const planned = params === undefined || built === undefined || document === null
        ? undefined
        : planDocument(built.schema, document, params.operationName, params.variables, built.builder);
      if (planned === undefined) {
        (req as IncomingMessage & { body?: Buffer }).body = body;
        return false;
      }
      const text = await answerText(planned, options.contextFor(ctx, scope));
      res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      options.onAnswer?.();
      return true;
    },
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/**
 * The response's media type, as yoga picks it (the first acceptable type in `Accept` order),
 * or undefined when the request is not one the fast path takes: not a JSON POST, a CORS
 * request (yoga adds its headers), or an `Accept` with parameters or q-values.
 */
function responseType(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || req.headers.origin !== undefined) return undefined;
  const type = req.headers['content-type'];
  if (type === undefined || !/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(type)) return undefined;
  const accept = req.headers.accept;
  if (accept === undefined) return JSON_TYPE;
  for (const item of accept.split(',')) {
    switch (item.trim().toLowerCase()) {
      case 'application/graphql-response+json':
        return GRAPHQL_RESPONSE_TYPE;
      case 'application/json':
      case 'application/*':
      case '*/*':
        return JSON_TYPE;
      default:
        return undefined;
    }
  }
  return undefined;
}

interface GraphqlParams {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The GraphQL-over-HTTP parameters of a JSON body (request-params.ts), or undefined for anything
 * unusual: malformed (yoga answers the 4xx), `extensions` or a persisted query's id (yoga decides).
 */
function graphqlParams(body: Buffer): GraphqlParams | undefined {
  let params: GraphqlRequestParams;
  try {
    params = paramsFromJson(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const { query, operationName, variables, ...rest } = params;
  if (typeof query !== 'string' || Object.keys(rest).length > 0) return undefined;
  return { query, operationName, variables };
}
