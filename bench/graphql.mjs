#!/usr/bin/env node
// pgduet GraphQL throughput: W1, W2 and W5 of shared/BENCH.md, pgduet's POST /graphql next to
// the baseline measured in the same run (bench/baseline-server.mjs: node:http + pg Pool max
// 10, one prepared statement per workload building the whole JSON in PostgreSQL).
// Requests/s, p50/p99 latency, SQL statements and server CPU per request, the req/s ratio
// against BENCH.md's targets, and pgduet's RSS after all workloads. See bench/README.md.
//
//   npm run bench:graphql                                  (builds, then runs this file)
//   node bench/graphql.mjs --only W2 --rounds 3 --duration 5
//   node bench/graphql.mjs --profile W1                    (pgduet alone under --cpu-prof)
//
// Plain ESM, node built-ins plus `pg` and `autocannon` (a devDependency). The server is
// dist/src/cli/bin.js: build it first. The harness (options, servers, rounds, report, profile)
// is runThroughputBench in common.mjs; this file holds what is GraphQL's.
import { JWT_CONFIG, NATIVE_ROLE, NATIVE_ROLE_SQL, benchToken } from './auth.mjs';
import { CPU_PER_REQUEST_NOTE, httpRequest, jsonDifferences, runThroughputBench, urlFor, withClient } from './common.mjs';

const DB = 'pgduet_bench_graphql';
/** Bump when the database this bench creates changes, so an old one kept with --keep is rebuilt. */
const DB_VERSION = 1;

// ---------------------------------------------------------------------------------------
// the workloads (shared/BENCH.md)

/** W2's id cycles 1..599 (Pagila's customers); W5's note carries a counter. */
const CUSTOMERS = 599;

const WORKLOADS = {
  W1: {
    what: '50 films + language + actors (many-to-many)',
    // the targets of shared/BENCH.md and issue 12 (W1 raised from 0.60, met)
    target: 0.8,
    query: '{ film(limit: 50, order_by: {film_id: asc}) { film_id title release_year language { name } film_actors { actor { first_name last_name } } } }',
    variables: undefined,
  },
  W2: {
    what: 'customer by key + address + city',
    target: 0.65,
    query: 'query($id: Int!) { customer_by_pk(customer_id: $id) { customer_id first_name last_name email address { address district phone city { city } } } }',
    variables: (i) => ({ id: (i % CUSTOMERS) + 1 }),
  },
  W5: {
    what: 'insert one row, return its id',
    target: 0.7,
    query: 'mutation($note: String) { insert_bench_scratch_one(object: {note: $note}) { id } }',
    variables: (i) => ({ note: `bench ${i}` }),
  },
  /**
   * W2 in PostgreSQL-native mode: a JWT per request (the same token, as a logged-in client sends
   * it), then the request's transaction with the role switched and the claims, headers, method
   * and path set (plugins/postgres-role). The baseline runs the same settings and statement in
   * one transaction (begin, set_config…, the statement, commit).
   */
  W7: {
    what: 'W2 in PostgreSQL-native mode (JWT, role + claims)',
    target: 0.45,
    query: 'query($id: Int!) { customer_by_pk(customer_id: $id) { customer_id first_name last_name email address { address district phone city { city } } } }',
    variables: (i) => ({ id: (i % CUSTOMERS) + 1 }),
    headers: { authorization: `Bearer ${benchToken({ role: 'bench_user', sub: 'bench' })}` },
    pgduetConfig: `${JWT_CONFIG}postgres:\n  rls: true\n  roles: { bench_user: ${NATIVE_ROLE} }\n`,
  },
};

const bodyOf = (workload, i) => JSON.stringify({ query: workload.query, ...(workload.variables ? { variables: workload.variables(i) } : {}) });

/** W5's table starts empty in every run (and does not grow across kept runs). */
async function resetScratch() {
  await withClient(urlFor(DB), async (c) => {
    await c.query('truncate bench_scratch restart identity');
    await c.query(NATIVE_ROLE_SQL); // W7's role
  });
}

// ---------------------------------------------------------------------------------------
// same answers: checked before measuring

/** Replaces the values of `id` keys by their type: W5's ids differ, its shape must not. */
const shapeOf = (value) =>
  Array.isArray(value)
    ? value.map(shapeOf)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'id' ? (Number.isInteger(v) && v > 0 ? '<positive integer>' : `<not a positive integer: ${JSON.stringify(v)}>`) : shapeOf(v)]))
      : value;

async function ask(target, key, body) {
  const answer = await httpRequest(target.port, target.path(key), { method: 'POST', body, headers: WORKLOADS[key].headers ?? {} });
  if (answer === undefined) throw new Error(`${target.name} ${key}: no answer`);
  let json;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new Error(`${target.name} ${key}: answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 300)}`);
  }
  if (answer.status !== 200 || json.errors !== undefined || json.data === undefined || json.data === null) {
    throw new Error(`${target.name} ${key}: answered ${answer.status} ${answer.body.slice(0, 500)}`);
  }
  return json;
}

/**
 * Each workload's answers, pgduet against the baseline, as parsed JSON: W1's one request;
 * W2 for every customer id (1..599); W5's shape (ids differ) and the rows really written.
 * Returns { same, requests, details }.
 */
async function compareAnswers(key, baseline, pgduet) {
  const workload = WORKLOADS[key];
  const details = [];
  let requests = 0;
  const count = key === 'W2' || key === 'W7' ? CUSTOMERS : 1;
  for (let i = 0; i < count && details.length < 5; i++) {
    const body = bodyOf(workload, key === 'W5' ? -1 - i : i);
    const [a, b] = [await ask(baseline, key, body), await ask(pgduet, key, body)];
    requests++;
    const label = workload.variables ? ` (variables ${JSON.stringify(workload.variables(key === 'W5' ? -1 - i : i))})` : '';
    if (key === 'W5') {
      for (const d of jsonDifferences(shapeOf(a), shapeOf(b))) details.push(`${d}${label}`);
      // the rows must exist, with the note that was sent
      const ids = [a.data?.insert_bench_scratch_one?.id, b.data?.insert_bench_scratch_one?.id];
      const { rows } = await withClient(urlFor(DB), (c) => c.query('select id, note from bench_scratch where id = any($1::int[]) order by id', [ids.filter(Number.isInteger)]));
      const note = workload.variables(-1 - i).note;
      if (ids[0] === ids[1]) details.push(`both answered id ${ids[0]}`);
      if (rows.length !== 2 || rows.some((r) => r.note !== note)) details.push(`bench_scratch rows for ids ${ids.join(', ')}: ${JSON.stringify(rows)}, expected two with note ${JSON.stringify(note)}`);
    } else {
      for (const d of jsonDifferences(a, b)) details.push(`${d}${label}`);
    }
  }
  return { same: details.length === 0, requests, details };
}

// ---------------------------------------------------------------------------------------
// load

/** W2 and W5 vary the body per request with one counter per window (W2: ids 1, 2, …, 599, 1, …). */
function loadOptions(key) {
  const workload = WORKLOADS[key];
  const options = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...workload.headers },
    // a 200 that carries GraphQL errors is a failure too (counted as a mismatch)
    verifyBody: (body) => body.startsWith('{"data"') && !body.includes('"errors"'),
    verify: { prefix: '{"data"', reject: '"errors"' }, // the same check, for wrk
  };
  if (workload.variables === undefined) {
    options.body = bodyOf(workload, 0);
  } else {
    let i = 0;
    options.requests = [
      {
        setupRequest: (req) => {
          req.body = bodyOf(workload, i++);
          return req;
        },
      },
    ];
  }
  return options;
}

// ---------------------------------------------------------------------------------------

runThroughputBench({
  script: 'graphql',
  db: DB,
  marker: `pgduet-bench graphql v${DB_VERSION}`,
  protocol: 'graphql',
  workloads: WORKLOADS,
  title: 'pgduet GraphQL (POST /graphql) vs baseline (node:http + pg Pool, one prepared statement per workload building the JSON in PostgreSQL)',
  prepare: resetScratch,
  pgduetPath: () => '/graphql',
  baselinePath: (key) => `/${key.toLowerCase()}`,
  loadOptions,
  check: (target, key) => ask(target, key, bodyOf(WORKLOADS[key], 0)),
  compareAnswers,
  profileOwn: false,
  footer: () => [
    'ratio: pgduet req/s ÷ baseline req/s (medians). stmt/req: Δ pgduet_db_statements_total{protocol="graphql"} ÷ Δ completed GraphQL',
    'requests (pgduet_http_requests_total) over the measured window; it counts the statements that plans compile to, not the',
    'BEGIN/COMMIT around a mutation (W5 sends begin, insert, commit: 3 round trips to PostgreSQL). The baseline: 1 by construction.',
    ...CPU_PER_REQUEST_NOTE,
    'latencies: of every 2xx response in the measured window. Answers compared as parsed JSON before measuring',
    `(W1: one request; W2: all ${CUSTOMERS} ids; W5: shape, ids excepted, and the rows written).`,
  ],
});
