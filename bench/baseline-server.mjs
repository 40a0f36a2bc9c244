#!/usr/bin/env node
// The baseline of bench/graphql.mjs and bench/rest.mjs (shared/BENCH.md): node:http + pg Pool
// (max 10), each workload ONE prepared statement that builds the whole response — for GraphQL
// `{"data":{…}}`, for REST the JSON array, the same JSON as pgduet's answer — inside PostgreSQL
// (json_build_object / json_agg, correlated subqueries for the nested parts), written to the
// client unchanged. No GraphQL or query-string parsing, no validation, no auth: a ceiling, not
// a competitor.
//
//   DATABASE_URL=postgres://… PORT=4001 node bench/baseline-server.mjs
//
// POST /w1, /w2, /w5 take the same bodies as pgduet's POST /graphql; only the variables are
// read from them. GET /w3, /w4 answer W3 and W4 whatever the query string (bench/rest.mjs sends
// pgduet's, so that both servers read requests of the same size). GET /ready answers 200 once a
// pooled connection has run `select 1`.
import { createServer } from 'node:http';
import pg from 'pg';

/**
 * W1: 50 films by id with title, release_year, the language's name and the actors' names.
 * No order on film_actors, as in the GraphQL query (pgduet gives none either).
 */
const W1 = {
  name: 'bench_w1',
  text: `select json_build_object('data', json_build_object('film', coalesce((
  select json_agg(t.r) from (
    select json_build_object(
      'film_id', f.film_id,
      'title', f.title,
      'release_year', f.release_year,
      'language', (select json_build_object('name', l.name) from language l where l.language_id = f.language_id),
      'film_actors', (
        select coalesce(json_agg(json_build_object('actor', (
          select json_build_object('first_name', a.first_name, 'last_name', a.last_name)
          from actor a where a.actor_id = fa.actor_id))), '[]'::json)
        from film_actor fa where fa.film_id = f.film_id)
    ) as r
    from film f order by f.film_id limit 50
  ) t), '[]'::json)))::text as body`,
};

/** W2: one customer by key with address and city (null when there is no such customer). */
const W2 = {
  name: 'bench_w2',
  text: `select json_build_object('data', json_build_object('customer_by_pk', (
  select json_build_object(
    'customer_id', c.customer_id,
    'first_name', c.first_name,
    'last_name', c.last_name,
    'email', c.email,
    'address', (
      select json_build_object(
        'address', ad.address,
        'district', ad.district,
        'phone', ad.phone,
        'city', (select json_build_object('city', ci.city) from city ci where ci.city_id = ad.city_id))
      from address ad where ad.address_id = c.address_id))
  from customer c where c.customer_id = $1)))::text as body`,
};

/** W5: insert one row, return its id. */
const W5 = {
  name: 'bench_w5',
  text: `insert into bench_scratch (note) values ($1)
  returning json_build_object('data', json_build_object('insert_bench_scratch_one', json_build_object('id', id)))::text as body`,
};

/**
 * W3 (REST): films with rating PG and length > 100, three fields, by title, 25 — the JSON array
 * of `GET /rest/film?select=film_id,title,length&rating=eq.PG&length=gt.100&order=title&limit=25`,
 * keys in the order of `select=`.
 */
const W3 = {
  name: 'bench_w3',
  text: `select coalesce(json_agg(t.r), '[]'::json)::text as body from (
  select json_build_object('film_id', f.film_id, 'title', f.title, 'length', f.length) as r
  from film f where f.rating = 'PG' and f.length > 100 order by f.title limit 25
) t`,
};

/**
 * W4 (REST): 20 customers by id with their rentals embedded (one-to-many) — the JSON array of
 * `GET /rest/customer?select=customer_id,first_name,last_name,rental(rental_id,rental_date,inventory_id,return_date)&order=customer_id&limit=20`.
 * No order on the rentals, as in the request (pgduet's embed has no ORDER BY either).
 */
const W4 = {
  name: 'bench_w4',
  text: `select coalesce(json_agg(t.r), '[]'::json)::text as body from (
  select json_build_object(
    'customer_id', c.customer_id,
    'first_name', c.first_name,
    'last_name', c.last_name,
    'rental', (
      select coalesce(json_agg(json_build_object(
        'rental_id', r.rental_id,
        'rental_date', r.rental_date,
        'inventory_id', r.inventory_id,
        'return_date', r.return_date)), '[]'::json)
      from rental r where r.customer_id = c.customer_id)
  ) as r
  from customer c order by c.customer_id limit 20
) t`,
};

/**
 * W7's settings, as PostgreSQL-native mode sets them (plugins/postgres-role): the role, the
 * claims, the headers, the method and the path, for the transaction only.
 */
const W7_SETTINGS = {
  name: 'bench_w7_settings',
  text: `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.headers', $3, true),
  set_config('request.method', $4, true), set_config('request.path', $5, true)`,
};

/** GET path (the query string is ignored: the bench sends pgduet's) → statement, without parameters */
const GET_ROUTES = {
  '/w3': W3,
  '/w4': W4,
  // W6 is W3 as a role whose row filter (rating = 'PG') and column list pgduet applies: the same statement
  '/w6': W3,
  // W3N, W4N are W3, W4 with pgduet's named prepared statements off: the baseline's stay named
  '/w3n': W3,
  '/w4n': W4,
};

/** path → [statement, the values from the request's variables] */
const ROUTES = {
  '/w1': [W1, () => []],
  '/w2': [W2, (variables) => [variables.id]],
  '/w5': [W5, (variables) => [variables.note ?? null]],
  '/w7': [W2, (variables) => [variables.id]],
};

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('baseline: DATABASE_URL is not set\n');
  process.exit(1);
}
const pool = new pg.Pool({ connectionString: url, max: 10, application_name: 'pgduet-bench-baseline' });
pool.on('error', () => undefined);

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req, res, body) {
  if (req.method === 'GET' && req.url === '/ready') {
    await pool.query('select 1');
    answer(res, 200, '{"status":"ready"}');
    return;
  }
  if (req.method === 'GET') {
    const query = req.url.indexOf('?');
    const statement = GET_ROUTES[query === -1 ? req.url : req.url.slice(0, query)];
    if (statement !== undefined) {
      const { rows } = await pool.query({ name: statement.name, text: statement.text });
      answer(res, 200, rows[0].body);
      return;
    }
  }
  const route = req.method === 'POST' ? ROUTES[req.url] : undefined;
  if (route === undefined) {
    answer(res, 404, '{"error":"not found"}');
    return;
  }
  const [statement, valuesOf] = route;
  const variables = body === '' ? {} : (JSON.parse(body).variables ?? {});
  if (req.url === '/w7') {
    answer(res, 200, await inNativeMode(req, statement, valuesOf(variables)));
    return;
  }
  const { rows } = await pool.query({ name: statement.name, text: statement.text, values: valuesOf(variables) });
  answer(res, 200, rows[0].body);
}

/**
 * W7: one transaction — begin, the settings (the claims are the token's payload, read, not
 * verified: the baseline trusts its bench), the statement, commit.
 */
async function inNativeMode(req, statement, values) {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const claims = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
  const { authorization: _hidden, ...headers } = req.headers;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query({ name: W7_SETTINGS.name, text: W7_SETTINGS.text, values: ['bench_web', claims, JSON.stringify(headers), req.method, req.url] });
    const { rows } = await client.query({ name: statement.name, text: statement.text, values });
    await client.query('commit');
    return rows[0].body;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    handle(req, res, body).catch((error) => answer(res, 500, JSON.stringify({ errors: [{ message: error.message }] })));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 4001), process.env.HOST ?? '127.0.0.1');

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    pool.end().finally(() => process.exit(0));
  });
}
