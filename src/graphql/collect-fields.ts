import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type SelectionSetNode,
} from 'graphql';

/** What field collection needs of a request (a subset of GraphQLResolveInfo). */
export interface CollectContext {
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  readonly variableValues: Readonly<Record<string, unknown>>;
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
