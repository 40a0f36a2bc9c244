import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** What field collection needs of a request (a subset of GraphQLResolveInfo). */
export interface CollectContext {
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  readonly variableValues: Readonly<Record<string, unknown>>;
}

/** An operation of a document with what collecting its fields needs: its root type, variables (coerced) and fragments. */
export interface OperationAt extends CollectContext {
  readonly operation: OperationDefinitionNode;
  readonly root: GraphQLObjectType;
  readonly variableValues: Record<string, unknown>;
}

/**
 * The operation of a document, or undefined when graphql-js itself must say what is wrong (no
 * such operation, no root type of its kind, variables that do not coerce).
 */
export function operationAt(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
): OperationAt | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return undefined;
  const root = schema.getRootType(operation.operation);
  if (root === null || root === undefined) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return { operation, root, variableValues: coerced.coerced, fragments };
}

/**
 * The fields a selection set asks of an object type, grouped by response key (alias or
 * name), with fragments expanded and @skip/@include applied — what graphql-js's executor
 * does before resolving, done here ahead of time so that one statement can select exactly
 * the columns the response needs (the "look-ahead").
 */
export function collectFields(
  ctx: CollectContext,
  type: GraphQLObjectType,
  selectionSets: readonly (SelectionSetNode | undefined)[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const visit = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!included(ctx, selection)) continue;
      switch (selection.kind) {
        case 'Field': {
          const key = selection.alias?.value ?? selection.name.value;
          const list = fields.get(key);
          if (list === undefined) fields.set(key, [selection]);
          else list.push(selection);
          break;
        }
        case 'InlineFragment':
          if (selection.typeCondition === undefined || selection.typeCondition.name.value === type.name) visit(selection.selectionSet);
          break;
        case 'FragmentSpread': {
          const name = selection.name.value;
          const fragment = ctx.fragments[name];
          if (fragment === undefined || visited.has(name) || fragment.typeCondition.name.value !== type.name) break;
          visited.add(name);
          visit(fragment.selectionSet);
          break;
        }
      }
    }
  };
  for (const selectionSet of selectionSets) if (selectionSet !== undefined) visit(selectionSet);
  return fields;
}

function included(ctx: CollectContext, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, ctx.variableValues as Record<string, unknown>);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, ctx.variableValues as Record<string, unknown>);
  return include?.['if'] !== false;
}

/** The selection sets of several field nodes of one response key, for collecting their subfields. */
export function subSelections(nodes: readonly FieldNode[]): (SelectionSetNode | undefined)[] {
  return nodes.map((n) => n.selectionSet);
}
