import {
  KnownTypeNamesRule,
  parse,
  specifiedRules,
  validate,
  type ASTVisitFn,
  type ASTVisitor,
  type NamedTypeNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { QueryRules } from './limits.js';

/**
 * graphql-js's KnownTypeNamesRule lists every type name of the schema up front (for its "did you
 * mean" suggestions), which makes the lazy schema (lazy-schema.ts) build all of its types for a
 * `{ __typename }` — 20 s and 2 GB at 10,000 tables. This one asks for the names the document
 * uses, and builds graphql-js's own rule (same messages and suggestions) only when one is unknown.
 */
function LazyKnownTypeNamesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  const defined = new Set<string>();
  for (const definition of context.getDocument().definitions) {
    if ('name' in definition && definition.name !== undefined && definition.kind.endsWith('TypeDefinition')) defined.add(definition.name.value);
  }
  let original: ASTVisitor | undefined;
  return {
    NamedType(node, key, parent, path, ancestors) {
      const name = node.name.value;
      if (defined.has(name) || schema.getType(name) !== undefined) return;
      original ??= KnownTypeNamesRule(context);
      // graphql-js's rule is a plain visitor object with a NamedType function (KnownTypeNamesRule.js)
      const visit = (original as { NamedType?: ASTVisitFn<NamedTypeNode> }).NamedType;
      if (typeof visit === 'function') visit.call(original, node, key, parent, path, ancestors);
    },
  };
}

const rulesOfGraphqlJs: readonly ValidationRule[] = specifiedRules.map((rule) => (rule === KnownTypeNamesRule ? LazyKnownTypeNamesRule : rule));

/**
 * The one validation of a GraphQL document, for every route: graphql-js's specified rules and
 * the caller's role's limits (graphql-armor's rules, introspection). yoga's path calls it from
 * `onValidate` (`useValidation`), the fast path directly; a rule added here holds for both.
 *
 * Results are cached per schema (a role's), rule set and parsed document: a document is
 * validated once per role's rules, never taken as valid under another role's.
 */
const results = new WeakMap<GraphQLSchema, Map<string, WeakMap<DocumentNode, readonly GraphQLError[]>>>();

export function validateDocument(schema: GraphQLSchema, document: DocumentNode, rules: QueryRules | undefined): readonly GraphQLError[] {
  let bySchema = results.get(schema);
  if (bySchema === undefined) results.set(schema, (bySchema = new Map()));
  const key = rules?.key ?? '';
  let byDocument = bySchema.get(key);
  if (byDocument === undefined) bySchema.set(key, (byDocument = new WeakMap()));
  let errors = byDocument.get(document);
  if (errors === undefined) {
    errors = validate(schema, document, rules === undefined ? rulesOfGraphqlJs : [...rulesOfGraphqlJs, ...rules.rules]);
    byDocument.set(document, errors);
  }
  return errors;
}

/**
 * Parsed documents by query text, shared by the routes (yoga's own parse cache is per yoga
 * instance; the fast path has none). Bounded: when full it starts over, and the common
 * documents of an application come back at once.
 */
const MAX_DOCUMENTS = 1000;
const documents = new Map<string, DocumentNode | GraphQLError>();

/** The parsed document of a query text, or its syntax error. */
export function parseDocument(query: string): DocumentNode | GraphQLError {
  let document = documents.get(query);
  if (document !== undefined) return document;
  try {
    document = parse(query);
  } catch (error) {
    document = error as GraphQLError;
  }
  if (documents.size >= MAX_DOCUMENTS) documents.clear();
  documents.set(query, document);
  return document;
}

/** yoga's validation replaced by `validateDocument` with the caller's role's rules. */
export function useValidation<C extends object>(rulesFor: (context: C) => QueryRules | undefined): Plugin<C> {
  return {
    onValidate: ({ context, params, setResult }) => {
      setResult([...validateDocument(params.schema, params.documentAST, rulesFor(context as C))]);
    },
  };
}
