/**
 * The only list of pgduet error codes. Codes are `PGD` + three digits, grouped by stage
 * (STYLE.md): 0xx config/start-up, 1xx request, 2xx type graph, 3xx auth, 4xx limits,
 * 5xx database. Codes are retired, never reused: leave a retired code here as a comment.
 * `test/unit/error-codes.test.ts` keeps this list and the README's "Error codes" table in sync.
 */
export const ERROR_CODES = {
  PGD001: { status: 500, title: 'Invalid configuration' },
  PGD002: { status: 500, title: 'Database unreachable' },
  PGD003: { status: 500, title: 'Schema cache unreadable' },
  PGD004: { status: 500, title: 'Embedded database failed to start' },
  PGD005: { status: 503, title: 'Server starting' },
  PGD101: { status: 404, title: 'Route not found' },
  PGD102: { status: 405, title: 'Method not allowed' },
  PGD103: { status: 400, title: 'Invalid request' },
  PGD104: { status: 400, title: 'Not supported' },
  PGD105: { status: 400, title: 'Unfiltered write refused' },
  PGD201: { status: 503, title: 'GraphQL schema unavailable' },
  PGD301: { status: 401, title: 'Invalid credentials' },
  PGD302: { status: 401, title: 'Credentials required' },
  PGD303: { status: 403, title: 'Permission denied' },
  PGD304: { status: 401, title: 'Invalid admin secret' },
  PGD401: { status: 429, title: 'Rate limit exceeded' },
  PGD402: { status: 403, title: 'Address not allowed' },
  PGD403: { status: 400, title: 'Query over a limit' },
  PGD404: { status: 413, title: 'Request body too large' },
  PGD405: { status: 429, title: 'Subscription limit reached' },
  PGD501: { status: 503, title: 'Database unavailable' },
  PGD502: { status: 503, title: 'Database busy' },
  PGD503: { status: 499, title: 'Request cancelled by the client' },
  PGD599: { status: 500, title: 'Unexpected error' },
} as const satisfies Record<string, { readonly status: number; readonly title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * PostgREST's codes that pgduet's REST surface emits, with the HTTP status PostgREST gives
 * each (its `Error.hs`). A PgduetError may carry one (`postgrest`); the GraphQL surface ignores it.
 */
export const POSTGREST_CODES = {
  /** the database cannot be reached, or a connection to it was lost */
  PGRST001: 503,
  /**
   * no pool connection within `database.connectTimeoutMs`. PostgREST answers 504; pgduet
   * answers 503 with `Retry-After`: the server is busy, not a gateway that timed out
   */
  PGRST003: 503,
  /** a query parameter does not parse */
  PGRST100: 400,
  /** the function cannot be called with GET (it is volatile) */
  PGRST101: 405,
  /** the body is not valid JSON (or CSV) */
  PGRST102: 400,
  /** the requested range cannot be satisfied */
  PGRST103: 416,
  /** a bad PUT: filters that are not the primary key, or a body that disagrees with them */
  PGRST105: 405,
  /** PUT: the body's primary key values differ from the URL's */
  PGRST115: 400,
  /** `Prefer: handling=strict` with a preference that is not understood */
  PGRST122: 400,
  /** more rows would be affected than `Prefer: max-affected` allows */
  PGRST124: 400,
  /** the schema in Accept-Profile / Content-Profile is not exposed */
  PGRST106: 406,
  /** none of the media types in Accept (or the body's Content-Type) can be handled */
  PGRST107: 406,
  /** a filter on an embedded resource that is not selected */
  PGRST108: 400,
  /** a singular response (vnd.pgrst.object) with other than one row */
  PGRST116: 406,
  /** an unsupported HTTP verb on the resource */
  PGRST117: 405,
  /** ordering by an embedded resource that is not to-one */
  PGRST118: 400,
  /** the JWT is invalid: signature, algorithm, format, unknown key */
  PGRST301: 401,
  /** credentials are required (no anonymous role) */
  PGRST302: 401,
  /** the JWT's claims do not hold: expired, not yet valid, wrong audience or issuer */
  PGRST303: 401,
  /** no relationship between the two resources */
  PGRST200: 400,
  /** more than one relationship fits the embedding: the candidates are in `details` */
  PGRST201: 300,
  /** no function with these argument names */
  PGRST202: 404,
  /** a column of the body (or `columns=`) does not exist */
  PGRST204: 400,
  /** the table or view does not exist */
  PGRST205: 404,
  /** the schema is not loaded yet (pgduet: the server is still starting) */
  PGRST002: 503,
  /**
   * PostgreSQL's own codes, which PostgREST passes through because PostgreSQL raises them:
   * pgduet finds these mistakes before any SQL runs, and answers as PostgreSQL would have
   */
  /** an unknown column in select, a filter, an order or an aggregate (undefined_column) */
  '42703': 400,
  /** one table embedded twice under one name (duplicate_alias) */
  '42712': 400,
} as const satisfies Record<string, number>;

export type PostgrestCode = keyof typeof POSTGREST_CODES;
