import {
  getArgumentValues,
  GraphQLError,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import { toGraphqlError } from '../errors/index.js';
import { functionArguments, hasRelations, type Plan, type Source } from '../plan/index.js';
import { collectFields, operationAt } from './collect-fields.js';
import { groupsPlan, type GroupArgs } from './group-plan.js';
import type { RootMeta } from './meta.js';
import type { RowBound } from './row-cap.js';
import type { SchemaBuilder } from './schema-builder.js';
import { streamPlan, type StreamCursor } from './stream-plan.js';
import { aggregatePlan, pkWhere, readPlan, type PlanContext, type SelectArgs } from './to-plan.js';
import { updateManyPlans, writePlan } from './write-plan.js';

/**
 * A GraphQL operation as Plans, before anything runs: the first step of the one pipeline for
 * every GraphQL route (the fast path, yoga's, the resolvers). Each root field becomes whole
 * Plan trees — relationships nested, however the request is then answered — so the chain
 * authorizes the same Plans for the same request whichever route answers it.
 */

/** One root field of the operation: what it is, and its Plans (one, or one per `update_<t>_many` entry). */
export interface RootPlan {
  /** the response key (alias or name) */
  readonly key: string;
  readonly meta: RootMeta;
  readonly plans: readonly Plan[];
}

export interface OperationPlan {
  readonly operation: 'query' | 'mutation' | 'subscription';
  readonly roots: readonly RootPlan[];
  /** why PostgreSQL cannot shape the answer as GraphQL would (empty: it can) */
  readonly unshaped: readonly string[];
  /** root fields graphql-js answers by itself (`__typename`, `__schema`…): not one statement's */
  readonly others: readonly string[];
  /** graphql.maxRows: the root fields asked for one row more than the bound (row-cap.ts) */
  readonly rowBound?: RowBound;
  /** a streaming subscription (`<table>_stream`): where its cursor is (stream-plan.ts) */
  readonly stream?: StreamCursor;
}

/**
 * What planning gives: the Plans; or errors in GraphQL's shape (an argument that cannot be
 * planned, with its root field's path); or `undefined` when graphql-js itself must report
 * what is wrong before anything is planned (no such operation, variables that do not coerce)
 * or the operation is not one pgduet plans (`__schema` / `__type` / an operation that asks
 * only `__typename`). A subscription is planned as the query of its root fields would be (a
 * live query), or as its stream's first batch.
 */
export type Planned = { readonly plan: OperationPlan } | { readonly errors: readonly GraphQLError[] } | undefined;

export function planOperation(
  schema: GraphQLSchema,
  builder: SchemaBuilder,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
): Planned {
  const at = operationAt(schema, document, operationName, rawVariables);
  if (at === undefined) return undefined;
  const { operation, root, fragments, variableValues } = at;
  const mutation = operation.operation === OperationTypeNode.MUTATION;
  const subscription = operation.operation === OperationTypeNode.SUBSCRIPTION;
  const ctx: PlanContext = { builder, fragments, variableValues, unshaped: [] };
  const roots: RootPlan[] = [];
  const errors: GraphQLError[] = [];
  const others: string[] = [];
  let stream: StreamCursor | undefined;
  for (const [key, nodes] of collectFields(ctx, root, [operation.selectionSet])) {
    const node = nodes[0];
    const field = node === undefined ? undefined : root.getFields()[node.name.value];
    const meta = field?.extensions.pgduetRoot;
    // `__typename`, `__schema`, `__type`, `no_queries_available`: graphql-js answers them
    if (node === undefined || field === undefined || meta === undefined) {
      others.push(key);
      continue;
    }
    try {
      const args = getArgumentValues(field, node, variableValues);
      if (meta.kind === 'select_stream') {
        const planned = streamPlan(meta.entity, nodes, args, ctx);
        stream = planned.cursor;
        roots.push({ key, meta, plans: [planned.plan] });
        continue;
      }
      roots.push({ key, meta, plans: rootPlans(meta, field, nodes, args, ctx) });
    } catch (error) {
      errors.push(toGraphqlError(error, [key]));
    }
  }
  if (errors.length > 0) return { errors };
  if (roots.length === 0) return undefined;
  return { plan: { operation: mutation ? 'mutation' : subscription ? 'subscription' : 'query', roots, unshaped: ctx.unshaped, others, ...(stream === undefined ? {} : { stream }) } };
}

type Args = Readonly<Record<string, unknown>>;

function rootPlans(meta: RootMeta, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], args: Args, ctx: PlanContext): Plan[] {
  switch (meta.kind) {
    case 'select':
      return [readPlan(meta.entity, nodes, args as SelectArgs, ctx)];
    case 'select_by_pk':
      return [readPlan(meta.entity, nodes, { where: pkWhere(meta.entity, args), limit: 1 }, ctx)];
    case 'select_aggregate':
      return [aggregatePlan(meta.entity, nodes, args as SelectArgs, ctx)];
    case 'select_groups':
      return [groupsPlan(meta.entity, field, nodes, args as GroupArgs, ctx)];
    case 'function_rows':
      return [readPlan(meta.entity, nodes, args as SelectArgs, ctx, functionSource(meta, args, ctx))];
    case 'function_aggregate':
      return [aggregatePlan(meta.entity, nodes, args as SelectArgs, ctx, functionSource(meta, args, ctx))];
    case 'function_value': {
      const fn = meta.fn;
      return [
        {
          kind: 'call',
          fn: { schema: fn.schema, dbName: fn.dbName },
          args: functionArguments(fn, args['args'] as Args | null | undefined, (name, i) => ctx.builder.argumentName(name, i)),
          returns: fn.returns.kind === 'value' ? { kind: 'value', type: fn.returns.type, set: fn.returns.set } : { kind: 'void' },
        },
      ];
    }
    case 'select_stream':
      throw new Error('a stream is planned by streamPlan');
    case 'update_many':
      return updateManyPlans(meta.entity, args, nodes, field.type, ctx, ctx.builder.graph);
    default:
      return [writePlan({ kind: meta.kind, entity: meta.entity }, args, nodes, field.type, ctx, ctx.builder.graph)];
  }
}

/** A function as the source of rows, with the arguments of its `args` input object. */
function functionSource(meta: Extract<RootMeta, { kind: 'function_rows' | 'function_aggregate' }>, args: Args, ctx: PlanContext): Source {
  const fn = meta.fn;
  return { kind: 'function', fn: { schema: fn.schema, dbName: fn.dbName }, args: functionArguments(fn, args['args'] as Args | null | undefined, (name, i) => ctx.builder.argumentName(name, i)) };
}

/**
 * Whether one statement answers the whole operation: a query whose every root field is a
 * table's rows, one row by key, or an aggregate, all shaped by PostgreSQL exactly as GraphQL
 * would; or a mutation of one root field with nothing to load after it (no nested insert,
 * no relationship in what it returns). The statement is then atomic by itself: no explicit
 * transaction, no BEGIN and COMMIT round trips.
 */
export function answeredByOneStatement(plan: OperationPlan): boolean {
  if (plan.unshaped.length > 0 || plan.others.length > 0) return false;
  if (plan.operation !== 'mutation') return plan.roots.every((root) => ['select', 'select_by_pk', 'select_aggregate', 'select_groups', 'select_stream'].includes(root.meta.kind));
  const [only, ...others] = plan.roots;
  if (only === undefined || others.length > 0 || only.plans.length !== 1 || only.meta.kind === 'update_many') return false;
  const write = only.plans[0];
  if (write === undefined || (write.kind !== 'insert' && write.kind !== 'update' && write.kind !== 'delete')) return false;
  if (write.kind === 'insert' && write.rows.some((row) => row.parents !== undefined || row.children !== undefined)) return false;
  return !hasRelations(write);
}
