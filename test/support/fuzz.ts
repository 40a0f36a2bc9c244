import fc from 'fast-check';

/**
 * Hostile and odd requests for a server on Pagila (issue 10, item 8): REST query strings and
 * headers, GraphQL documents and variables. Mostly well-formed-looking pieces in random
 * combinations (so requests reach the planner and PostgreSQL, not only the parser), plus
 * random text in every slot. Reads only: no request here changes data.
 *
 * Shared by test/integration/fuzz.test.ts (a few hundred inputs) and scripts/fuzz.ts
 * (`npm run fuzz`, 100,000 by default).
 */

export interface FuzzRequest {
  readonly method: string;
  /** path and query string, from the server's root */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

// ------------------------------------------------------------------ Pagila's vocabulary

const TABLES = ['film', 'actor', 'film_actor', 'language', 'category', 'film_category', 'customer', 'address', 'city', 'country', 'rental', 'payment', 'inventory', 'staff', 'store', 'actor_info', 'film_list', 'nope', 'pg_class', ''];
const COLUMNS = [
  'film_id', 'title', 'description', 'release_year', 'language_id', 'rental_duration', 'rental_rate', 'length', 'replacement_cost',
  'rating', 'special_features', 'fulltext', 'last_update', 'actor_id', 'first_name', 'last_name', 'name', 'category_id', 'customer_id',
  'email', 'active', 'create_date', 'amount', 'payment_date', 'rental_date', 'return_date', 'address_id', 'city', 'country', 'store_id',
  'nope', '*', 'id', 'x->y', 'a->>b', 'title::text', 'count()', 'sum(amount)', 'max', '"quoted"', '',
];
const EMBEDS = ['language', 'actor', 'actors', 'film_actor', 'film', 'films', 'category', 'film_category', 'customer', 'address', 'city', 'country', 'rental', 'payment', 'inventory', 'store', 'staff', 'language!language_id', 'language!original_language_id', 'film!film_actor', 'nope'];
const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'not.eq', 'not.in', 'any', 'all', 'eq(any)', 'like(all)', 'nope', ''];
const SPECIAL = ['', ' ', 'null', 'true', 'false', 'unknown', '0', '-1', '1e309', 'NaN', 'Infinity', '9223372036854775808', '2147483648', '1.5', "'", '"', '\\', '(', ')', ',', '.', '{}', '[]', '{1,2}', '(1,2)', '%', '*', '%00', '\u0000', 'é', '😀', '2006-02-15', '2006-02-15T04:34:33Z', 'PG-13', 'NC-17', 'Deleted Scenes', '[1,10)', 'a:*', 'x'.repeat(300)];

const text = fc.string({ maxLength: 12 });
const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 2000 }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: unicode },
);
const column = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COLUMNS) }, { weight: 1, arbitrary: text });

// ------------------------------------------------------------------ REST

/** `select=title,language(name),actors:actor(first_name,film(title))`, nested to a random depth. */
const selectList: fc.Arbitrary<string> = fc.letrec<{ list: string; item: string }>((tie) => ({
  list: fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((items) => items.join(',')),
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: column },
    { weight: 1, arbitrary: fc.tuple(text, column).map(([alias, c]) => `${alias}:${c}`) },
    { weight: 1, arbitrary: fc.tuple(column, fc.constantFrom('::text', '::int', '::json', '::nope', '.sum()', '.count()', '.avg()')).map(([c, cast]) => `${c}${cast}`) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...EMBEDS), fc.constantFrom('', '!inner', '!left', '!nope'), tie('list')).map(([embed, hint, inner]) => `${embed}${hint}(${inner})`),
    },
  ),
})).list;

const filterValue = fc.oneof(
  { weight: 4, arbitrary: value },
  { weight: 1, arbitrary: fc.array(value, { maxLength: 4 }).map((vs) => `(${vs.join(',')})`) },
  { weight: 1, arbitrary: fc.array(value, { maxLength: 4 }).map((vs) => `{${vs.join(',')}}`) },
);

const logicTree: fc.Arbitrary<string> = fc.letrec<{ tree: string; part: string }>((tie) => ({
  tree: fc.tuple(fc.constantFrom('and', 'or', 'not.and', 'not.or'), fc.array(tie('part'), { minLength: 1, maxLength: 3 })).map(([op, parts]) => `${op}(${parts.join(',')})`),
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(column, fc.constantFrom(...OPERATORS), filterValue).map(([c, op, v]) => `${c}.${op}.${v}`),
    tie('tree'),
  ),
})).tree;

const restParam: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 3, arbitrary: selectList.map((s): [string, string] => ['select', s]) },
  { weight: 4, arbitrary: fc.tuple(column, fc.constantFrom(...OPERATORS), filterValue).map(([c, op, v]): [string, string] => [c, `${op}.${v}`]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...EMBEDS), column, fc.constantFrom(...OPERATORS), value).map(([e, c, op, v]): [string, string] => [`${e}.${c}`, `${op}.${v}`]) },
  { weight: 1, arbitrary: logicTree.map((t): [string, string] => [t.startsWith('not.') ? t.slice(0, t.indexOf('(')) : t.slice(0, t.indexOf('(')), t.slice(t.indexOf('('))]) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.tuple(column, fc.constantFrom('', '.asc', '.desc', '.nullsfirst', '.desc.nullslast', '.nope')), { minLength: 1, maxLength: 3 })
      .map((parts): [string, string] => ['order', parts.map(([c, d]) => `${c}${d}`).join(',')]),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('limit', 'offset', 'film_actor.limit', 'actors.offset'), value).map(([k, v]): [string, string] => [k, v]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('on_conflict', 'columns', 'and', 'or', 'not', 'select', 'order'), value).map(([k, v]): [string, string] => [k, v]) },
  { weight: 1, arbitrary: fc.tuple(text, text) },
);

const PREFER = ['count=exact', 'count=planned', 'count=estimated', 'return=representation', 'return=minimal', 'handling=strict', 'handling=lenient', 'tx=rollback', 'missing=default', 'max-affected=1', 'timezone=UTC', 'timezone=Nope/Nowhere', 'resolution=merge-duplicates', 'nope'];
const ACCEPT = ['application/json', 'application/vnd.pgrst.object+json', 'application/vnd.pgrst.object+json;nulls=stripped', 'text/csv', 'application/geo+json', 'application/openapi+json', 'text/plain', 'application/octet-stream', 'application/vnd.pgrst.plan+json', 'application/vnd.pgrst.array+json;nulls=stripped', '*/*', 'text/*', 'application/json;q=0', ';;', 'nope'];

/**
 * Headers, each present now and then (most requests must get past content negotiation to
 * reach the planner): absent keys are dropped.
 */
function someHeaders(choices: Readonly<Record<string, fc.Arbitrary<string>>>, presence = 5): fc.Arbitrary<Record<string, string>> {
  const entries = Object.entries(choices).map(([name, arbitrary]) =>
    fc.oneof({ weight: presence, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary }).map((v): [string, string | undefined] => [name, v]),
  );
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter((p): p is [string, string] => p[1] !== undefined)));
}

const restHeaders = someHeaders({
  prefer: fc.oneof(fc.array(fc.constantFrom(...PREFER), { minLength: 1, maxLength: 3 }).map((ps) => ps.join(', ')), headerText()),
  accept: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ACCEPT) }, { weight: 1, arbitrary: headerText() }),
  range: fc.oneof(fc.tuple(fc.integer({ min: -5, max: 50 }), fc.option(fc.integer({ min: -5, max: 50 }))).map(([a, b]) => `${a}-${b ?? ''}`), headerText()),
  'range-unit': fc.oneof(fc.constant('items'), headerText()),
  'accept-profile': fc.oneof(fc.constantFrom('public', 'nope', 'pg_catalog'), headerText()),
  authorization: fc.oneof(fc.constantFrom('Bearer ', 'Bearer x.y.z', 'Basic Zm9vOmJhcg==', 'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoicG9zdGdyZXMifQ.'), headerText().map((t) => `Bearer ${t}`)),
  'content-type': fc.oneof(fc.constantFrom('application/json', 'text/csv', 'application/x-www-form-urlencoded'), headerText()),
});

/** Printable ASCII, as a header value must be (fetch refuses the rest before sending). */
function headerText(): fc.Arbitrary<string> {
  return fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }).map((s) => s.trim());
}

/** Percent-encodes the way clients do, and sometimes not at all (raw commas, parentheses, quotes). */
function encodePart(given: string, raw: boolean): string {
  // a lone surrogate cannot be percent-encoded (URIError); U+FFFD stands in for it
  const part = given.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (!raw) return encodeURIComponent(part);
  // keep what a URL can hold as it is; encode only what would break the request line
  return part.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) => encodeURIComponent(c));
}

export const restRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'OPTIONS'),
    table: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TABLES) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom('rpc/nope', 'rpc/', 'film/1', '../etc', '%2e%2e', 'film%00') }),
    params: fc.array(restParam, { maxLength: 5 }),
    raw: fc.boolean(),
    headers: restHeaders,
  })
  .map(({ method, table, params, raw, headers }) => {
    const query = params.map(([k, v]) => `${encodePart(k, raw)}=${encodePart(v, raw)}`).join('&');
    const path = table.includes('%') ? table : encodePart(table, true);
    return { method, path: `/rest/${path}${query === '' ? '' : `?${query}`}`, headers };
  });

// ------------------------------------------------------------------ GraphQL

const GQL_ROOTS = ['film', 'actor', 'film_actor', 'language', 'category', 'customer', 'rental', 'payment', 'inventory', 'film_by_pk', 'actor_by_pk', 'film_aggregate', 'payment_aggregate', 'nope', '__typename', '__schema', '__type'];
const GQL_FIELDS = ['film_id', 'title', 'description', 'release_year', 'rating', 'length', 'rental_rate', 'special_features', 'fulltext', 'last_update', 'name', 'first_name', 'last_name', 'amount', 'payment_date', 'email', 'active', '__typename', 'nope', 'count', 'aggregate', 'nodes', 'sum', 'avg', 'max', 'min', 'stddev'];
const GQL_RELATIONS = ['language', 'film_actors', 'film_actors_aggregate', 'actor', 'film', 'film_categories', 'category', 'films', 'inventories', 'rentals', 'payments', 'customer', 'address', 'city', 'country', 'store', 'staff', 'nope'];
const GQL_OPS = ['_eq', '_neq', '_gt', '_gte', '_lt', '_lte', '_in', '_nin', '_is_null', '_like', '_nlike', '_ilike', '_similar', '_regex', '_iregex', '_contains', '_contained_in', '_has_key', '_nope'];

const gqlLiteral: fc.Arbitrary<string> = fc.letrec<{ lit: string }>((tie) => ({
  lit: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.oneof(fc.integer({ min: -3, max: 2000 }).map(String), fc.constantFrom('null', 'true', 'false', '1.5', '1e400', '9223372036854775808', 'asc', 'desc', 'PG_13', 'G', '$v', '$w')) },
    { weight: 3, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.array(tie('lit'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...GQL_FIELDS, ...GQL_OPS, ...GQL_RELATIONS, '_and', '_or', '_not'), tie('lit')), { maxLength: 3 }).map((kvs) => `{${kvs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`) },
  ),
})).lit;

const whereArg: fc.Arbitrary<string> = fc.letrec<{ exp: string }>((tie) => ({
  exp: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom(...GQL_FIELDS), fc.constantFrom(...GQL_OPS), gqlLiteral).map(([f, op, v]) => `{${f}: {${op}: ${v}}}`),
    fc.tuple(fc.constantFrom('_and', '_or'), fc.array(tie('exp'), { maxLength: 3 })).map(([op, xs]) => `{${op}: [${xs.join(', ')}]}`),
    tie('exp').map((x) => `{_not: ${x}}`),
    fc.tuple(fc.constantFrom(...GQL_RELATIONS), tie('exp')).map(([r, x]) => `{${r}: ${x}}`),
  ),
})).exp;

const gqlArgs = fc
  .array(
    fc.oneof(
      whereArg.map((w) => `where: ${w}`),
      gqlLiteral.map((v) => `limit: ${v}`),
      gqlLiteral.map((v) => `offset: ${v}`),
      fc.tuple(fc.constantFrom(...GQL_FIELDS, ...GQL_RELATIONS), fc.constantFrom('asc', 'desc', 'desc_nulls_last', '{count: asc}', '{name: asc}', 'nope')).map(([f, d]) => `order_by: {${f}: ${d}}`),
      fc.constantFrom(...GQL_FIELDS).map((f) => `distinct_on: ${f}`),
      gqlLiteral.map((v) => `film_id: ${v}`),
      fc.tuple(fc.constantFrom(...GQL_FIELDS), gqlLiteral).map(([f, v]) => `${f}: ${v}`),
    ),
    { maxLength: 3 },
  )
  .map((args) => (args.length === 0 ? '' : `(${args.join(', ')})`));

const selection: fc.Arbitrary<string> = fc.letrec<{ set: string; field: string }>((tie) => ({
  set: fc.array(tie('field'), { minLength: 1, maxLength: 4 }).map((fields) => `{ ${fields.join(' ')} }`),
  field: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.constantFrom(...GQL_FIELDS) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'b', '_x', 'title'), fc.constantFrom(...GQL_FIELDS)).map(([a, f]) => `${a}: ${f}`) },
    { weight: 1, arbitrary: fc.constantFrom('...F', '... on film { title }', '... on nope { x }', 'title @include(if: $b)', 'title @skip(if: true)', 'title @nope') },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...GQL_RELATIONS), gqlArgs, tie('set')).map(([r, a, s]) => `${r}${a} ${s}`) },
  ),
})).set;

const VARIABLE_DEFS = ['', '($v: Int)', '($v: String, $w: film_bool_exp)', '($v: [Int!], $b: Boolean!)', '($v: jsonb)', '($v: Int = "x")', '($v: Nope)', '($v: film_bool_exp!, $w: Int)', '($b: Boolean = true)'];
const FRAGMENTS = ['', ' fragment F on film { title }', ' fragment F on nope { x }', ' fragment F on film { ...F }', ' fragment F on query_root { __typename }'];

const document = fc
  .record({
    kind: fc.constantFrom('query', 'query', 'query', '', 'subscription', 'mutation'),
    name: fc.constantFrom('', ' Q', ' R'),
    vars: fc.constantFrom(...VARIABLE_DEFS),
    roots: fc.array(fc.tuple(fc.constantFrom('', 'a: ', 'b: '), fc.constantFrom(...GQL_ROOTS), gqlArgs, fc.option(selection, { nil: undefined })), { minLength: 1, maxLength: 3 }),
    fragment: fc.constantFrom(...FRAGMENTS),
  })
  .map(({ kind, name, vars, roots, fragment }) => {
    const body = roots.map(([alias, root, args, sel]) => `${alias}${root}${args}${sel === undefined ? '' : ` ${sel}`}`).join(' ');
    const head = kind === '' ? '' : `${kind}${name}${vars}`;
    return `${head} { ${body} }${fragment}`;
  });

/** Random damage to a document: cut it, or drop, double or insert a character somewhere. */
const damaged = fc.tuple(document, fc.nat(), fc.constantFrom('cut', 'drop', 'double', 'insert'), fc.constantFrom('{', '}', '(', ')', '"', '$', ':', '!', '@', '...', '#', '\\', '\u0000', 'é')).map(([doc, at, how, ch]) => {
  const i = at % (doc.length + 1);
  switch (how) {
    case 'cut':
      return doc.slice(0, i);
    case 'drop':
      return doc.slice(0, i) + doc.slice(i + 1);
    case 'double':
      return doc.slice(0, i) + doc.slice(i, i + 1) + doc.slice(i);
    default:
      return doc.slice(0, i) + ch + doc.slice(i);
  }
});

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const variables = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.dictionary(fc.constantFrom('v', 'w', 'b', 'x'), fc.oneof(jsonValue, fc.constantFrom<unknown>(1, -1, 2147483648, 'x', true, null, [1, 2], { title: { _eq: 'x' } }, { _and: [{}] }))) },
  { weight: 1, arbitrary: jsonValue },
);

/** The raw body text: mostly a JSON object; sometimes broken JSON, or odd parameter types. */
const graphqlBody = fc.oneof(
  { weight: 8, arbitrary: fc.record({ query: fc.oneof({ weight: 4, arbitrary: document }, { weight: 2, arbitrary: damaged }, { weight: 1, arbitrary: unicode }), variables, operationName: fc.constantFrom(undefined, 'Q', 'R', 'nope') }).map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: fc.record({ query: jsonValue, variables: jsonValue, operationName: jsonValue, extensions: jsonValue }, { requiredKeys: [] }).map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: fc.oneof(text, unicode, jsonValue.map((v) => JSON.stringify(v)), document.map((d) => JSON.stringify({ query: d }).slice(0, -2))) },
);

const graphqlHeaders = fc.tuple(
  fc.oneof({ weight: 12, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('application/graphql', 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data') }, { weight: 1, arbitrary: headerText() }),
  someHeaders({
    accept: fc.oneof(fc.constantFrom('application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed', '*/*', 'text/html'), headerText()),
    authorization: headerText().map((t) => `Bearer ${t}`),
    origin: fc.constantFrom('http://example.com', 'null'),
  }),
).map(([type, rest]): Record<string, string> => ({ 'content-type': type, ...rest }));

export const graphqlRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ body: graphqlBody, headers: graphqlHeaders }).map(({ body, headers }) => ({ method: 'POST', path: '/graphql', headers, body })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ query: fc.oneof(document, damaged), variables: fc.oneof(fc.constant(undefined), jsonValue.map((v) => JSON.stringify(v)), text), operationName: fc.option(text, { nil: undefined }), extensions: fc.option(fc.oneof(text, jsonValue.map((v) => JSON.stringify(v))), { nil: undefined }), headers: graphqlHeaders })
      .map(({ query, variables: vars, operationName, extensions, headers }) => {
        const params = new URLSearchParams({ query });
        if (vars !== undefined) params.set('variables', vars);
        if (operationName !== undefined) params.set('operationName', operationName);
        if (extensions !== undefined) params.set('extensions', extensions);
        const { 'content-type': _ignored, ...rest } = headers;
        return { method: 'GET', path: `/graphql?${params.toString()}`, headers: rest };
      }),
  },
);

// ------------------------------------------------------------------ running them

export interface FuzzOutcome {
  readonly status: number;
  readonly body: string;
}

/** Sends one request; a network failure is status 0 (the server closed on us: as bad as a 5xx). */
export async function send(baseUrl: string, request: FuzzRequest): Promise<FuzzOutcome> {
  try {
    const res = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: request.method === 'HEAD' ? '' : await res.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** A 5xx, or no answer at all. */
export const isServerFault = (status: number): boolean => status === 0 || status >= 500;
