import type { IncomingMessage, ServerResponse } from 'node:http';
import { keptBody, type RequestContext, type RequestScope } from '../http/index.js';
import { answerInOneStatement, authorizeOperation, operationError } from './answer-operation.js';
import type { BuiltSchema } from './build-schema.js';
import { asksForCache } from './cached.js';
import type { GraphqlContext } from './context.js';
import type { QueryRules } from './limits.js';
import { PlanCache } from '../plan/index.js';
import { answeredByOneStatement, planOperation, type OperationPlan } from './plan-operation.js';
import { paramsFromJson, type GraphqlRequestParams } from './request-params.js';
import { capRows } from './row-cap.js';
import { parseDocument, validateDocument } from './validate.js';
import { collectFields, operationAt } from './collect-fields.js';
import { OperationTypeNode, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * The short way for the common request, ahead of graphql-yoga: `POST` of a JSON body whose
 * operation one statement answers. Such a request costs yoga's whole machinery (a fetch
 * Request and Response, an AbortSignal, streams, envelop's hooks) for work that is a cache
 * lookup and one statement; at W2 of the benchmark that machinery was 70 % of the server's time.
 *
 * It is not a second pipeline: the document goes through the same validation as on yoga's
 * path (validate.ts), the same planning and authorization (plan-operation.ts,
 * answer-operation.ts); only HTTP is handled here. Everything else goes to yoga: other methods
 * and media types, CORS requests (`Origin`), documents that do not parse or validate,
 * variables that do not coerce, operations resolvers answer. A request that reaches yoga after
 * its body was read here gets the body back through `req.body`, which yoga's Node adapter
 * reads instead of the consumed stream.
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
  /** the per-request context the resolvers would get (its pipeline context, log) */
  readonly contextFor: (ctx: RequestContext, scope: RequestScope) => GraphqlContext;
  /** the largest body read (server.maxBodyBytes) */
  readonly maxBodyBytes: number;
  /** graphql.maxRows (row-cap.ts) */
  readonly maxRows: number | null;
  /** called for each request the fast path answers */
  readonly onAnswer?: () => void;
  /** the caller's role's limits (graphql.limits): validation rules, persisted queries only */
  readonly rulesFor: (scope: RequestScope) => QueryRules;
}

export function createFastPath(options: FastPathOptions): FastPath {
  return {
    async handle(req, res, ctx, scope) {
      const contentType = responseType(req);
      if (contentType === undefined) return false;
      // a role that may run persisted queries only: yoga finds the document (or refuses)
      const rules = options.rulesFor(scope);
      if (rules.onlyPersisted) return false;
      const body = await keptBody(req, options.maxBodyBytes);
      const built = options.schemaFor(scope);
      const text = body.toString('utf8');
      // the same body, role schema and rules give the same plan: parsed, validated and planned once
      // (graphql.maxRows applied too, so that a repeated request brings the very same Plan objects)
      const make = (): FastAnswer | undefined => {
        const answer = planBody(text, built, rules);
        return answer === undefined || 'text' in answer ? answer : { plan: capRows(answer.plan, options.maxRows) };
      };
      const fast = text.length <= MAX_CACHED_BODY ? planned.get(built, `${scope.identity.role}\0${text}`, make) : make();
      if (fast === undefined) return false; // yoga finds the body kept on the request
      if ('text' in fast) {
        send(res, contentType, fast.text);
        options.onAnswer?.();
        return true;
      }
      const plan = fast.plan;
      const context = options.contextFor(ctx, scope);
      let answer: string;
      try {
        answer = await answerInOneStatement(await authorizeOperation(plan, context.run), context.run, context.log);
      } catch (error) {
        answer = JSON.stringify(operationError(error, plan.roots.map((root) => root.key), context.log));
      }
      send(res, contentType, answer);
      options.onAnswer?.();
      return true;
    },
  };
}

function send(res: ServerResponse, contentType: string, answer: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(answer) });
  res.end(answer);
}

/** What the fast path answers with: an operation's Plans, or the whole answer already (`{ __typename }`). */
type FastAnswer = { readonly plan: OperationPlan } | { readonly text: string };

/** Plans of bodies seen before, per role schema (PlanCache: only what precedes the chain). */
const planned = new PlanCache<FastAnswer | undefined>();
/** Longer bodies are planned every time: the cache keys are the bodies, and its memory stays small. */
const MAX_CACHED_BODY = 8192;

/**
 * The body's operation as Plans, when one statement answers it; undefined for anything the fast
 * path leaves to yoga (not its kind of body, a document that does not parse or validate, variables
 * that do not coerce, errors to report, an operation resolvers answer).
 */
function planBody(text: string, built: BuiltSchema, rules: QueryRules): FastAnswer | undefined {
  const params = graphqlParams(text);
  if (params === undefined) return undefined;
  const document = parseDocument(params.query);
  if (document instanceof Error || validateDocument(built.schema, document, rules).length > 0) return undefined;
  // `@cached`: answered on yoga's path, where the response cache is (one place for every route)
  if (asksForCache(document, params.operationName)) return undefined;
  const result = planOperation(built.schema, built.builder, document, params.operationName, params.variables);
  if (result === undefined) {
    const text = typenameAnswer(built.schema, document, params);
    return text === undefined ? undefined : { text };
  }
  return 'plan' in result && answeredByOneStatement(result.plan) ? { plan: result.plan } : undefined;
}

/**
 * The answer of a query or mutation that asks only its root type's `__typename` (aliases,
 * fragments and @skip/@include included): `{"data":{"__typename":"query_root"}}`, as graphql-js
 * writes it. Clients ping a server this way (Apollo's and urql's health checks); it needs
 * nothing of the database, nor graphql-yoga.
 */
function typenameAnswer(schema: GraphQLSchema, document: DocumentNode, params: GraphqlParams): string | undefined {
  const at = operationAt(schema, document, params.operationName, params.variables);
  if (at === undefined || at.operation.operation === OperationTypeNode.SUBSCRIPTION) return undefined;
  const fields = collectFields(at, at.root, [at.operation.selectionSet]);
  if (fields.size === 0) return undefined;
  const data: Record<string, string> = {};
  for (const [key, nodes] of fields) {
    if (!nodes.every((node) => node.name.value === '__typename')) return undefined;
    Object.defineProperty(data, key, { value: at.root.name, enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify({ data });
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
function graphqlParams(body: string): GraphqlParams | undefined {
  let params: GraphqlRequestParams;
  try {
    params = paramsFromJson(body);
  } catch {
    return undefined;
  }
  const { query, operationName, variables, ...rest } = params;
  if (typeof query !== 'string' || Object.keys(rest).length > 0) return undefined;
  return { query, operationName, variables };
}
