import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { AggregatePlan, DeletePlan, InsertPlan, ReadPlan, UpdatePlan } from '../plan/index.js';
import { isUnexpected, toGraphqlError } from '../errors/index.js';
import { isNestedRow } from '../sql/index.js';
import { writePlan } from './resolve-write.js';
import { collectFields } from './collect-fields.js';
import { aggregatePlan, pkWhere, readPlan, type PlanContext, type SelectArgs } from './to-plan.js';
import type { GraphqlContext } from './context.js';
import type { SchemaBuilder } from './schema-builder.js';

/** A query's root fields as Plans that one statement can answer together. */
export type DocumentPlan = { readonly key: string; readonly plan: ReadPlan | AggregatePlan; readonly single?: boolean }[];

/** What one statement can answer: a whole query, or a mutation of one root field. */
export type OneStatement =
  | { readonly kind: 'query'; readonly fields: DocumentPlan }
  | { readonly kind: 'mutation'; readonly key: string; readonly plan: InsertPlan | UpdatePlan | DeletePlan };

/**
 * Plans a whole query for one statement, or says it cannot (undefined): then the resolvers
 * answer it, with one statement per root field and one per relationship field (DataLoader).
 *
 * One statement answers a query whose every field PostgreSQL can shape exactly as GraphQL
 * would: tables' columns, relationships, aggregates (count/sum/max/min), `__typename`.
 * PostgreSQL then builds the whole `data` object and it goes to the client as text, never
 * parsed or walked in JavaScript — the way the benchmark baseline and PostgREST answer.
 * Anything else (functions, mutations, renamed enum labels, avg…) takes the resolver path,
 * as does any query whose variables or arguments are wrong, so that its errors are reported
 * exactly as graphql-js reports them.
 */
export function planDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  builder: SchemaBuilder,
): OneStatement | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined || operation.operation === OperationTypeNode.SUBSCRIPTION) return undefined;
  const mutation = operation.operation === OperationTypeNode.MUTATION;
  const root = mutation ? schema.getMutationType() : schema.getQueryType();
  if (root === null || root === undefined) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const ctx: PlanContext = { builder, fragments, variableValues: coerced.coerced, mode: 'nested' };
  const planned: DocumentPlan = [];
  try {
    const fields = collectFields(ctx, root, [operation.selectionSet]);
    if (mutation) return oneWrite(fields, root, coerced.coerced, { ...ctx, mode: 'keys' });
    for (const [key, nodes] of fields) {
      const node = nodes[0];
      const field = node === undefined ? undefined : root.getFields()[node.name.value];
      const meta = field?.extensions.pgduetRoot;
      if (node === undefined || field === undefined || meta === undefined) return undefined;
      const args = getArgumentValues(field, node, coerced.coerced) as SelectArgs & Record<string, unknown>;
      switch (meta.kind) {
        case 'select':
          planned.push({ key, plan: readPlan(meta.entity, nodes, args, ctx) });
          break;
        case 'select_by_pk':
          planned.push({ key, plan: readPlan(meta.entity, nodes, { where: pkWhere(meta.entity, args), limit: 1 }, ctx), single: true });
          break;
        case 'select_aggregate':
          planned.push({ key, plan: aggregatePlan(meta.entity, nodes, args, ctx) });
          break;
        default:
          return undefined;
      }
    }
  } catch {
    // NotInOneStatement, or an invalid argument: the resolvers answer (and report the error)
    return undefined;
  }
  return planned.length > 0 ? { kind: 'query', fields: planned } : undefined;
}

/**
 * A mutation of exactly one root field, with nothing to load afterwards (no nested insert, no
 * relationship in `returning`), is one statement: atomic by itself, so it needs no explicit
 * transaction (BEGIN and COMMIT would be two more round trips).
 */
function oneWrite(fields: Map<string, FieldNode[]>, root: GraphQLObjectType, variables: Record<string, unknown>, ctx: PlanContext): OneStatement | undefined {
  if (fields.size !== 1) return undefined;
  const [[key, nodes]] = [...fields] as [[string, FieldNode[]]];
  const node = nodes[0];
  const field = node === undefined ? undefined : root.getFields()[node.name.value];
  const meta = field?.extensions.pgduetRoot;
  if (node === undefined || field === undefined || meta === undefined || meta.kind.startsWith('select')) return undefined;
  const args = getArgumentValues(field, node, variables);
  const plan = writePlan({ kind: meta.kind as Exclude<typeof meta.kind, `select${string}`>, entity: meta.entity }, args, nodes, field.type, ctx, ctx.builder.graph);
  if (plan.kind === 'insert' && plan.rows.some(isNestedRow)) return undefined;
  if (plan.returning.selection.some((s) => s.kind === 'key')) return undefined;
  return { kind: 'mutation', key, plan };
}

/**
 * The `path` of an error from one statement: its root field's response key when there is
 * only one (as the resolvers would report it); a statement answering several fields cannot
 * say which one failed, so then there is none.
 */
export function errorPath(planned: OneStatement): readonly string[] | undefined {
  if (planned.kind === 'mutation') return [planned.key];
  const only = planned.fields.length === 1 ? planned.fields[0] : undefined;
  return only === undefined ? undefined : [only.key];
}

/**
 * The response text of a one-statement answer, the same for the fast path and yoga's path:
 * `{"data":…}` around the text PostgreSQL wrote (never parsed and printed again), or the
 * error as Hasura reports it, with the root field's path when there is one.
 */
export async function answerText(planned: OneStatement, context: GraphqlContext): Promise<string> {
  try {
    return planned.kind === 'mutation'
      ? `{"data":{${JSON.stringify(planned.key)}:${await context.runText(planned.plan)}}}`
      : `{"data":${await context.runDocument(planned.fields)}}`;
  } catch (error) {
    if (isUnexpected(error)) context.log.error({ err: error }, 'unexpected error in a one-statement request');
    return JSON.stringify({ data: null, errors: [toGraphqlError(error, errorPath(planned))] });
  }
}
