import { GraphQLError, OperationTypeNode, getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { Chain } from '../chain/index.js';
import type { Pool } from '../db/index.js';
import type { RequestScope } from '../http/index.js';
import { Outbox, liveRunner, type LiveEngine, type LiveSource, type SubscriptionLimits } from '../live/index.js';
import { planTables } from '../plan/index.js';
import type { RunPlanContext } from '../pipeline/index.js';
import { compileDocument, type CompileOptions, type CompiledQuery } from '../sql/index.js';
import { authorizeOperation, documentFields, operationError, rootResultHooks, type AuthorizedOperation } from './answer-operation.js';
import type { BuiltSchema } from './build-schema.js';
import type { QueryRules } from './limits.js';
import { planOperation } from './plan-operation.js';
import { capRows, checkDocument } from './row-cap.js';
import type { StreamCursor } from './stream-plan.js';
import { parseDocument, validateDocument } from './validate.js';

/**
 * A GraphQL subscription through the one pipeline: parsed and validated with the role's rules
 * (validate.ts), planned whole (plan-operation.ts: a live query is planned as the query of
 * its root fields, a stream as its next batch), authorized by the chain once, compiled once
 * to one statement; then the live engine (src/live) refetches that statement, multiplexed with
 * every other subscriber of the same shape. No statement of a subscription skips the chain:
 * only the values of an authorized statement change (a stream's cursor).
 */
export interface LiveDeps {
  readonly chain: Chain;
  readonly pool: Pool;
  readonly live: LiveEngine;
  readonly limits: SubscriptionLimits;
  readonly options: CompileOptions;
  readonly maxRows: number | null;
  readonly maxPending: number;
  readonly rulesFor: (role: string) => QueryRules | undefined;
  readonly log: Logger;
  readonly onMessage: () => void;
  readonly onSubscriptions: (kind: 'live' | 'stream', delta: number) => void;
}

export interface OperationRequest {
  readonly query: string;
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/** What a document over a WebSocket turned out to be. */
export type Prepared =
  | { readonly kind: 'errors'; readonly errors: readonly GraphQLError[] }
  | { readonly kind: 'subscription'; readonly document: DocumentNode }
  | { readonly kind: 'execute'; readonly document: DocumentNode };

/** Parse and validate with the role's rules (the rules every GraphQL route applies). */
export function prepareOperation(built: BuiltSchema, request: OperationRequest, rules: QueryRules | undefined): Prepared {
  const document = parseDocument(request.query);
  if (document instanceof GraphQLError) return { kind: 'errors', errors: [withCode(document)] };
  const errors = validateDocument(built.schema, document, rules);
  if (errors.length > 0) return { kind: 'errors', errors: errors.map(withCode) };
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (operation === null || operation === undefined) return { kind: 'errors', errors: [withCode(new GraphQLError('could not determine the operation to run'))] };
  // graphql-js does not check the fields of a root type the schema lacks (a role that may read nothing)
  if (built.schema.getRootType(operation.operation) === undefined) {
    return { kind: 'errors', errors: [withCode(new GraphQLError(`the role may not run a ${operation.operation}: the schema has no ${operation.operation}_root for it`))] };
  }
  return operation.operation === OperationTypeNode.SUBSCRIPTION ? { kind: 'subscription', document } : { kind: 'execute', document };
}

function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions['code'] !== undefined) return error;
  return new GraphQLError(error.message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, extensions: { ...error.extensions, code: 'validation-failed' } });
}

/** A running subscription: its results, and how to end it. */
export interface Subscription {
  readonly results: AsyncIterableIterator<ExecutionResult>;
}

/**
 * Starts a subscription for `scope` (the connection's identity and the role's graph). Its
 * results are an async iterator; a refusal before anything runs is one error result.
 * `connection.count`: how many subscriptions its connection has running (its bound).
 */
export async function startSubscription(deps: LiveDeps, scope: RequestScope, built: BuiltSchema, document: DocumentNode, request: OperationRequest, connection: { count: number }): Promise<ExecutionResult | Subscription> {
  const planned = planOperation(built.schema, built.builder, document, request.operationName, request.variables);
  if (planned === undefined) return { errors: [new GraphQLError('the subscription selects no field that can be subscribed to', { extensions: { code: 'validation-failed' } })] };
  if ('errors' in planned) return { data: null, errors: planned.errors };
  const rootKeys = planned.plan.roots.map((root) => root.key);
  const run: RunPlanContext = { chain: deps.chain, request: scope.request, identity: scope.identity, options: deps.options, db: () => deps.pool };
  let operation: AuthorizedOperation;
  let query: CompiledQuery;
  let release: () => void;
  try {
    const slot = deps.limits.acquire(scope.identity.role, connection.count);
    connection.count++;
    release = () => {
      slot();
      connection.count--;
    };
    try {
      operation = await authorizeOperation(planned.plan.stream === undefined ? capRows(planned.plan, deps.maxRows) : planned.plan, run);
      if (!operation.oneStatement) {
        throw new GraphQLError('this subscription cannot be answered by one statement (a function root field, or values GraphQL shapes differently from PostgreSQL); subscribe to a table field', { extensions: { code: 'not-supported' } });
      }
      query = compileDocument(documentFields(operation), deps.options);
    } catch (error) {
      release();
      throw error;
    }
  } catch (error) {
    return operationError(error, rootKeys, deps.log);
  }
  const kind = planned.plan.stream === undefined ? 'live' : 'stream';
  const source: LiveSource = {
    query,
    tables: planTables([...operation.roots.values()].flatMap((root) => root.units.map((u) => (u.kind === 'plan' ? u.plan : u.request)))),
    role: scope.identity.role,
    ...liveRunner(deps.chain, deps.pool, scope.request, scope.identity),
  };
  let stop: () => void = () => undefined;
  deps.onSubscriptions(kind, 1);
  const outbox: Outbox<ExecutionResult> = new Outbox<ExecutionResult>({
    latestOnly: kind === 'live',
    maxPending: deps.maxPending,
    onEnd: () => {
      stop();
      release();
      deps.onSubscriptions(kind, -1);
    },
    onOverflow: () => outbox.end(operationError(new GraphQLError(`the subscriber did not take its results: ${deps.maxPending} were waiting`, { extensions: { code: 'PGD405' } }), rootKeys, deps.log)),
  });
  const send = (text: string): void => {
    void toResult(text, operation, run).then(
      (result) => {
        deps.onMessage();
        outbox.push(result);
      },
      (error: unknown) => outbox.end(operationError(error, rootKeys, deps.log)),
    );
  };
  const sink = { next: send, error: (error: unknown) => outbox.end(operationError(error, rootKeys, deps.log)) };
  const cursor = planned.plan.stream;
  if (cursor === undefined) {
    stop = deps.live.subscribe(source, sink);
  } else {
    const at = query.values.indexOf(cursor.placeholder);
    if (at === -1) {
      outbox.end(operationError(new GraphQLError('the cursor column of this stream cannot be streamed on (json or an unsupported type)', { extensions: { code: 'not-supported' } }), rootKeys, deps.log));
      return { results: outbox };
    }
    const values = [...query.values];
    values[at] = cursor.initial;
    stop = deps.live.stream({ ...source, query: { text: query.text, values } }, sink, advanceStream(cursor, at, values));
  }
  return { results: outbox };
}

/** A stream's batches: sent when not empty, the cursor moved to the batch's last row. */
function advanceStream(cursor: StreamCursor, at: number, initial: readonly unknown[]) {
  let values = initial;
  return (text: string): { send?: string; values?: readonly unknown[] } => {
    const document = JSON.parse(text) as Record<string, unknown>;
    const rows = document[cursor.key];
    if (!Array.isArray(rows) || rows.length === 0) return {};
    const last = rows[rows.length - 1] as Record<string, unknown>;
    const next = [...values];
    next[at] = last[cursor.valueKey];
    values = next;
    for (const row of rows as Record<string, unknown>[]) delete row[cursor.valueKey];
    return { send: JSON.stringify({ [cursor.key]: rows }), values: next };
  };
}

/** A cohort's answer as the subscriber's result: the row bound, the onResult hooks of its identity. */
async function toResult(text: string, operation: AuthorizedOperation, run: RunPlanContext): Promise<ExecutionResult> {
  checkDocument(operation.rowBound, text);
  const data = JSON.parse(text) as Record<string, unknown>;
  return { data: run.chain.hasResultHooks ? await rootResultHooks(data, operation, run) : data };
}
