import { createHash } from 'node:crypto';
import {
  DirectiveLocation,
  getDirectiveValues,
  getOperationAST,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLNonNull,
  print,
  type DocumentNode,
} from 'graphql';
import type { Identity, RequestInfo } from '../chain/index.js';
import { HasuraInt } from './scalars.js';

/**
 * Hasura's `@cached` query directive: `query Q @cached(ttl: 120) { … }` answers from the
 * response cache (src/cache) when it holds the answer, else runs the query and keeps the
 * answer for `ttl` seconds (default 60, at most `cache.maxTtl`, 300); `refresh: true` runs it
 * again and replaces what is kept. Declared in every role's schema, so that GraphiQL and
 * clients validate it; allowed on queries only.
 */
export const cachedDirective = new GraphQLDirective({
  name: 'cached',
  description: 'whether this query should be cached (Hasura Cloud only)',
  locations: [DirectiveLocation.QUERY],
  args: {
    ttl: { type: new GraphQLNonNull(HasuraInt), defaultValue: 60, description: 'measured in seconds' },
    refresh: { type: new GraphQLNonNull(GraphQLBoolean), defaultValue: false, description: 'refresh the cache entry' },
  },
});

export interface CachedRequest {
  readonly ttl: number;
  readonly refresh: boolean;
}

/** The operation's `@cached` arguments, or undefined when it has no such directive. */
export function cachedOf(document: DocumentNode, operationName: string | null | undefined, variables: Readonly<Record<string, unknown>> | null | undefined): CachedRequest | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.directives?.some((d) => d.name.value === 'cached') !== true) return undefined;
  const values = getDirectiveValues(cachedDirective, operation, variables ?? {});
  if (values === undefined) return undefined;
  return { ttl: Number(values['ttl']), refresh: values['refresh'] === true };
}

/** Whether the operation asks for the cache (the fast path leaves such operations to yoga's path, where the cache is). */
export function asksForCache(document: DocumentNode, operationName: string | null | undefined): boolean {
  return getOperationAST(document, operationName)?.directives?.some((d) => d.name.value === 'cached') === true;
}

/**
 * The key of an answer: everything it may depend on. The query (printed, so that spacing and
 * comments do not matter), the operation name and variables as Hasura keys them; the role and
 * every session variable, since a row filter, a column preset or a plugin of one's own may read
 * any of them (Hasura keys on those its permissions read: never fewer than that here); the JWT
 * claims in PostgreSQL-native mode, where row-level security reads them; and the type graph's
 * fingerprint, so that no answer outlives a change of schema.
 */
export function cacheKey(document: DocumentNode, operationName: string | null | undefined, variables: Readonly<Record<string, unknown>> | null | undefined, identity: Identity, request: RequestInfo, withClaims: boolean, source?: string): string {
  const parts = [
    // another source (config `sources`): two databases may have the same catalog, hence fingerprint
    ...(source === undefined ? [] : [`source:${source}`]),
    request.graph.fingerprint,
    print(document),
    operationName ?? null,
    sortedJson(variables ?? {}),
    identity.role,
    sortedJson(identity.session),
    withClaims ? sortedJson(identity.claims ?? {}) : null,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** JSON with object keys in order: the same variables in another order are the same key. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}
