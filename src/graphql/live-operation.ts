import { GraphQLError, Kind, OperationTypeNode, getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { Chain } from '../chain/index.js';
import type { Databases } from '../db/index.js';
import type { RequestScope } from '../http/index.js';
import { Outbox, liveRunner, type LiveEngine, type LiveSource, type SubscriptionLimits } from '../live/index.js';
import { planTables } from '../plan/index.js';
import type { RunPlanContext } from '../pipeline/index.js';
import { compileDocument, multiplexedOptions, type CompileOptions, type CompiledQuery } from '../sql/index.js';
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
  readonly databases: Databases;
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
  | { readonly kind: 'subscription'; readonly document: DocumentNode; readonly request: OperationRequest }
  | { readonly kind: 'execute'; readonly document: DocumentNode; readonly request: OperationRequest };

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
  return { kind: operation.operation === OperationTypeNode.SUBSCRIPTION ? 'subscription' : 'execute', document, request };
}

function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions['code'] !== undefined) return error;
  return new GraphQLError(error.message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, extensions: { ...error.extensions, code: 'validation-failed' } });
}

/** A running subscription: its results, and how to end it. */
export interface Subscription {
  readonly results: AsyncIterableIterator<ExecutionResult>;
}

/** What a subscription is attached to: its connection's identity and the role's schema, and its document. */
interface Attachment {
  readonly scope: RequestScope;
  readonly built: BuiltSchema;
  readonly document: DocumentNode;
}

/**
 * Starts a subscription for `scope` (the connection's identity and the role's graph). Its
 * results are an async iterator; a refusal before anything runs is one error result.
 * `connection.count`: how many subscriptions its connection has running (its bound);
 * `connection.running`: where it registers, so that a reload can move it (`restart`).
 */
export async function startSubscription(
  deps: LiveDeps,
  scope: RequestScope,
  built: BuiltSchema,
  document: DocumentNode,
  request: OperationRequest,
  connection: { count: number; readonly running: Set<RunningSubscription> },
): Promise<ExecutionResult | Subscription> {
  let release: () => void;
  try {
    const slot = deps.limits.acquire(scope.identity.role, connection.count);
    connection.count++;
    release = () => {
      slot();
      connection.count--;
    };
  } catch (error) {
    return operationError(error, [], deps.log);
  }
  let stop: () => void = () => undefined;
  // a live query keeps only its latest answer for a slow subscriber; a stream keeps every batch (bounded)
  const kind = isStream(built, document, request.operationName) ? 'stream' : 'live';
  let counted = false;
  /** a stream's cursor where it is now: a restart goes on from there */
  let cursorAt: { readonly value: unknown } | undefined;
  const running: RunningSubscription = { restart: (next) => restart(next) };
  const outbox: Outbox<ExecutionResult> = new Outbox<ExecutionResult>({
    latestOnly: kind === 'live',
    maxPending: deps.maxPending,
    onEnd: () => {
      stop();
      release();
      connection.running.delete(running);
      if (counted) deps.onSubscriptions(kind, -1);
    },
    onOverflow: () => outbox.end(operationError(new GraphQLError(`the subscriber did not take its results: ${deps.maxPending} were waiting`, { extensions: { code: 'PGD405' } }), [], deps.log)),
  });

  /** plan → chain → compile, then (re)joins the live engine; an error result if any step refuses */
  const attach = async ({ scope: at, built: schema, document: doc }: Attachment): Promise<ExecutionResult | undefined> => {
    const planned = planOperation(schema.schema, schema.builder, doc, request.operationName, request.variables);
    if (planned === undefined) return { errors: [new GraphQLError('the subscription selects no field that can be subscribed to', { extensions: { code: 'validation-failed' } })] };
    if ('errors' in planned) return { data: null, errors: planned.errors };
    const rootKeys = planned.plan.roots.map((root) => root.key);
    const run: RunPlanContext = { chain: deps.chain, request: at.request, identity: at.identity, options: deps.options, db: (access) => deps.databases.runner(access) };
    let operation: AuthorizedOperation;
    let query: CompiledQuery;
    try {
      operation = await authorizeOperation(planned.plan.stream === undefined ? capRows(planned.plan, deps.maxRows) : planned.plan, run);
      if (!operation.oneStatement) {
        throw new GraphQLError('this subscription cannot be answered by one statement (a function root field, or values GraphQL shapes differently from PostgreSQL); subscribe to a table field', { extensions: { code: 'not-supported' } });
      }
      query = compileDocument(documentFields(operation), multiplexedOptions(deps.options));
    } catch (error) {
      return operationError(error, rootKeys, deps.log);
    }
    const source: LiveSource = {
      query,
      tables: planTables([...operation.roots.values()].flatMap((root) => root.units.map((u) => (u.kind === 'plan' ? u.plan : u.request)))),
      role: at.identity.role,
      ...liveRunner(deps.chain, deps.databases, at.request, at.identity),
    };
    const sink = {
      next: (text: string): void => {
        void toResult(text, operation, run).then(
          (result) => {
            deps.onMessage();
            outbox.push(result);
          },
          (error: unknown) => outbox.end(operationError(error, rootKeys, deps.log)),
        );
      },
      error: (error: unknown) => outbox.end(operationError(error, rootKeys, deps.log)),
    };
    const cursor = planned.plan.stream;
    stop();
    if (cursor === undefined) {
      stop = deps.live.subscribe(source, sink);
      return undefined;
    }
    const index = query.values.indexOf(cursor.placeholder);
    if (index === -1) return operationError(new GraphQLError('the cursor column of this stream cannot be streamed on (json or an unsupported type)', { extensions: { code: 'not-supported' } }), rootKeys, deps.log);
    const values = [...query.values];
    values[index] = cursorAt === undefined ? cursor.initial : cursorAt.value;
    stop = deps.live.stream({ ...source, query: { text: query.text, values } }, sink, advanceStream(cursor, index, values, (value) => (cursorAt = { value })));
    return undefined;
  };

  /** after a reload: the same document on the new schema, or an end with the reason */
  const restart = async (next: Omit<Attachment, 'document'>): Promise<void> => {
    if (outbox.ending) return;
    const prepared = prepareOperation(next.built, request, deps.rulesFor(next.scope.identity.role));
    if (prepared.kind !== 'subscription') {
      const errors = prepared.kind === 'errors' ? prepared.errors : [];
      outbox.end({ errors: errors.map((e) => new GraphQLError(`the schema changed: ${e.message}`, { extensions: { ...e.extensions, code: 'validation-failed' } })) });
      return;
    }
    const failed = await attach({ ...next, document: prepared.document });
    if (failed !== undefined) outbox.end(failed);
  };

  const failed = await attach({ scope, built, document });
  if (failed !== undefined) {
    release();
    return failed;
  }
  counted = true;
  deps.onSubscriptions(kind, 1);
  connection.running.add(running);
  return { results: outbox };
}

/** A subscription that a reload moves to the new schema. */
export interface RunningSubscription {
  restart(next: Omit<Attachment, 'document'>): Promise<void>;
}

/** Whether the subscription's root field is a `<table>_stream`. */
function isStream(built: BuiltSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName ?? undefined);
  const fields = built.schema.getSubscriptionType()?.getFields() ?? {};
  return (operation?.selectionSet.selections ?? []).some((selection) => selection.kind === Kind.FIELD && fields[selection.name.value]?.extensions.pgduetRoot?.kind === 'select_stream');
}

/** A stream's batches: sent when not empty, the cursor moved to the batch's last row. */
function advanceStream(cursor: StreamCursor, at: number, initial: readonly unknown[], moved: (value: unknown) => void) {
  let values = initial;
  return (text: string): { send?: string; values?: readonly unknown[]; more?: boolean } => {
    const document = JSON.parse(text) as Record<string, unknown>;
    const rows = document[cursor.key];
    if (!Array.isArray(rows) || rows.length === 0) return {};
    const last = rows[rows.length - 1] as Record<string, unknown>;
    const next = [...values];
    next[at] = last[cursor.valueKey];
    moved(next[at]);
    values = next;
    for (const row of rows as Record<string, unknown>[]) delete row[cursor.valueKey];
    return { send: JSON.stringify({ [cursor.key]: rows }), values: next, more: rows.length >= cursor.batchSize };
  };
}

/** A cohort's answer as the subscriber's result: the row bound, the onResult hooks of its identity. */
async function toResult(text: string, operation: AuthorizedOperation, run: RunPlanContext): Promise<ExecutionResult> {
  checkDocument(operation.rowBound, text);
  const data = JSON.parse(text) as Record<string, unknown>;
  return { data: run.chain.hasResultHooks ? await rootResultHooks(data, operation, run) : data };
}
