#!/usr/bin/env node
// pgduet REST throughput: W3 and W4 of shared/BENCH.md, pgduet's GET /rest/… (PostgREST's
// dialect) next to the baseline measured in the same run (bench/baseline-server.mjs: node:http
// + pg Pool max 10, one prepared statement per workload building the whole JSON in PostgreSQL).
// Requests/s, p50/p99 latency, SQL statements and server CPU per request, the req/s ratio
// against BENCH.md's targets, and pgduet's RSS after all workloads. See bench/README.md.
//
//   npm run bench:rest                                     (builds, then runs this file)
//   node bench/rest.mjs --only W4 --rounds 3 --duration 5
//   node bench/rest.mjs --profile W3                       (pgduet alone under --cpu-prof)
//
// Plain ESM, node built-ins plus `pg` and `autocannon` (a devDependency). The server is
// dist/src/cli/bin.js: build it first. The harness (options, servers, rounds, report, profile)
// is runThroughputBench in common.mjs; this file holds what is REST's.
import { JWT_CONFIG, benchToken } from './auth.mjs';
import { CPU_PER_REQUEST_NOTE, httpRequest, jsonDifferences, runThroughputBench } from './common.mjs';

/**
 * The same database as graphql.mjs's (ensurePagilaDatabase: Pagila + BENCH.md's index and
 * scratch table) under its own name, so that a GraphQL run dropping its database at the end
 * cannot pull this one from under a REST run going on at the same time.
 */
const DB = 'pgduet_bench_rest';
/** Bump when the database this bench creates changes, so an old one kept with --keep is rebuilt. */
const DB_VERSION = 1;

// ---------------------------------------------------------------------------------------
// the workloads (shared/BENCH.md)

const WORKLOADS = {
  W3: {
    what: 'films PG, length > 100, 3 fields, by title, 25',
    target: 0.75,
    query: 'select=film_id,title,length&rating=eq.PG&length=gt.100&order=title&limit=25',
    resource: 'film',
    /** sanity of the baseline's own answer, so that two empty answers cannot look alike */
    expect: (rows) => (rows.length === 25 ? undefined : `expected 25 films, got ${rows.length}`),
  },
  W4: {
    what: '20 customers + rentals (one-to-many embed)',
    // raised from 0.65, met (shared/BENCH.md, issue 12)
    target: 0.9,
    query: 'select=customer_id,first_name,last_name,rental(rental_id,rental_date,inventory_id,return_date)&order=customer_id&limit=20',
    resource: 'customer',
    expect: (rows) =>
      rows.length !== 20
        ? `expected 20 customers, got ${rows.length}`
        : rows.some((r) => !Array.isArray(r.rental) || r.rental.length === 0)
          ? 'a customer without rentals (every one of the first 20 has some)'
          : undefined,
    /**
     * The embed has no ORDER BY (neither the request nor pgduet's SQL orders the rentals), so
     * each customer's rentals are compared as a multiset: sorted by rental_id on both sides.
     */
    normalize: (rows) =>
      rows.map((r) => (Array.isArray(r?.rental) ? { ...r, rental: [...r.rental].sort((p, q) => (p?.rental_id ?? 0) - (q?.rental_id ?? 0)) } : r)),
  },
  /**
   * W3 as a JWT role of `permissions` that sees PG films only (a row filter) and three columns:
   * the request leaves out `rating=eq.PG`, the role's filter puts it back. The baseline runs
   * W3's statement, which is the same filtered statement.
   */
  W6: {
    what: 'W3 as a JWT role with a row filter and a column list',
    target: 0.65,
    query: 'select=film_id,title,length&length=gt.100&order=title&limit=25',
    resource: 'film',
    headers: { authorization: `Bearer ${benchToken({ role: 'bench_reader' })}` },
    pgduetConfig: `${JWT_CONFIG}permissions:\n  bench_reader:\n    tables:\n      film:\n        select: { columns: [film_id, title, length], filter: { rating: { _eq: PG } } }\n`,
    expect: (rows) => (rows.length === 25 ? undefined : `expected 25 films, got ${rows.length}`),
  },
  /**
   * W3 and W4 with `database.preparedStatements: false`, as behind a transaction-mode pooler:
   * every statement parsed and planned again each time (pgduet talks to PostgreSQL directly
   * here: what is measured is the cost of unnamed statements, not of a pooler).
   */
  W3N: {
    what: 'W3 without named prepared statements',
    target: 0.75,
    query: 'select=film_id,title,length&rating=eq.PG&length=gt.100&order=title&limit=25',
    resource: 'film',
    // continues the `database:` mapping startPgduetServer writes
    pgduetConfig: '  preparedStatements: false\n',
    expect: (rows) => (rows.length === 25 ? undefined : `expected 25 films, got ${rows.length}`),
  },
};
WORKLOADS.W4N = { ...WORKLOADS.W4, what: 'W4 without named prepared statements', pgduetConfig: WORKLOADS.W3N.pgduetConfig };

// ---------------------------------------------------------------------------------------
// same answers: checked before measuring

async function ask(target, key) {
  const answer = await httpRequest(target.port, target.path(key), { headers: { accept: 'application/json', ...WORKLOADS[key].headers } });
  if (answer === undefined) throw new Error(`${target.name} ${key}: no answer`);
  if (answer.status < 200 || answer.status >= 300 || !answer.body.startsWith('[')) {
    throw new Error(`${target.name} ${key}: GET ${target.path(key)} answered ${answer.status} ${answer.body.slice(0, 500)}`);
  }
  try {
    return { json: JSON.parse(answer.body), text: answer.body };
  } catch {
    throw new Error(`${target.name} ${key}: answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 300)}`);
  }
}

/**
 * The workload's answer, pgduet against the baseline, as parsed JSON (key order included; W4's
 * rentals as a multiset per customer). Returns { same, details, notes }.
 */
async function compareAnswers(key, baseline, pgduet) {
  const workload = WORKLOADS[key];
  const [ta, tb] = [await ask(baseline, key), await ask(pgduet, key)];
  const [a, b] = [ta.json, tb.json];
  const sanity = workload.expect(a);
  if (sanity !== undefined) throw new Error(`baseline ${key}: ${sanity} (is ${DB} complete?)`);
  const normalize = workload.normalize ?? ((rows) => rows);
  const details = jsonDifferences(normalize(a), normalize(b));
  const notes = [`bodies: baseline ${Buffer.byteLength(ta.text)} B, pgduet ${Buffer.byteLength(tb.text)} B, byte for byte identical: ${ta.text === tb.text ? 'yes' : 'no'}`];
  if (workload.normalize !== undefined && details.length === 0) {
    const sameOrder = jsonDifferences(a, b).length === 0;
    notes.push(`rentals compared as a multiset per customer; in the same order as the baseline's: ${sameOrder ? 'yes' : 'no'}`);
  }
  return { same: details.length === 0, details, notes };
}

// ---------------------------------------------------------------------------------------
// load

function loadOptions(key) {
  return {
    method: 'GET',
    headers: { accept: 'application/json', ...WORKLOADS[key].headers },
    // a 2xx that is not a JSON array is a failure too (counted as a mismatch)
    verifyBody: (body) => body.startsWith('['),
    verify: { prefix: '[' }, // the same check, for wrk
  };
}

// ---------------------------------------------------------------------------------------
// pgduet answers GET /rest/<resource>?<query>, the baseline GET /w3?<query> (the same query
// string, ignored: both servers read requests of about the same size)

runThroughputBench({
  script: 'rest',
  db: DB,
  marker: `pgduet-bench rest v${DB_VERSION}`,
  protocol: 'rest',
  workloads: WORKLOADS,
  title: 'pgduet REST (GET /rest/…, PostgREST dialect) vs baseline (node:http + pg Pool, one prepared statement per workload building the JSON in PostgreSQL)',
  pgduetPath: (key) => `/rest/${WORKLOADS[key].resource}?${WORKLOADS[key].query}`,
  baselinePath: (key) => `/${key.toLowerCase()}?${WORKLOADS[key].query}`,
  loadOptions,
  check: ask, // a 2xx JSON array, or it throws
  compareAnswers,
  profileOwn: true,
  footer: ({ selected, checks }) => [
    ...selected.map((key) => `${key}: GET /rest/${WORKLOADS[key].resource}?${WORKLOADS[key].query}`),
    '',
    'ratio: pgduet req/s ÷ baseline req/s (medians). stmt/req: Δ pgduet_db_statements_total{protocol="rest"} ÷ Δ completed REST',
    'requests (pgduet_http_requests_total{protocol="rest"}) over the measured window; the baseline: 1 by construction.',
    ...CPU_PER_REQUEST_NOTE,
    'latencies: of every 2xx response in the measured window; any error, non-2xx or body not starting with "[" aborts.',
    "Answers compared as parsed JSON before measuring, key order included (W4: each customer's rentals as a multiset —",
    "the embed has no order, in the request as in pgduet's SQL).",
    ...selected.flatMap((key) => checks[key].notes.map((n) => `${key}: ${n}`)),
  ],
});
