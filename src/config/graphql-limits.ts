import { z } from 'zod';

/** A limit: a whole number of at least `min`, or `null` for none. */
const limit = (min: number, what: string) =>
  z
    .number({ error: `expected a number, or null for no limit (${what})` })
    .int(`expected a whole number (${what})`)
    .min(min, `expected at least ${min} (${what})`)
    .nullable()
    .optional();

/**
 * The limits every document is held to unless the config says otherwise (`null` turns one
 * off): deep enough for any ordinary client (and introspection, which armor does not count),
 * low enough that a document cannot ask for a tree of relationships that holds the pool.
 */
export const GRAPHQL_LIMIT_DEFAULTS = { maxDepth: 10, maxAliases: 30, maxCost: 5000 } as const;

const persistedQueries = z
  .object({
    /** refuse every document that is not in the allow-list (`documents`) */
    onlyPersisted: z.boolean({ error: 'expected true or false' }).optional(),
    /** the allow-list: `{ <id or sha256 hash>: <query text> }`, or the path of a JSON file holding one (relative to the working directory) */
    documents: z
      .union([z.record(z.string().min(1, 'expected a non-empty id'), z.string().min(1, 'expected a GraphQL document')), z.string().min(1, 'expected a file path')], {
        error: 'expected a map of persisted query ids to GraphQL documents, or the path of a JSON file holding one',
      })
      .optional(),
  })
  .strict();

const fields = {
  /** fields nested deeper than this are refused (graphql-armor max-depth) */
  maxDepth: limit(1, 'the deepest field nesting allowed'),
  /** more aliases than this in one operation are refused (graphql-armor max-aliases) */
  maxAliases: limit(0, 'the most aliases in one operation'),
  /** more directives than this in one operation are refused (graphql-armor max-directives) */
  maxDirectives: limit(0, 'the most directives in one operation'),
  /** a document of more tokens than this is refused */
  maxTokens: limit(1, 'the most tokens in one document'),
  /** an operation costing more than this is refused (graphql-armor cost-limit: 2 per object, 1 per scalar, ×1.5 per level) */
  maxCost: limit(1, 'the highest cost of one operation'),
  persistedQueries: persistedQueries.optional(),
};

/** What one role may send: every value left out is taken from the global ones; `null` is no limit. */
const roleLimits = z
  .object({
    ...fields,
    /** `false`: `__schema` and `__type` are refused (`__typename` is not) */
    introspection: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .strict();

/**
 * `graphql.limits` of `pgduet.yaml`: what a GraphQL document may be, for everyone and per
 * role (a role's values win, `persistedQueries` key by key). Checked while the document is
 * validated, before any SQL.
 */
export const graphqlLimitsOptions = z
  .object({
    ...fields,
    maxDepth: fields.maxDepth.default(GRAPHQL_LIMIT_DEFAULTS.maxDepth),
    maxAliases: fields.maxAliases.default(GRAPHQL_LIMIT_DEFAULTS.maxAliases),
    maxCost: fields.maxCost.default(GRAPHQL_LIMIT_DEFAULTS.maxCost),
    introspection: z.boolean({ error: 'expected true or false' }).default(true),
    roles: z.record(z.string().min(1, 'expected a role name'), roleLimits).default({}),
  })
  .strict();

export type GraphqlLimitsOptions = z.infer<typeof graphqlLimitsOptions>;
export type GraphqlRoleLimits = z.infer<typeof roleLimits>;
