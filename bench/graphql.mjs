#!/usr/bin/env node
// pgduet GraphQL throughput: W1, W2 and W5 of shared/BENCH.md, pgduet's POST /graphql next to
// the baseline measured in the same run (bench/baseline-server.mjs: node:http + pg Pool max
// 10, one prepared statement per workload building the whole JSON in PostgreSQL).
// Requests/s, p50/p99 latency, SQL statements per request, the req/s ratio against BENCH.md's
// targets, and pgduet's RSS after all workloads. See bench/README.md.
//
//   npm run bench:graphql                                  (builds, then runs this file)
//   node bench/graphql.mjs --only W2 --rounds 3 --duration 5
//   node bench/graphql.mjs --profile W1                    (pgduet alone under --cpu-prof)
//
// Plain ESM, node built-ins plus `pg` and `autocannon` (a devDependency). The server is
// dist/src/cli/bin.js: build it first.
import autocannon from 'autocannon';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_URL, PAGILA_DIR, ROOT, freePort, table, urlFor, withClient, killAll, onCleanup, run, spawnTracked, stop } from './common.mjs';

const CLI = join(ROOT, 'dist/src/cli/bin.js');
const BASELINE = join(ROOT, 'bench/baseline-server.mjs');
const DB = 'pgduet_bench_graphql';
/** Bump when the database this bench creates changes, so an old one kept with --keep is rebuilt. */
const DB_VERSION = 1;
const POOL_SIZE = 10;
const READY_TIMEOUT_MS = 60_000;
const MB = 1024 * 1024;
const TARGET_RSS_MB = 200;

// ---------------------------------------------------------------------------------------
// the workloads (shared/BENCH.md)

/** W2's id cycles 1..599 (Pagila's customers); W5's note carries a counter. */
const CUSTOMERS = 599;

const WORKLOADS = {
  W1: {
    what: '50 films + language + actors (many-to-many)',
    target: 0.6,
    query: '{ film(limit: 50, order_by: {film_id: asc}) { film_id title release_year language { name } film_actors { actor { first_name last_name } } } }',
    variables: undefined,
  },
  W2: {
    what: 'customer by key + address + city',
    target: 0.45,
    query: 'query($id: Int!) { customer_by_pk(customer_id: $id) { customer_id first_name last_name email address { address district phone city { city } } } }',
    variables: (i) => ({ id: (i % CUSTOMERS) + 1 }),
  },
  W5: {
    what: 'insert one row, return its id',
    target: 0.7,
    query: 'mutation($note: String) { insert_bench_scratch_one(object: {note: $note}) { id } }',
    variables: (i) => ({ note: `bench ${i}` }),
  },
};

const bodyOf = (workload, i) => JSON.stringify({ query: workload.query, ...(workload.variables ? { variables: workload.variables(i) } : {}) });

const USAGE = `Usage: node bench/graphql.mjs [--duration S] [--warmup S] [--rounds N] [--only W1,W2,W5] [--connections N] [--keep]
       node bench/graphql.mjs --profile W1 [--duration S] [--warmup S] [--connections N] [--keep]

  --duration S     measured seconds per target and round (default 10)
  --warmup S       seconds of load run first and discarded, before each measured window (default 3)
  --rounds N       rounds; each runs every workload on the baseline, then on pgduet (default 2);
                   medians are reported
  --only LIST      a subset of W1,W2,W5 (default: all three)
  --connections N  concurrent keep-alive connections (default 32)
  --keep           keep the database ${DB} at the end (the next run reuses it)
  --profile W      instead: run pgduet alone under workload W with node --cpu-prof for
                   --duration seconds (after --warmup), print its top self-time functions

Environment: PGDUET_BENCH_ADMIN_URL (default ${ADMIN_URL}),
PGDUET_BENCH_DATA (directory of pagila-schema.sql and pagila-data.sql, default ../shared/data).`;

/** A mistake on the command line: printed as one line, no stack. */
class UsageError extends Error {}

/** temporary folder (pgduet.yaml, cpu profiles), removed on any exit */
let workDir;
onCleanup(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});


// ---------------------------------------------------------------------------------------
// HTTP


/** One request on a fresh connection: { status, body } or undefined when nothing answers. */
function http(port, path, { method = 'GET', body } = {}) {
  return new Promise((resolveHttp) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolveHttp({ status: res.statusCode, body: text }));
      res.on('error', () => resolveHttp(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveHttp(undefined));
    req.end(body);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /ready until a 200; returns its body. */
async function waitReady(child, port, label) {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited (${child.signalCode ?? `exit ${child.exitCode}`}) before /ready answered 200:\n${child.output}`);
    }
    const answer = await http(port, '/ready');
    if (answer?.status === 200) return answer.body;
    if (performance.now() - started > READY_TIMEOUT_MS) {
      throw new Error(`${label}: /ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${answer?.status ?? 'no answer'} ${answer?.body ?? ''}):\n${child.output}`);
    }
    await sleep(20);
  }
}

/** `name{labels} value` lines of Prometheus text whose name and labels match, summed. */
function metricSum(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** pgduet's counters of GraphQL statements and requests (completed, any status). */
async function readCounters(port) {
  const answer = await http(port, '/metrics');
  if (answer?.status !== 200) throw new Error(`GET /metrics answered ${answer?.status ?? 'nothing'}`);
  if (!answer.body.includes('pgduet_db_statements_total')) throw new Error('GET /metrics has no pgduet_db_statements_total');
  return {
    statements: metricSum(answer.body, 'pgduet_db_statements_total', { protocol: 'graphql' }),
    requests: metricSum(answer.body, 'pgduet_http_requests_total', { protocol: 'graphql' }),
  };
}

/**
 * The counters once they stop moving: a request the load generator cut off when its window
 * closed is counted (on `close`) at once, but its resolvers go on and run their statements.
 */
async function settledCounters(port) {
  let last = await readCounters(port);
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const now = await readCounters(port);
    if (now.statements === last.statements && now.requests === last.requests) return now;
    last = now;
  }
  throw new Error('pgduet kept running GraphQL statements 10 s after the load stopped');
}

/** VmRSS and VmHWM of a live process, in bytes. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const read = (key) => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    if (match === null) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: read('VmRSS'), hwm: read('VmHWM') };
}

// ---------------------------------------------------------------------------------------
// the database: Pagila + BENCH.md's index and scratch table



const MARKER = `pgduet-bench graphql v${DB_VERSION}`;

async function ensureDatabase() {
  const exists = await withClient(ADMIN_URL, async (c) => (await c.query('select 1 from pg_database where datname = $1', [DB])).rowCount > 0);
  if (exists) {
    const marker = await withClient(urlFor(DB), async (c) => (await c.query("select shobj_description((select oid from pg_database where datname = current_database()), 'pg_database') as m")).rows[0].m);
    if (marker === MARKER) {
      log(`${DB}: reusing`);
      return;
    }
  }
  const started = performance.now();
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${DB} with (force)`);
    await c.query(`create database ${DB}`);
  });
  const url = urlFor(DB);
  for (const file of ['pagila-schema.sql', 'pagila-data.sql']) {
    const path = join(PAGILA_DIR, file);
    if (!existsSync(path)) throw new Error(`${path} not found (set PGDUET_BENCH_DATA)`);
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', url, '-f', path]);
  }
  await withClient(url, async (c) => {
    await c.query(`
      create index if not exists rental_customer_id_idx on rental (customer_id);
      create table if not exists bench_scratch (id serial primary key, note text);`);
    await c.query(`comment on database ${DB} is '${MARKER}'`);
    // settle the freshly loaded pages (hint bits, visibility map, statistics) before measuring
    await c.query('vacuum (analyze)');
    await c.query('checkpoint');
  });
  log(`${DB}: created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** W5's table starts empty in every run (and does not grow across kept runs). */
async function resetScratch() {
  await withClient(urlFor(DB), (c) => c.query('truncate bench_scratch restart identity'));
}

async function dropDatabase() {
  await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${DB} with (force)`));
}

// ---------------------------------------------------------------------------------------
// the two servers

function cleanEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const key of ['PGDUET_SCHEMAS', 'PORT', 'HOST', 'LOG_LEVEL', 'NODE_OPTIONS']) if (!(key in extra)) delete env[key];
  return env;
}

/** pgduet: `node [nodeArgs] dist/src/cli/bin.js serve --port N --log-level warn`, pool size 10 from a pgduet.yaml. */
async function startPgduet(nodeArgs = []) {
  const port = await freePort();
  const config = join(workDir, 'pgduet.yaml');
  writeFileSync(config, `database:\n  poolSize: ${POOL_SIZE}\n  schemas: [public]\n`);
  const args = [...nodeArgs, CLI, 'serve', '--port', String(port), '--log-level', 'warn'];
  const child = spawnTracked(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv({ DATABASE_URL: urlFor(DB), PGDUET_CONFIG: config, PGDUET_LOG_LEVEL: 'warn' }),
  });
  const ready = JSON.parse(await waitReady(child, port, 'pgduet'));
  if (ready.status !== 'ready') throw new Error(`pgduet: /ready says ${JSON.stringify(ready)}`);
  return { name: 'pgduet', child, port, path: () => '/graphql' };
}

async function startBaseline() {
  const port = await freePort();
  const child = spawnTracked(process.execPath, [BASELINE], { cwd: ROOT, env: cleanEnv({ DATABASE_URL: urlFor(DB), PORT: String(port) }) });
  await waitReady(child, port, 'baseline');
  return { name: 'baseline', child, port, path: (key) => `/${key.toLowerCase()}` };
}

// ---------------------------------------------------------------------------------------
// same answers: checked before measuring

/** Where two parsed JSON values differ: up to `max` lines `path: baseline …, pgduet …`. */
function differences(a, b, path = '$', out = [], max = 5) {
  if (out.length >= max) return out;
  const show = (v) => {
    const text = JSON.stringify(v);
    return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: baseline has ${a.length} items, pgduet ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) differences(a[i], b[i], `${path}[${i}]`, out, max);
    return out;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join('\u0000') !== kb.join('\u0000')) out.push(`${path}: baseline keys [${ka.join(', ')}], pgduet keys [${kb.join(', ')}]`);
    for (const key of ka) if (key in b) differences(a[key], b[key], `${path}.${key}`, out, max);
    return out;
  }
  if (!isDeepStrictEqual(a, b)) out.push(`${path}: baseline ${show(a)}, pgduet ${show(b)}`);
  return out;
}

/** Replaces the values of `id` keys by their type: W5's ids differ, its shape must not. */
const shapeOf = (value) =>
  Array.isArray(value)
    ? value.map(shapeOf)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'id' ? (Number.isInteger(v) && v > 0 ? '<positive integer>' : `<not a positive integer: ${JSON.stringify(v)}>`) : shapeOf(v)]))
      : value;

async function ask(target, key, body) {
  const answer = await http(target.port, target.path(key), { method: 'POST', body });
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
  const count = key === 'W2' ? CUSTOMERS : 1;
  for (let i = 0; i < count && details.length < 5; i++) {
    const body = bodyOf(workload, key === 'W5' ? -1 - i : i);
    const [a, b] = [await ask(baseline, key, body), await ask(pgduet, key, body)];
    requests++;
    const label = workload.variables ? ` (variables ${JSON.stringify(workload.variables(key === 'W5' ? -1 - i : i))})` : '';
    if (key === 'W5') {
      for (const d of differences(shapeOf(a), shapeOf(b))) details.push(`${d}${label}`);
      // the rows must exist, with the note that was sent
      const ids = [a.data?.insert_bench_scratch_one?.id, b.data?.insert_bench_scratch_one?.id];
      const { rows } = await withClient(urlFor(DB), (c) => c.query('select id, note from bench_scratch where id = any($1::int[]) order by id', [ids.filter(Number.isInteger)]));
      const note = workload.variables(-1 - i).note;
      if (ids[0] === ids[1]) details.push(`both answered id ${ids[0]}`);
      if (rows.length !== 2 || rows.some((r) => r.note !== note)) details.push(`bench_scratch rows for ids ${ids.join(', ')}: ${JSON.stringify(rows)}, expected two with note ${JSON.stringify(note)}`);
    } else {
      for (const d of differences(a, b)) details.push(`${d}${label}`);
    }
  }
  return { same: details.length === 0, requests, details };
}

// ---------------------------------------------------------------------------------------
// load

/** W2 and W5 vary the body per request with one counter per run (W2: ids 1, 2, …, 599, 1, …). */
function loadOptions(key, target, seconds, connections) {
  const workload = WORKLOADS[key];
  const options = {
    url: `http://127.0.0.1:${target.port}${target.path(key)}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    // a 200 that carries GraphQL errors is a failure too (counted as a mismatch)
    verifyBody: (body) => body.startsWith('{"data"') && !body.includes('"errors"'),
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

/** One autocannon window: completed requests, req/s and latencies (ms, from every response). */
async function load(key, target, seconds, connections) {
  const latencies = [];
  const instance = autocannon(loadOptions(key, target, seconds, connections));
  instance.on('response', (_client, status, _bytes, responseTime) => {
    if (status >= 200 && status < 300) latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((p, q) => p - q);
  const pct = (p) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
  const completed = result.requests.total;
  return {
    completed,
    ok: result['2xx'],
    rps: completed / result.duration,
    p50: pct(50),
    p99: pct(99),
    failures: result.errors + result.non2xx + result.mismatches,
    detail: `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, mismatches ${result.mismatches}`,
  };
}

/** Warm-up (discarded), then the measured window; for pgduet, statements per request from /metrics. */
async function measure(key, target, options) {
  if (options.warmup > 0) await load(key, target, options.warmup, options.connections);
  // the warm-up's cut-off requests finish before the window opens (pgduet: until its counters settle)
  const before = target.name === 'pgduet' ? await settledCounters(target.port) : await sleep(400);
  const result = await load(key, target, options.duration, options.connections);
  if (result.failures > 0) throw new Error(`${target.name} ${key}: ${result.detail} in the measured window`);
  if (before !== undefined) {
    const after = await settledCounters(target.port);
    result.statements = after.statements - before.statements;
    result.serverRequests = after.requests - before.requests;
    result.perRequest = result.statements / result.serverRequests;
  } else {
    result.perRequest = 1; // one prepared statement per request, by construction
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// cpu profile

/**
 * Top self-time entries of a .cpuprofile, by function and by file, over the samples taken
 * within `window` ([from, to] in µs of the monotonic clock, which V8's timestamps use too on
 * Linux); all samples when none falls in it.
 */
function summarizeProfile(profile, window) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const tally = (inWindow) => {
    const self = new Map();
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = profile.timeDeltas[i] ?? 0;
      t += delta;
      if (!inWindow(t)) continue;
      const id = profile.samples[i];
      self.set(id, (self.get(id) ?? 0) + delta);
    }
    return self;
  };
  let self = tally((t) => t >= window[0] && t <= window[1]);
  const windowed = self.size > 0;
  if (!windowed) self = tally(() => true);
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const shortUrl = (url) => {
    if (url === '') return '';
    let path = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (path.startsWith(`${ROOT}/`)) path = relative(ROOT, path);
    return path;
  };
  const byFunction = new Map();
  const byFile = new Map();
  const byPackage = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const file = shortUrl(url);
    if (functionName === '(idle)') idle += us;
    const fnKey = file === '' ? functionName || '(anonymous)' : `${file}:${lineNumber + 1}:${functionName || '(anonymous)'}`;
    byFunction.set(fnKey, (byFunction.get(fnKey) ?? 0) + us);
    const fileKey = file === '' ? functionName : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
    byPackage.set(packageOf(file, functionName), (byPackage.get(packageOf(file, functionName)) ?? 0) + us);
  }
  const top = (map, n) => [...map.entries()].sort((p, q) => q[1] - p[1]).slice(0, n);
  return { total, idle, windowed, functions: top(byFunction, 25), files: top(byFile, 15), packages: top(byPackage, 15) };
}

/** `node_modules/@scope/name/…` → `@scope/name`; `dist/src/graphql/…` → `pgduet src/graphql`; `node:…` → node internals. */
function packageOf(file, functionName) {
  if (file === '') return `${functionName} (native/VM)`;
  const modules = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (modules !== null) return modules[1];
  const own = /^dist\/src\/([^/]+)\//.exec(file);
  if (own !== null) return `pgduet src/${own[1]}`;
  if (file.startsWith('node:')) return 'node (lib)';
  return file;
}

async function profile(key, options) {
  const dir = join(workDir, 'cpu-profile');
  const server = await startPgduet(['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    const check = await ask(server, key, bodyOf(WORKLOADS[key], 0));
    if (check.data === undefined) throw new Error(`pgduet ${key}: no data`);
    if (options.warmup > 0) await load(key, server, options.warmup, options.connections);
    const from = Number(process.hrtime.bigint() / 1000n);
    const result = await load(key, server, options.duration, options.connections);
    const to = Number(process.hrtime.bigint() / 1000n);
    log(`profiled ${key}: ${Math.round(result.rps)} req/s over ${options.duration} s (${result.detail})`);
    await stop(server.child, 30_000);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
    if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir} (did the server exit cleanly?):\n${server.child.output}`);
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')), [from, to]);
    const pct = (us) => `${((100 * us) / summary.total).toFixed(1)} %`;
    const busy = summary.total - summary.idle;
    const pctBusy = (us) => `${((100 * us) / busy).toFixed(1)} %`;
    const out = [];
    out.push('');
    out.push(`pgduet under ${key} (${WORKLOADS[key].what}): node --cpu-prof on the server process, ${options.connections} connections,`);
    out.push(`${options.warmup} s warm-up, then ${options.duration} s at ${int(result.rps)} req/s; self time (in the function itself, not its callees), main thread,`);
    out.push(
      summary.windowed
        ? `samples of the ${options.duration} s window only: ${(summary.total / 1e6).toFixed(1)} s sampled, (idle) ${pct(summary.idle)}; "% busy" excludes (idle)`
        : `all samples of the process (no sample matched the window's clock): ${(summary.total / 1e6).toFixed(1)} s, (idle) ${pct(summary.idle)}; "% busy" excludes (idle)`,
    );
    out.push('samples are wall-clock: a native frame (writev, read) also holds the time the thread waited for a core after waking PostgreSQL');
    out.push('');
    out.push(table(['#', 'file:line:function', 'self', '% all', '% busy'], summary.functions.map(([k, us], i) => [String(i + 1), k, `${(us / 1000).toFixed(0)} ms`, pct(us), pctBusy(us)]), [true, false, true, true, true]));
    out.push('');
    out.push('by package:');
    out.push('');
    out.push(table(['package', 'self', '% all', '% busy'], summary.packages.map(([k, us]) => [k, `${(us / 1000).toFixed(0)} ms`, pct(us), pctBusy(us)]), [false, true, true, true]));
    out.push('');
    out.push('by file:');
    out.push('');
    out.push(table(['file', 'self', '% all', '% busy'], summary.files.map(([k, us]) => [k, `${(us / 1000).toFixed(0)} ms`, pct(us), pctBusy(us)]), [false, true, true, true]));
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stop(server.child);
  }
}

// ---------------------------------------------------------------------------------------
// report

const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const int = (n) => Math.round(n).toLocaleString('en-US');
const msText = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;


function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/** The command as typed (npm scripts run `node bench/graphql.mjs …`). */
function commandLine() {
  const direct = ['node', relative(process.cwd(), process.argv[1]) || process.argv[1], ...process.argv.slice(2)].join(' ');
  const script = process.env.npm_lifecycle_event;
  return script === undefined ? direct : `npm run ${script}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}   (= npm run build --silent && ${direct})`;
}

// ---------------------------------------------------------------------------------------

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '3' },
        rounds: { type: 'string', default: '2' },
        only: { type: 'string', default: 'W1,W2,W5' },
        connections: { type: 'string', default: '32' },
        keep: { type: 'boolean', default: false },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error.message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = {
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    rounds: Number(values.rounds),
    connections: Number(values.connections),
  };
  if (!(options.duration > 0)) throw new UsageError('--duration must be a positive number of seconds');
  if (!(options.warmup >= 0)) throw new UsageError('--warmup must be a number of seconds, 0 or more');
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new UsageError('--rounds must be a positive integer');
  if (!Number.isInteger(options.connections) || options.connections < 1) throw new UsageError('--connections must be a positive integer');
  const keys = values.only.split(',').map((k) => k.trim().toUpperCase()).filter((k) => k !== '');
  for (const key of keys) if (!(key in WORKLOADS)) throw new UsageError(`--only: unknown workload "${key}" (expected W1, W2, W5)`);
  const selected = Object.keys(WORKLOADS).filter((k) => keys.includes(k));
  if (selected.length === 0) throw new UsageError('--only: no workload');
  const profileKey = values.profile?.trim().toUpperCase();
  if (profileKey !== undefined && !(profileKey in WORKLOADS)) throw new UsageError(`--profile: unknown workload "${values.profile}" (expected W1, W2, W5)`);
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run "npm run build" first (npm run bench:graphql does)`);

  process.stdout.write(`$ ${commandLine()}\n`);
  workDir = mkdtempSync(join(tmpdir(), 'pgduet-bench-graphql-'));
  try {
    await ensureDatabase();
    await resetScratch();
    if (profileKey !== undefined) {
      await profile(profileKey, options);
      return;
    }

    const baseline = await startBaseline();
    const pgduet = await startPgduet();
    log(`baseline on :${baseline.port} (pid ${baseline.child.pid}), pgduet on :${pgduet.port} (pid ${pgduet.child.pid})`);

    // before measuring: each workload's answer, pgduet against the baseline
    const checks = {};
    for (const key of selected) {
      checks[key] = await compareAnswers(key, baseline, pgduet);
      log(`${key}: ${checks[key].same ? 'same answer' : 'ANSWERS DIFFER'} (${checks[key].requests} request${checks[key].requests === 1 ? '' : 's'} compared)`);
      for (const d of checks[key].details) log(`  ${d}`);
    }

    const samples = Object.fromEntries(selected.map((k) => [k, { baseline: [], pgduet: [] }]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const key of selected) {
        for (const target of [baseline, pgduet]) {
          const r = await measure(key, target, options);
          samples[key][target.name].push(r);
          log(`round ${round}/${options.rounds} ${key} ${target.name.padEnd(8)} ${int(r.rps).padStart(6)} req/s  p50 ${msText(r.p50)}  p99 ${msText(r.p99)}  ${r.perRequest.toFixed(2)} stmt/req`);
        }
      }
    }
    const pgduetMemory = memoryOf(pgduet.child.pid);
    const baselineMemory = memoryOf(baseline.child.pid);
    await stop(pgduet.child);
    await stop(baseline.child);

    // ---- the report
    const rows = [];
    const verdicts = [];
    for (const key of selected) {
      const workload = WORKLOADS[key];
      const stats = {};
      for (const name of ['baseline', 'pgduet']) {
        const s = samples[key][name];
        stats[name] = {
          rps: median(s.map((r) => r.rps)),
          p50: median(s.map((r) => r.p50)),
          p99: median(s.map((r) => r.p99)),
          perRequest: median(s.map((r) => r.perRequest)),
          rounds: s.map((r) => int(r.rps)).join(' / '),
        };
      }
      const ratio = stats.pgduet.rps / stats.baseline.rps;
      const met = ratio >= workload.target;
      verdicts.push({ key, ratio, met });
      const same = checks[key].same ? 'yes' : 'NO (see below)';
      for (const name of ['baseline', 'pgduet']) {
        const s = stats[name];
        const isPgduet = name === 'pgduet';
        rows.push([
          name === 'baseline' ? `${key} ${workload.what}` : '',
          name,
          int(s.rps),
          s.rounds,
          msText(s.p50),
          msText(s.p99),
          isPgduet ? s.perRequest.toFixed(2) : '1',
          isPgduet ? ratio.toFixed(2) : '1.00',
          isPgduet ? `≥ ${workload.target.toFixed(2)}` : '',
          isPgduet ? (met ? 'met' : 'NOT met') : '',
          isPgduet ? same : '',
        ]);
      }
    }
    const rssOk = pgduetMemory.rss / MB <= TARGET_RSS_MB;
    const out = [];
    out.push('');
    out.push(`pgduet GraphQL (POST /graphql) vs baseline (node:http + pg Pool, one prepared statement per workload building the JSON in PostgreSQL)`);
    out.push(
      `autocannon, ${options.connections} connections, keep-alive, ${options.warmup} s warm-up discarded + ${options.duration} s measured per target, ` +
        `${options.rounds} round${options.rounds === 1 ? '' : 's'} interleaved (baseline, pgduet, baseline, pgduet), medians; pool size ${POOL_SIZE} each; node ${process.version}`,
    );
    out.push('');
    out.push(
      table(
        ['workload', 'target', 'req/s', 'req/s per round', 'p50', 'p99', 'stmt/req', 'ratio', 'goal', 'met?', 'same answer?'],
        rows,
        [false, false, true, true, true, true, true, true, false, false, false],
      ),
    );
    out.push('');
    out.push(
      `pgduet RSS after all workloads: ${mb(pgduetMemory.rss)} (VmRSS; peak VmHWM ${mb(pgduetMemory.hwm)}), target ≤ ${TARGET_RSS_MB} MB: ${rssOk ? 'met' : 'NOT met'}` +
        ` — baseline: ${mb(baselineMemory.rss)} (peak ${mb(baselineMemory.hwm)})`,
    );
    out.push('');
    out.push('ratio: pgduet req/s ÷ baseline req/s (medians). stmt/req: Δ pgduet_db_statements_total{protocol="graphql"} ÷ Δ completed GraphQL');
    out.push('requests (pgduet_http_requests_total) over the measured window; it counts the statements that plans compile to, not the');
    out.push('BEGIN/COMMIT around a mutation (W5 sends begin, insert, commit: 3 round trips to PostgreSQL). The baseline: 1 by construction.');
    out.push('latencies: of every 2xx response in the measured window. Answers compared as parsed JSON before measuring');
    out.push(`(W1: one request; W2: all ${CUSTOMERS} ids; W5: shape, ids excepted, and the rows written).`);
    const differing = selected.filter((k) => !checks[k].same);
    if (differing.length > 0) {
      out.push('');
      out.push('ANSWERS DIFFER:');
      for (const key of differing) for (const d of checks[key].details) out.push(`  ${key} ${d}`);
    }
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    killAll();
    if (!values.keep) {
      try {
        await dropDatabase();
        log(`dropped ${DB} (pass --keep to reuse it next time)`);
      } catch (error) {
        log(`could not drop ${DB}: ${error.message}`);
      }
    }
  }
}

main().catch((error) => {
  killAll();
  const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`bench: ${text}\n`);
  process.exitCode = 1;
});
