import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import type { AggregatePlan, ReadPlan } from '../plan/index.js';
import { collectFields } from './collect-fields.js';
import { aggregatePlan, NotInOneStatement, pkWhere, readPlan, type PlanContext, type SelectArgs } from './to-plan.js';
import type { SchemaBuilder } from './schema-builder.js';

/** A query's root fields as Plans that one statement can answer together. */
export type DocumentPlan = { readonly key: string; readonly plan: ReadPlan | AggregatePlan; readonly single?: boolean }[];

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
): DocumentPlan | undefined {
  const operation = getOperationAST(document, operationName);
  const root = schema.getQueryType();
  if (operation === null || operation === undefined || operation.operation !== OperationTypeNode.QUERY || root === null || root === undefined) {
    return undefined;
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const ctx: PlanContext = { builder, fragments, variableValues: coerced.coerced, mode: 'nested' };
  const planned: DocumentPlan = [];
  try {
    for (const [key, nodes] of collectFields(ctx, root, [operation.selectionSet])) {
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
      }
    }
  } catch (error) {
    // NotInOneStatement, or an invalid argument: the resolvers answer (and report errors)
    if (error instanceof NotInOneStatement || error instanceof Error) return undefined;
    throw error;
  }
  return planned.length > 0 ? planned : undefined;
}
