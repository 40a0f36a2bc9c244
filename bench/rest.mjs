#!/usr/bin/env node
// pgduet REST throughput: W3 and W4 of shared/BENCH.md, pgduet's GET /rest/… (PostgREST's
// dialect) next to the baseline measured in the same run (bench/baseline-server.mjs: node:http
// + pg Pool max 10, one prepared statement per workload building the whole JSON in PostgreSQL).
// Requests/s, p50/p99 latency, SQL statements per request, the req/s ratio against BENCH.md's
// targets, and pgduet's RSS after all workloads. See bench/README.md.
//
//   npm run bench:rest                                     (builds, then runs this file)
//   node bench/rest.mjs --only W4 --rounds 3 --duration 5
//   node bench/rest.mjs --profile W3                       (pgduet alone under --cpu-prof)
//
// Plain ESM, node built-ins plus `pg` and `autocannon` (a devDependency). The server is
// dist/src/cli/bin.js: build it first.
import autocannon from 'autocannon';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ADMIN_URL,
  ROOT,
  commandLine,
  cpuTimeOf,
  dropDatabase,
  ensurePagilaDatabase,
  httpRequest,
  int,
  jsonDifferences,
  killAll,
  log,
  mb,
  median,
  memoryOf,
  msText,
  onCleanup,
  settledCounters,
  sleep,
  startBaselineServer,
  startPgduetServer,
  stop,
  summarizeProfile,
  table,
} from './common.mjs';

const CLI = join(ROOT, 'dist/src/cli/bin.js');
/**
 * The same database as graphql.mjs's (ensurePagilaDatabase: Pagila + BENCH.md's index and
 * scratch table) under its own name, so that a GraphQL run dropping its database at the end
 * cannot pull this one from under a REST run going on at the same time.
 */
const DB = 'pgduet_bench_rest';
/** Bump when the database this bench creates changes, so an old one kept with --keep is rebuilt. */
const DB_VERSION = 1;
const MARKER = `pgduet-bench rest v${DB_VERSION}`;
const POOL_SIZE = 10;
const MB = 1024 * 1024;
const TARGET_RSS_MB = 200;
const PROTOCOL = 'rest';

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
    target: 0.65,
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
};

const USAGE = `Usage: node bench/rest.mjs [--duration S] [--warmup S] [--rounds N] [--only W3,W4] [--connections N] [--keep]
       node bench/rest.mjs --profile W3 [--duration S] [--warmup S] [--connections N] [--keep]

  --duration S     measured seconds per target and round (default 10)
  --warmup S       seconds of load run first and discarded, before each measured window (default 3)
  --rounds N       rounds; each runs every workload on the baseline, then on pgduet (default 2);
                   medians are reported
  --only LIST      a subset of W3,W4 (default: both)
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
// the two servers: pgduet answers GET /rest/<resource>?<query>, the baseline GET /w3?<query>
// (the same query string, ignored: both servers read requests of about the same size)

async function startPgduet(nodeArgs = []) {
  const { child, port } = await startPgduetServer({ db: DB, workDir, poolSize: POOL_SIZE, nodeArgs });
  return { name: 'pgduet', child, port, path: (key) => `/rest/${WORKLOADS[key].resource}?${WORKLOADS[key].query}` };
}

async function startBaseline() {
  const { child, port } = await startBaselineServer({ db: DB });
  return { name: 'baseline', child, port, path: (key) => `/${key.toLowerCase()}?${WORKLOADS[key].query}` };
}

// ---------------------------------------------------------------------------------------
// same answers: checked before measuring

async function ask(target, key) {
  const answer = await httpRequest(target.port, target.path(key), { headers: { accept: 'application/json' } });
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

function loadOptions(key, target, seconds, connections) {
  return {
    url: `http://127.0.0.1:${target.port}${target.path(key)}`,
    method: 'GET',
    headers: { accept: 'application/json' },
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 30,
    // a 2xx that is not a JSON array is a failure too (counted as a mismatch)
    verifyBody: (body) => body.startsWith('['),
  };
}

/** One autocannon window: completed requests, req/s and latencies (ms, from every 2xx response). */
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

/** Warm-up (discarded; it aborts too), then the measured window; for pgduet, statements per request from /metrics. */
async function measure(key, target, options) {
  if (options.warmup > 0) {
    const warm = await load(key, target, options.warmup, options.connections);
    if (warm.failures > 0) throw new Error(`${target.name} ${key}: ${warm.detail} in the warm-up`);
  }
  // the warm-up's cut-off requests finish before the window opens (pgduet: until its counters settle)
  const before = target.name === 'pgduet' ? await settledCounters(target.port, PROTOCOL) : await sleep(400);
  const cpuBefore = cpuTimeOf(target.child.pid);
  const result = await load(key, target, options.duration, options.connections);
  // the server's own CPU (user + system, all its threads) per completed request of the window
  result.cpuPerRequest = (cpuTimeOf(target.child.pid) - cpuBefore) / result.completed;
  if (result.failures > 0) throw new Error(`${target.name} ${key}: ${result.detail} in the measured window`);
  if (before !== undefined) {
    const after = await settledCounters(target.port, PROTOCOL);
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

async function profile(key, options) {
  const dir = join(workDir, 'cpu-profile');
  const server = await startPgduet(['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    await ask(server, key); // a 2xx JSON array, or it throws
    if (options.warmup > 0) await load(key, server, options.warmup, options.connections);
    const from = Number(process.hrtime.bigint() / 1000n);
    const result = await load(key, server, options.duration, options.connections);
    const to = Number(process.hrtime.bigint() / 1000n);
    if (result.failures > 0) throw new Error(`pgduet ${key}: ${result.detail} in the profiled window`);
    log(`profiled ${key}: ${Math.round(result.rps)} req/s over ${options.duration} s (${result.detail})`);
    await stop(server.child, 30_000);
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
    if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir} (did the server exit cleanly?):\n${server.child.output}`);
    const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')), [from, to]);
    const pct = (us) => `${((100 * us) / summary.total).toFixed(1)} %`;
    const busy = summary.total - summary.idle;
    const pctBusy = (us, name) => (name === '(idle)' || name === '(idle) (native/VM)' ? '—' : `${((100 * us) / busy).toFixed(1)} %`);
    const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
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
    out.push(table(['#', 'file:line:function', 'self', '% all', '% busy'], summary.functions.map(([k, us], i) => [String(i + 1), k, ms(us), pct(us), pctBusy(us, k)]), [true, false, true, true, true]));
    out.push('');
    out.push(`pgduet's own code (dist/src/…, line numbers of the built .js): ${ms(summary.ownTotal)}, ${pctBusy(summary.ownTotal)} of busy; top functions:`);
    out.push('');
    out.push(table(['#', 'file:line:function', 'self', '% all', '% busy'], summary.own.map(([k, us], i) => [String(i + 1), k, ms(us), pct(us), pctBusy(us)]), [true, false, true, true, true]));
    out.push('');
    out.push('by package:');
    out.push('');
    out.push(table(['package', 'self', '% all', '% busy'], summary.packages.map(([k, us]) => [k, ms(us), pct(us), pctBusy(us, k)]), [false, true, true, true]));
    out.push('');
    out.push('by file:');
    out.push('');
    out.push(table(['file', 'self', '% all', '% busy'], summary.files.map(([k, us]) => [k, ms(us), pct(us), pctBusy(us, k)]), [false, true, true, true]));
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stop(server.child);
  }
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
        only: { type: 'string', default: 'W3,W4' },
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
  for (const key of keys) if (!(key in WORKLOADS)) throw new UsageError(`--only: unknown workload "${key}" (expected W3, W4)`);
  const selected = Object.keys(WORKLOADS).filter((k) => keys.includes(k));
  if (selected.length === 0) throw new UsageError('--only: no workload');
  const profileKey = values.profile?.trim().toUpperCase();
  if (profileKey !== undefined && !(profileKey in WORKLOADS)) throw new UsageError(`--profile: unknown workload "${values.profile}" (expected W3, W4)`);
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run "npm run build" first (npm run bench:rest does)`);

  process.stdout.write(`$ ${commandLine()}\n`);
  workDir = mkdtempSync(join(tmpdir(), 'pgduet-bench-rest-'));
  try {
    await ensurePagilaDatabase(DB, MARKER);
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
      log(`${key}: ${checks[key].same ? 'same answer' : 'ANSWERS DIFFER'}`);
      for (const d of [...checks[key].details, ...checks[key].notes]) log(`  ${d}`);
    }

    const samples = Object.fromEntries(selected.map((k) => [k, { baseline: [], pgduet: [] }]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const key of selected) {
        for (const target of [baseline, pgduet]) {
          const r = await measure(key, target, options);
          samples[key][target.name].push(r);
          log(`round ${round}/${options.rounds} ${key} ${target.name.padEnd(8)} ${int(r.rps).padStart(6)} req/s  p50 ${msText(r.p50)}  p99 ${msText(r.p99)}  ${r.perRequest.toFixed(2)} stmt/req  ${r.cpuPerRequest.toFixed(3)} ms CPU/req`);
        }
      }
    }
    const pgduetMemory = memoryOf(pgduet.child.pid);
    const baselineMemory = memoryOf(baseline.child.pid);
    await stop(pgduet.child);
    await stop(baseline.child);

    // ---- the report
    const rows = [];
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
          cpu: median(s.map((r) => r.cpuPerRequest)),
          rounds: s.map((r) => int(r.rps)).join(' / '),
        };
      }
      const ratio = stats.pgduet.rps / stats.baseline.rps;
      const met = ratio >= workload.target;
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
          `${s.cpu.toFixed(3)} ms`,
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
    out.push(`pgduet REST (GET /rest/…, PostgREST dialect) vs baseline (node:http + pg Pool, one prepared statement per workload building the JSON in PostgreSQL)`);
    out.push(
      `autocannon, ${options.connections} connections, keep-alive, ${options.warmup} s warm-up discarded + ${options.duration} s measured per target, ` +
        `${options.rounds} round${options.rounds === 1 ? '' : 's'} interleaved (baseline, pgduet, baseline, pgduet), medians; pool size ${POOL_SIZE} each; node ${process.version}`,
    );
    out.push('');
    out.push(
      table(
        ['workload', 'target', 'req/s', 'req/s per round', 'p50', 'p99', 'stmt/req', 'CPU/req', 'ratio', 'goal', 'met?', 'same answer?'],
        rows,
        [false, false, true, true, true, true, true, true, true, false, false, false],
      ),
    );
    out.push('');
    out.push(
      `pgduet RSS after all workloads: ${mb(pgduetMemory.rss)} (VmRSS; peak VmHWM ${mb(pgduetMemory.hwm)}), target ≤ ${TARGET_RSS_MB} MB: ${rssOk ? 'met' : 'NOT met'}` +
        ` — baseline: ${mb(baselineMemory.rss)} (peak ${mb(baselineMemory.hwm)})`,
    );
    out.push('');
    for (const key of selected) out.push(`${key}: GET /rest/${WORKLOADS[key].resource}?${WORKLOADS[key].query}`);
    out.push('');
    out.push('ratio: pgduet req/s ÷ baseline req/s (medians). stmt/req: Δ pgduet_db_statements_total{protocol="rest"} ÷ Δ completed REST');
    out.push('requests (pgduet_http_requests_total{protocol="rest"}) over the measured window; the baseline: 1 by construction.');
    out.push('CPU/req: the server process\'s CPU time (user + system, /proc/<pid>/stat) over the window ÷ completed requests; PostgreSQL');
    out.push('shares the same 2 cores, so every ms the server spends is taken from it.');
    out.push('latencies: of every 2xx response in the measured window; any error, non-2xx or body not starting with "[" aborts.');
    out.push('Answers compared as parsed JSON before measuring, key order included (W4: each customer\'s rentals as a multiset —');
    out.push('the embed has no order, in the request as in pgduet\'s SQL).');
    for (const key of selected) for (const n of checks[key].notes) out.push(`${key}: ${n}`);
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
        await dropDatabase(DB);
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
