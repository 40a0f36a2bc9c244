import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, Lexer, NoSchemaIntrospectionCustomRule, TokenKind, parse, type ValidationContext, type ValidationRule } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { ConfigError } from '../errors/index.js';
import type { RequestScope } from '../http/index.js';
import type { GraphqlLimitsOptions, GraphqlRoleLimits } from '../config/index.js';

/**
 * `graphql.limits`: what a GraphQL document may be, per role — depth, aliases, directives,
 * cost (graphql-armor's validation rules), tokens, introspection, and persisted queries only.
 *
 * graphql-armor's own envelop plugin takes one configuration for every request; here the
 * rules are chosen by the request's role, and added to the validation of both paths: yoga's
 * (`useGraphqlLimits`, `onValidate`) and the fast path's (`validate` with `QueryRules.rules`,
 * its cache keyed by `QueryRules.key`). Both run before any SQL: a refused document is
 * answered with Hasura's `validation-failed` and never planned.
 */

/** What one role's documents go through, beyond graphql-js's specified rules. */
export interface QueryRules {
  /**
   * Names the rules: equal for equal rules. A document valid under one key is valid under
   * that key only (caches of validated documents are kept per key).
   */
  readonly key: string;
  /** validation rules to run after graphql-js's specified ones */
  readonly rules: readonly ValidationRule[];
  /** only the documents of `documents` may run */
  readonly onlyPersisted: boolean;
  /** the allow-list: id (or sha256 hash) → query text */
  readonly documents: ReadonlyMap<string, string>;
  /** whether the role may see the schema (introspection; the SDL at `<graphqlPath>/sdl`) */
  readonly introspection: boolean;
}

export interface GraphqlLimits {
  /** the rules of a role (the global ones for a role the config does not name) */
  rulesFor(role: string): QueryRules;
}

/**
 * The rules of every role, made once. A `documents` file is read here (relative to `cwd`)
 * and every persisted document must parse: a mistake is a start-up error, not a refusal later.
 */
/**
 * The limits of a configuration, made once: the GraphQL mount and the SDL mount (and every
 * source, whose configuration shares `graphql.limits`) ask for them; their documents are read once.
 */
export function graphqlLimitsOf(options: GraphqlLimitsOptions): GraphqlLimits {
  let limits = made.get(options);
  if (limits === undefined) made.set(options, (limits = createGraphqlLimits(options)));
  return limits;
}

const made = new WeakMap<GraphqlLimitsOptions, GraphqlLimits>();

export function createGraphqlLimits(options: GraphqlLimitsOptions, cwd: string = process.cwd()): GraphqlLimits {
  const byKey = new Map<string, readonly ValidationRule[]>();
  const allowLists = new Map<GraphqlPersisted['documents'], ReadonlyMap<string, string>>();
  const make = (role: GraphqlRoleLimits | undefined, where: string): QueryRules => {
    const limits: Limits = {
      maxDepth: either(role?.maxDepth, options.maxDepth),
      maxAliases: either(role?.maxAliases, options.maxAliases),
      maxDirectives: either(role?.maxDirectives, options.maxDirectives),
      maxTokens: either(role?.maxTokens, options.maxTokens),
      maxCost: either(role?.maxCost, options.maxCost),
      introspection: role?.introspection ?? options.introspection,
    };
    const key = JSON.stringify(limits);
    let rules = byKey.get(key);
    if (rules === undefined) byKey.set(key, (rules = rulesOf(limits)));
    const source = role?.persistedQueries?.documents ?? options.persistedQueries?.documents;
    let documents = allowLists.get(source);
    if (documents === undefined) allowLists.set(source, (documents = loadDocuments(source, cwd, where)));
    const onlyPersisted = role?.persistedQueries?.onlyPersisted ?? options.persistedQueries?.onlyPersisted ?? false;
    if (onlyPersisted && documents.size === 0) throw new ConfigError('PGD001', `${where}: onlyPersisted is true but there are no persisted documents: every request would be refused`);
    return { key, rules, onlyPersisted, documents, introspection: limits.introspection };
  };
  const global = make(undefined, 'graphql.limits.persistedQueries.documents');
  const roles = new Map(Object.entries(options.roles).map(([name, role]) => [name, make(role, `graphql.limits.roles.${name}.persistedQueries.documents`)]));
  return { rulesFor: (role) => roles.get(role) ?? global };
}

/** The role's limit when it sets one (`null`: none for the role), else the global one (`null`: none). */
function either(own: number | null | undefined, global: number | null | undefined): number | undefined {
  return (own === undefined ? global : own) ?? undefined;
}

type GraphqlPersisted = NonNullable<GraphqlLimitsOptions['persistedQueries']>;

interface Limits {
  readonly maxDepth: number | undefined;
  readonly maxAliases: number | undefined;
  readonly maxDirectives: number | undefined;
  readonly maxTokens: number | undefined;
  readonly maxCost: number | undefined;
  readonly introspection: boolean;
}

/**
 * graphql-armor's rules for the limits that are set. Each rule is named after its limit:
 * yoga's validation cache tells rule sets apart by their rules' names, so that a document
 * validated under one role's limits is not taken as valid under another's.
 */
function rulesOf(limits: Limits): readonly ValidationRule[] {
  // armor throws its error by default; reported instead, it is one of the validation errors
  const armor = { exposeLimits: true, propagateOnRejection: false, onReject: [reportRefusal] };
  const rules: ValidationRule[] = [];
  if (limits.maxDepth !== undefined) rules.push(named(`pgduetMaxDepth${limits.maxDepth}`, maxDepthRule({ ...armor, n: limits.maxDepth })));
  if (limits.maxAliases !== undefined) rules.push(named(`pgduetMaxAliases${limits.maxAliases}`, maxAliasesRule({ ...armor, n: limits.maxAliases })));
  if (limits.maxDirectives !== undefined) rules.push(named(`pgduetMaxDirectives${limits.maxDirectives}`, maxDirectivesRule({ ...armor, n: limits.maxDirectives })));
  if (limits.maxCost !== undefined) rules.push(named(`pgduetMaxCost${limits.maxCost}`, costLimitRule({ ...armor, maxCost: limits.maxCost })));
  if (limits.maxTokens !== undefined) rules.push(named(`pgduetMaxTokens${limits.maxTokens}`, maxTokensRule(limits.maxTokens)));
  if (!limits.introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

function named(name: string, rule: ValidationRule): ValidationRule {
  return Object.defineProperty(rule, 'name', { value: name });
}

/** A refusal, Hasura's way; armor's messages lose their odd "Syntax Error: " prefix. */
function refusal(message: string): GraphQLError {
  return new GraphQLError(message.replace(/^Syntax Error: /, ''), { extensions: { code: 'validation-failed' } });
}

function reportRefusal(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(refusal(error.message));
}

/**
 * More than `n` tokens in the document (as graphql-armor's max-tokens counts them: comments
 * and the end are not tokens). Counted at validation, not at parse as armor does: yoga keeps
 * one parsed document per query text for every role, so a per-role parser would be skipped.
 */
function maxTokensRule(n: number): ValidationRule {
  return (context) => ({
    Document(document) {
      const source = document.loc?.source;
      if (source === undefined) return;
      const lexer = new Lexer(source);
      let count = 0;
      while (lexer.advance().kind !== TokenKind.EOF) {
        if (++count > n) {
          context.reportError(refusal(`Token limit of ${n} exceeded.`));
          return;
        }
      }
    },
  });
}

function loadDocuments(source: GraphqlPersisted['documents'], cwd: string, where: string): ReadonlyMap<string, string> {
  if (source === undefined) return new Map();
  let entries: Record<string, unknown>;
  if (typeof source === 'string') {
    const file = resolve(cwd, source);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError('PGD001', `${where}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError('PGD001', `${where}: ${file} must hold a JSON object of persisted query ids to GraphQL documents`);
    }
    entries = value as Record<string, unknown>;
  } else {
    entries = source;
  }
  const documents = new Map<string, string>();
  for (const [id, text] of Object.entries(entries)) {
    if (typeof text !== 'string') throw new ConfigError('PGD001', `${where}: "${id}" must be a GraphQL document (a string)`);
    try {
      parse(text);
    } catch (error) {
      throw new ConfigError('PGD001', `${where}: "${id}" is not a GraphQL document: ${error instanceof Error ? error.message : String(error)}`);
    }
    documents.set(id, text);
  }
  return documents;
}

/**
 * The persisted query a request names: Apollo's `extensions.persistedQuery.sha256Hash`, or
 * `documentId` (GraphQL over HTTP; a `sha256:` prefix is allowed) or `id` — in the body, or
 * in the URL of a GET.
 */
export function persistedId(params: GraphQLParams, url?: URL): string | undefined {
  const persisted: unknown = params.extensions?.['persistedQuery'];
  const hash: unknown = typeof persisted === 'object' && persisted !== null ? Reflect.get(persisted, 'sha256Hash') : undefined;
  if (typeof hash === 'string') return hash;
  for (const name of ['documentId', 'id']) {
    const value: unknown = Reflect.get(params, name) ?? url?.searchParams.get(name) ?? undefined;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * What a request runs: the persisted document it names, or its own query text — or the
 * reason it is refused. `undefined`: the request is not about persisted queries.
 */
export function resolvePersisted(rules: QueryRules, id: string | undefined, query: unknown): { readonly query: string } | { readonly refused: GraphQLError } | undefined {
  if (id === undefined) {
    return rules.onlyPersisted
      ? { refused: refusal('persisted queries only: this role may run only the persisted queries of the allow-list (send the id as documentId or extensions.persistedQuery.sha256Hash)') }
      : undefined;
  }
  const text = rules.documents.get(id) ?? (id.startsWith('sha256:') ? rules.documents.get(id.slice('sha256:'.length)) : undefined);
  if (text === undefined) {
    if (rules.onlyPersisted) return { refused: refusal(`persisted queries only: "${id}" is not a persisted query`) };
    // nothing is registered on the fly: the text sent runs as any other; without it, Apollo's
    // message (its client then sends the text)
    return typeof query === 'string' ? { query } : { refused: refusal('PersistedQueryNotFound') };
  }
  if (typeof query === 'string' && query !== text) return { refused: refusal(`the query sent is not the persisted query "${id}"`) };
  return { query: text };
}

/**
 * The yoga side: the persisted query (or the refusal) before anything is parsed. The role's
 * rules are applied by the one validation (validate.ts), on every route.
 */
export function useGraphqlLimits(limits: GraphqlLimits): Plugin<{ readonly scope: RequestScope; readonly part?: boolean }, { readonly scope: RequestScope; readonly part?: boolean }> {
  return {
    onParams: ({ params, setParams, context, request }) => {
      // a part of an operation across sources (namespaces.ts): the whole was admitted by the first source's endpoint
      if (context.part === true) return;
      const rules = limits.rulesFor(context.scope.identity.role);
      const id = persistedId(params, request.method === 'GET' ? new URL(request.url) : undefined);
      const outcome = resolvePersisted(rules, id, params.query);
      if (outcome === undefined) return;
      // thrown, not set as the result: yoga's own checks of the parameters come after this hook
      if ('refused' in outcome) throw outcome.refused;
      // without documentId / id, which yoga would refuse as unknown parameters
      const { operationName, variables, extensions } = params;
      setParams({ query: outcome.query, ...(operationName === undefined ? {} : { operationName }), ...(variables === undefined ? {} : { variables }), ...(extensions === undefined ? {} : { extensions }) });
    },
  };
}
