// What the benchmarks share: child processes (every process spawned is tracked and killed on
// any way out, so that no server outlives a benchmark), the database URL, a free port, and
// the side-by-side table.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequestRaw } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// ../shared/data beside the repository when it is there (the project's shared copy), else the
// copy the repository carries for its tests, so a fresh clone benchmarks as it is.
const SHARED_PAGILA = resolve(ROOT, '../shared/data');
export const PAGILA_DIR =
  process.env.PGDUET_BENCH_DATA ??
  (existsSync(join(SHARED_PAGILA, 'pagila-schema.sql')) ? SHARED_PAGILA : resolve(ROOT, 'test/fixtures/pagila'));
export const ADMIN_URL = process.env.PGDUET_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const live = new Set();
const cleanups = [];

export function killAll(signal = 'SIGKILL') {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` when the process exits, after the children are killed (temp folders…). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

process.on('exit', () => {
  killAll();
  for (const fn of cleanups) fn();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, killing child processes\n`);
    killAll();
    process.exit(130);
  });
}

/** Spawns and tracks a child; keeps the last 8 kB of its output for error messages. */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.output = '';
  const keep = (chunk) => {
    child.output = (child.output + chunk.toString()).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolveExit({ code, signal });
    });
    child.once('error', (error) => {
      live.delete(child);
      child.output += `\n${error.message}`;
      resolveExit({ code: -1, signal: null });
    });
  });
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer;
  const timedOut = new Promise((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const outcome = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/** Runs a command to completion and returns its standard output; rejects with its output when it fails. */
export async function run(command, args, options = {}) {
  const child = spawnTracked(command, args, options);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk.toString()));
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${child.output}`);
  return stdout;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export function urlFor(db) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url, application_name: 'pgduet-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function table(headers, rows, alignRight) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (alignRight[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (alignRight[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------
// Shared by the throughput benchmarks (bench/graphql.mjs, bench/rest.mjs; their harness,
// runThroughputBench, is at the end of this file): the Pagila database of shared/BENCH.md,
// HTTP, pgduet's counters, answers compared as parsed JSON, memory and CPU time, cpu profiles
// and the figures' formatting.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/**
 * The database of shared/BENCH.md, named `db`: Pagila (`psql` loads `pagila-schema.sql` and
 * `pagila-data.sql`), the index on `rental(customer_id)` and `bench_scratch`, vacuumed and
 * analysed, then a checkpoint; `marker` (a comment on the database) says it is complete, and
 * a database whose marker matches is reused as it is.
 */
export async function ensurePagilaDatabase(db, marker) {
  const exists = await withClient(ADMIN_URL, async (c) => (await c.query('select 1 from pg_database where datname = $1', [db])).rowCount > 0);
  if (exists) {
    const found = await withClient(urlFor(db), async (c) => (await c.query("select shobj_description((select oid from pg_database where datname = current_database()), 'pg_database') as m")).rows[0].m);
    if (found === marker) {
      log(`${db}: reusing`);
      return;
    }
  }
  const started = performance.now();
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${db} with (force)`);
    await c.query(`create database ${db}`);
  });
  const url = urlFor(db);
  for (const file of ['pagila-schema.sql', 'pagila-data.sql']) {
    const path = join(PAGILA_DIR, file);
    if (!existsSync(path)) throw new Error(`${path} not found (set PGDUET_BENCH_DATA)`);
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', url, '-f', path]);
  }
  await withClient(url, async (c) => {
    await c.query(`
      create index if not exists rental_customer_id_idx on rental (customer_id);
      create table if not exists bench_scratch (id serial primary key, note text);`);
    await c.query(`comment on database ${db} is '${marker}'`);
    // settle the freshly loaded pages (hint bits, visibility map, statistics) before measuring
    await c.query('vacuum (analyze)');
    await c.query('checkpoint');
  });
  log(`${db}: created in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export async function dropDatabase(db) {
  await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${db} with (force)`));
}

/** One request on a fresh connection: { status, headers, body } or undefined when nothing answers. */
export function httpRequest(port, path, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolveHttp) => {
    const all = body === undefined ? { ...headers } : { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body), ...headers };
    const req = httpRequestRaw({ host: '127.0.0.1', port, path, method, headers: all, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolveHttp({ status: res.statusCode, headers: res.headers, body: text }));
      res.on('error', () => resolveHttp(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveHttp(undefined));
    req.end(body);
  });
}

/** Polls GET /ready until a 200 (or throws after `timeoutMs`, or when the child exits); returns its body. */
export async function waitReady(child, port, label, timeoutMs = 60_000) {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited (${child.signalCode ?? `exit ${child.exitCode}`}) before /ready answered 200:\n${child.output}`);
    }
    const answer = await httpRequest(port, '/ready');
    if (answer?.status === 200) return answer.body;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${label}: /ready did not answer 200 within ${timeoutMs / 1000} s (last: ${answer?.status ?? 'no answer'} ${answer?.body ?? ''}):\n${child.output}`);
    }
    await sleep(20);
  }
}

/** `name{labels} value` lines of Prometheus text whose name and labels match, summed. */
export function metricSum(text, name, labels = {}) {
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

/** pgduet's counters of a protocol's statements and requests (completed, any status), from GET /metrics. */
export async function readCounters(port, protocol) {
  const answer = await httpRequest(port, '/metrics');
  if (answer?.status !== 200) throw new Error(`GET /metrics answered ${answer?.status ?? 'nothing'}`);
  if (!answer.body.includes('pgduet_db_statements_total')) throw new Error('GET /metrics has no pgduet_db_statements_total');
  return {
    statements: metricSum(answer.body, 'pgduet_db_statements_total', { protocol }),
    requests: metricSum(answer.body, 'pgduet_http_requests_total', { protocol }),
  };
}

/**
 * The counters once they stop moving: a request the load generator cut off when its window
 * closed is counted (on `close`) at once, but its statement may still run after that.
 */
export async function settledCounters(port, protocol) {
  let last = await readCounters(port, protocol);
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const now = await readCounters(port, protocol);
    if (now.statements === last.statements && now.requests === last.requests) return now;
    last = now;
  }
  throw new Error(`pgduet kept running ${protocol} statements 10 s after the load stopped`);
}

/** VmRSS and VmHWM of a live process, in bytes. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const read = (key) => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    if (match === null) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: read('VmRSS'), hwm: read('VmHWM') };
}

/**
 * CPU time (user + system, all threads) a live process has used so far, in ms, from
 * `/proc/<pid>/stat` (fields 14 and 15, in clock ticks of 1/100 s: USER_HZ on Linux).
 */
export function cpuTimeOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) is in parentheses and may hold blanks: count from after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Where two parsed JSON values differ: up to `max` lines `path: baseline …, pgduet …`. */
export function jsonDifferences(a, b, path = '$', out = [], max = 5) {
  if (out.length >= max) return out;
  const show = (v) => {
    const text = JSON.stringify(v);
    return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: baseline has ${a.length} items, pgduet ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) jsonDifferences(a[i], b[i], `${path}[${i}]`, out, max);
    return out;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join('\u0000') !== kb.join('\u0000')) out.push(`${path}: baseline keys [${ka.join(', ')}], pgduet keys [${kb.join(', ')}]`);
    for (const key of ka) if (key in b) jsonDifferences(a[key], b[key], `${path}.${key}`, out, max);
    return out;
  }
  if (!isDeepStrictEqual(a, b)) out.push(`${path}: baseline ${show(a)}, pgduet ${show(b)}`);
  return out;
}

/** Environment of a server child: `extra` on top of this process's, without the variables that would change what it serves. */
export function cleanEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const key of ['PGDUET_SCHEMAS', 'PGDUET_LOG_LEVEL', 'PGDUET_CONFIG', 'PORT', 'HOST', 'LOG_LEVEL', 'NODE_OPTIONS']) if (!(key in extra)) delete env[key];
  return env;
}

/**
 * pgduet: `node [nodeArgs] dist/src/cli/bin.js serve --port N [--log-level L]` on `db`, pool
 * size `poolSize` and schema `public` (plus `extraConfig`, YAML) from a pgduet.yaml written in `workDir`; spawned as `node`
 * itself (the pid is the server's). Resolves once /ready says ready.
 */
export async function startPgduetServer({ db, workDir, poolSize, nodeArgs = [], serverLog = 'default', extraConfig = '' }) {
  const port = await freePort();
  const config = join(workDir, `pgduet-${port}.yaml`);
  writeFileSync(config, `database:\n  poolSize: ${poolSize}\n  schemas: [public]\n${extraConfig}`);
  // 'default': no log option at all, so the server logs what `npm start` logs (one line per request)
  const logArgs = serverLog === 'default' ? [] : ['--log-level', serverLog];
  const args = [...nodeArgs, join(ROOT, 'dist/src/cli/bin.js'), 'serve', '--port', String(port), ...logArgs];
  const child = spawnTracked(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv({ DATABASE_URL: urlFor(db), PGDUET_CONFIG: config }),
  });
  const ready = JSON.parse(await waitReady(child, port, 'pgduet'));
  if (ready.status !== 'ready') throw new Error(`pgduet: /ready says ${JSON.stringify(ready)}`);
  return { child, port };
}

/** bench/baseline-server.mjs on `db`. */
export async function startBaselineServer({ db }) {
  const port = await freePort();
  const child = spawnTracked(process.execPath, [join(ROOT, 'bench/baseline-server.mjs')], { cwd: ROOT, env: cleanEnv({ DATABASE_URL: urlFor(db), PORT: String(port) }) });
  await waitReady(child, port, 'baseline');
  return { child, port };
}

/**
 * Top self-time entries of a .cpuprofile, by function, file and package, over the samples taken
 * within `window` ([from, to] in µs of the monotonic clock, which V8's timestamps use too on
 * Linux); all samples when none falls in it. `own` lists pgduet's functions (dist/src/…) only.
 */
export function summarizeProfile(profile, window, { functions = 25, own = 20 } = {}) {
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
  const byOwnFunction = new Map();
  const byFile = new Map();
  const byPackage = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const file = shortUrl(url);
    if (functionName === '(idle)') idle += us;
    const fnKey = file === '' ? functionName || '(anonymous)' : `${file}:${lineNumber + 1}:${functionName || '(anonymous)'}`;
    add(byFunction, fnKey, us);
    if (file.startsWith('dist/src/')) add(byOwnFunction, fnKey, us);
    add(byFile, file === '' ? functionName : file, us);
    add(byPackage, profilePackageOf(file, functionName), us);
  }
  const top = (map, n) => [...map.entries()].sort((p, q) => q[1] - p[1]).slice(0, n);
  const ownTotal = [...byOwnFunction.values()].reduce((s, v) => s + v, 0);
  return { total, idle, windowed, ownTotal, functions: top(byFunction, functions), own: top(byOwnFunction, own), files: top(byFile, 15), packages: top(byPackage, 15) };
}

/** `node_modules/@scope/name/…` → `@scope/name`; `dist/src/graphql/…` → `pgduet src/graphql`; `node:…` → node internals. */
export function profilePackageOf(file, functionName) {
  if (file === '') return `${functionName} (native/VM)`;
  const modules = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (modules !== null) return modules[1];
  const own = /^dist\/src\/([^/]+)\//.exec(file);
  if (own !== null) return `pgduet src/${own[1]}`;
  if (file.startsWith('node:')) return 'node (lib)';
  return file;
}

export const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const int = (n) => Math.round(n).toLocaleString('en-US');
export const msText = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
export const mb = (bytes) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** The command as typed (npm scripts run `node bench/….mjs …`). */
export function commandLine() {
  const direct = ['node', relative(process.cwd(), process.argv[1]) || process.argv[1], ...process.argv.slice(2)].join(' ');
  const script = process.env.npm_lifecycle_event;
  return script === undefined ? direct : `npm run ${script}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}   (= npm run build --silent && ${direct})`;
}

// ---------------------------------------------------------------------------------------
// The throughput benchmarks' harness: bench/graphql.mjs and bench/rest.mjs give their workloads
// and what is particular to their protocol; options, the database, the two servers, the
// answers checked before measuring, the rounds of load, the report and the cpu profile are here.

/** pgduet's pool size, as the baseline's Pool max (bench/baseline-server.mjs). */
export const POOL_SIZE = 10;
/** BENCH.md: pgduet's RSS after all workloads. */
export const TARGET_RSS_MB = 200;

/** The CPU/req column's note, under the table. */
export const CPU_PER_REQUEST_NOTE = [
  "CPU/req: the server process's CPU time (user + system, /proc/<pid>/stat) over the window ÷ completed requests; PostgreSQL",
  'shares the same 2 cores, so every ms the server spends is taken from it.',
];

/** A mistake on the command line: printed as one line, no stack. */
export class UsageError extends Error {}

function throughputUsage(script, keys, db) {
  const all = keys.length === 2 ? 'both' : keys.length === 3 ? 'all three' : 'all';
  return `Usage: node bench/${script}.mjs [--duration S] [--warmup S] [--rounds N] [--only ${keys.join(',')}] [--connections N] [--load wrk|autocannon] [--server-log L] [--keep]
       node bench/${script}.mjs --profile ${keys[0]} [--duration S] [--warmup S] [--connections N] [--keep]

  --duration S     measured seconds per target and round (default 10)
  --warmup S       seconds of load run first and discarded, before each measured window (default 3)
  --rounds N       rounds; each runs every workload on the baseline, then on pgduet (default 2);
                   medians are reported
  --only LIST      a subset of ${keys.join(',')} (default: ${all})
  --connections N  concurrent keep-alive connections (default 32)
  --load L         the load generator: wrk (a separate process, as BENCH.md measures; the default
                   when wrk is installed) or autocannon (in the bench's own process)
  --server-log L   pgduet's log level: default (what \`npm start\` logs: info, one line per
                   request) or a level (warn, error, …)
  --keep           keep the database ${db} at the end (the next run reuses it)
  --profile W      instead: run pgduet alone under workload W with node --cpu-prof for
                   --duration seconds (after --warmup), print its top self-time functions

Environment: PGDUET_BENCH_ADMIN_URL (default ${ADMIN_URL}),
PGDUET_BENCH_DATA (directory of pagila-schema.sql and pagila-data.sql, default ../shared/data, else test/fixtures/pagila).`;
}

/** The command line of a throughput benchmark: { usage } for --help, else { keep, options, selected, profileKey }. */
function parseThroughputArgs(script, workloads, db) {
  const keys = Object.keys(workloads);
  const usage = throughputUsage(script, keys, db);
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '3' },
        rounds: { type: 'string', default: '2' },
        only: { type: 'string', default: keys.join(',') },
        connections: { type: 'string', default: '32' },
        load: { type: 'string', default: wrkAvailable() ? 'wrk' : 'autocannon' },
        'server-log': { type: 'string', default: 'default' },
        keep: { type: 'boolean', default: false },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error.message}\n\n${usage}`);
  }
  if (values.help) return { usage };
  const options = {
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    rounds: Number(values.rounds),
    connections: Number(values.connections),
    load: values.load,
    serverLog: values['server-log'],
  };
  if (!['wrk', 'autocannon'].includes(options.load)) throw new UsageError('--load must be wrk or autocannon');
  if (options.load === 'wrk' && !wrkAvailable()) throw new UsageError('--load wrk: wrk is not installed (apt-get install wrk)');
  if (!(options.duration > 0)) throw new UsageError('--duration must be a positive number of seconds');
  if (!(options.warmup >= 0)) throw new UsageError('--warmup must be a number of seconds, 0 or more');
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new UsageError('--rounds must be a positive integer');
  if (!Number.isInteger(options.connections) || options.connections < 1) throw new UsageError('--connections must be a positive integer');
  const expected = keys.join(', ');
  const only = values.only.split(',').map((k) => k.trim().toUpperCase()).filter((k) => k !== '');
  for (const key of only) if (!(key in workloads)) throw new UsageError(`--only: unknown workload "${key}" (expected ${expected})`);
  const selected = keys.filter((k) => only.includes(k));
  if (selected.length === 0) throw new UsageError('--only: no workload');
  const profileKey = values.profile?.trim().toUpperCase();
  if (profileKey !== undefined && !(profileKey in workloads)) throw new UsageError(`--profile: unknown workload "${values.profile}" (expected ${expected})`);
  return { keep: values.keep, options, selected, profileKey };
}

/**
 * One autocannon window on `target` (keep-alive, no pipelining; `extra` adds the method, headers,
 * body and verifyBody of the workload): completed requests, req/s, latencies in ms of every 2xx
 * response, and the failures (errors, timeouts, non-2xx, bodies verifyBody rejects).
 */
function loadWindow(target, path, seconds, options, extra) {
  return options.load === 'wrk' ? wrkWindow(target, path, seconds, options.connections, extra) : autocannonWindow(target, path, seconds, options.connections, extra);
}

let wrkFound;
/** Whether `wrk` is on the PATH. */
export function wrkAvailable() {
  wrkFound ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  return wrkFound;
}

/** A Lua long string holding `text` verbatim (a level of `=` that does not occur in it). */
function luaString(text) {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

/**
 * The same window with wrk, a separate process (2 threads): the workload's bodies (one, or the
 * bodies the autocannon options' setupRequest would send, cycled), and its verifyBody as
 * `verify: { prefix, reject? }` checked on every 2xx response in Lua.
 */
async function wrkWindow(target, path, seconds, connections, extra) {
  const bodies = [];
  if (extra.requests !== undefined) {
    const setup = extra.requests[0].setupRequest;
    for (let i = 0; i < 1000; i++) bodies.push(setup({}).body);
  } else if (extra.body !== undefined) {
    bodies.push(extra.body);
  }
  const headers = Object.entries(extra.headers ?? {}).map(([name, value]) => `[ ${luaString(name)} ] = ${luaString(value)}`);
  const { prefix, reject } = extra.verify;
  const script = `
local method = ${luaString(extra.method ?? 'GET')}
local headers = { ${headers.join(', ')} }
local bodies = { ${bodies.map(luaString).join(',\n')} }
local prefix = ${luaString(prefix)}
local reject = ${reject === undefined ? 'nil' : luaString(reject)}
local threads = {}
function setup(thread) table.insert(threads, thread) end
local i = 0
mismatches = 0
function request()
  i = i + 1
  return wrk.format(method, nil, headers, #bodies > 0 and bodies[(i % #bodies) + 1] or nil)
end
function response(status, _, body)
  if status >= 200 and status < 300 then
    if body:sub(1, #prefix) ~= prefix or (reject ~= nil and body:find(reject, 1, true) ~= nil) then
      mismatches = mismatches + 1
      if mismatches == 1 then io.write('WRK-MISMATCH ' .. body:sub(1, 600):gsub('\\n', ' ') .. '\\n') end
    end
  end
end
function done(summary, latency, _)
  local m = 0
  for _, thread in ipairs(threads) do m = m + thread:get("mismatches") end
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"mismatches":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99), m))
end
`;
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-bench-wrk-'));
  try {
    const file = join(dir, 'load.lua');
    writeFileSync(file, script);
    if (process.env.BENCH_WRK_DEBUG) writeFileSync('/tmp/wrk-debug.lua', script);
    const out = await run('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', file, `http://127.0.0.1:${target.port}${path}`]);
    const line = out.split('\n').find((l) => l.startsWith('WRK-RESULT '));
    if (line === undefined) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line.slice('WRK-RESULT '.length));
    const failures = r.connect + r.read + r.write + r.status + r.timeout + r.mismatches;
    const sample = out.split('\n').find((l) => l.startsWith('WRK-MISMATCH '));
    return {
      completed: r.requests,
      ok: r.requests - r.status,
      rps: r.requests / (r.duration_us / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      failures,
      detail: `errors ${r.connect + r.read + r.write}, timeouts ${r.timeout}, non-2xx ${r.status}, mismatches ${r.mismatches}${sample === undefined ? '' : ` (the first: ${sample.slice('WRK-MISMATCH '.length)})`}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function autocannonWindow(target, path, seconds, connections, extra) {
  const { default: autocannon } = await import('autocannon'); // loaded by the throughput benchmarks only
  const latencies = [];
  const instance = autocannon({ url: `http://127.0.0.1:${target.port}${path}`, connections, pipelining: 1, duration: seconds, timeout: 30, ...extra });
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

/**
 * Warm-up (discarded; a failure in it aborts too), then the measured window: req/s, latencies,
 * the server's CPU per request, and for pgduet statements per request from /metrics.
 */
async function measureTarget(spec, key, target, options) {
  const load = (seconds) => loadWindow(target, target.path(key), seconds, options, spec.loadOptions(key));
  if (options.warmup > 0) {
    const warm = await load(options.warmup);
    if (warm.failures > 0) throw new Error(`${target.name} ${key}: ${warm.detail} in the warm-up`);
  }
  // the warm-up's cut-off requests finish before the window opens (pgduet: until its counters settle)
  const before = target.name === 'pgduet' ? await settledCounters(target.port, spec.protocol) : await sleep(400);
  const cpuBefore = cpuTimeOf(target.child.pid);
  const result = await load(options.duration);
  // the server's own CPU (user + system, all its threads) per completed request of the window
  result.cpuPerRequest = (cpuTimeOf(target.child.pid) - cpuBefore) / result.completed;
  if (result.failures > 0) throw new Error(`${target.name} ${key}: ${result.detail} in the measured window`);
  if (before !== undefined) {
    const after = await settledCounters(target.port, spec.protocol);
    result.statements = after.statements - before.statements;
    result.serverRequests = after.requests - before.requests;
    result.perRequest = result.statements / result.serverRequests;
  } else {
    result.perRequest = 1; // one prepared statement per request, by construction
  }
  return result;
}

/** pgduet alone under workload `key` with node --cpu-prof: the top self-time functions of the measured window. */
async function profileWorkload(spec, key, options, startPgduet, workDir) {
  const dir = join(workDir, 'cpu-profile');
  const server = await startPgduet(['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    await spec.check(server, key); // a right answer, or it throws
    const load = (seconds) => loadWindow(server, server.path(key), seconds, options, spec.loadOptions(key));
    if (options.warmup > 0) await load(options.warmup);
    const from = Number(process.hrtime.bigint() / 1000n);
    const result = await load(options.duration);
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
    out.push(`pgduet under ${key} (${spec.workloads[key].what}): node --cpu-prof on the server process, ${options.connections} connections,`);
    out.push(`${options.warmup} s warm-up, then ${options.duration} s at ${int(result.rps)} req/s; self time (in the function itself, not its callees), main thread,`);
    out.push(
      summary.windowed
        ? `samples of the ${options.duration} s window only: ${(summary.total / 1e6).toFixed(1)} s sampled, (idle) ${pct(summary.idle)}; "% busy" excludes (idle)`
        : `all samples of the process (no sample matched the window's clock): ${(summary.total / 1e6).toFixed(1)} s, (idle) ${pct(summary.idle)}; "% busy" excludes (idle)`,
    );
    out.push('samples are wall-clock: a native frame (writev, read) also holds the time the thread waited for a core after waking PostgreSQL');
    out.push('');
    const functionTable = (entries) => table(['#', 'file:line:function', 'self', '% all', '% busy'], entries.map(([k, us], i) => [String(i + 1), k, ms(us), pct(us), pctBusy(us, k)]), [true, false, true, true, true]);
    out.push(functionTable(summary.functions));
    out.push('');
    if (spec.profileOwn) {
      out.push(`pgduet's own code (dist/src/…, line numbers of the built .js): ${ms(summary.ownTotal)}, ${pctBusy(summary.ownTotal)} of busy; top functions:`);
      out.push('');
      out.push(functionTable(summary.own));
      out.push('');
    }
    for (const [title, entries] of [['package', summary.packages], ['file', summary.files]]) {
      out.push(`by ${title}:`);
      out.push('');
      out.push(table([title, 'self', '% all', '% busy'], entries.map(([k, us]) => [k, ms(us), pct(us), pctBusy(us, k)]), [false, true, true, true]));
      out.push('');
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stop(server.child);
  }
}

/**
 * A throughput benchmark, pgduet against bench/baseline-server.mjs on the same database:
 * the command line, the database, each workload's answer compared before measuring, rounds of
 * load interleaving the targets, the report; or, with --profile, pgduet alone under cpu-prof.
 * Every child is killed and the database dropped (unless --keep) on the way out.
 *
 * spec: { script, db, marker, protocol, workloads: { KEY: { what, target } }, title,
 *   pgduetPath(key), baselinePath(key), loadOptions(key) (autocannon's method, headers, body or
 *   requests, verifyBody), check(target, key) (one right answer or it throws),
 *   compareAnswers(key, baseline, pgduet) → { same, details, notes?, requests? },
 *   footer({ selected, checks }) → lines under the RSS line, prepare?() (after the database is
 *   ready), profileOwn (the profile lists pgduet's own functions apart) }
 */
export function runThroughputBench(spec) {
  throughputMain(spec).catch((error) => {
    killAll();
    const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench: ${text}\n`);
    process.exitCode = 1;
  });
}

async function throughputMain(spec) {
  const { db, workloads } = spec;
  const args = parseThroughputArgs(spec.script, workloads, db);
  if (args.usage !== undefined) {
    process.stdout.write(`${args.usage}\n`);
    return;
  }
  const { options, selected, profileKey } = args;
  const cli = join(ROOT, 'dist/src/cli/bin.js');
  if (!existsSync(cli)) throw new Error(`${cli} not found: run "npm run build" first (npm run bench:${spec.script} does)`);

  process.stdout.write(`$ ${commandLine()}\n`);
  // temporary folder (pgduet.yaml, cpu profiles), removed on any exit
  const workDir = mkdtempSync(join(tmpdir(), `pgduet-bench-${spec.script}-`));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  const startPgduet = async (nodeArgs = [], extraConfig = '') => ({
    name: 'pgduet',
    ...(await startPgduetServer({ db, workDir, poolSize: POOL_SIZE, nodeArgs, serverLog: options.serverLog, extraConfig })),
    path: spec.pgduetPath,
  });
  // a workload with its own `pgduetConfig` (auth, PostgreSQL-native mode) gets a pgduet of its own;
  // the others share the plain one, whose memory the report gives
  const configOf = (key) => workloads[key].pgduetConfig ?? '';
  try {
    await ensurePagilaDatabase(db, spec.marker);
    await spec.prepare?.();
    if (profileKey !== undefined) {
      await profileWorkload(spec, profileKey, options, (nodeArgs) => startPgduet(nodeArgs, configOf(profileKey)), workDir);
      return;
    }

    const baseline = { name: 'baseline', ...(await startBaselineServer({ db })), path: spec.baselinePath };
    const servers = new Map();
    for (const config of new Set(selected.map(configOf))) {
      const server = await startPgduet([], config);
      servers.set(config, server);
      log(`pgduet on :${server.port} (pid ${server.child.pid})${config === '' ? '' : ` with its own configuration for ${selected.filter((k) => configOf(k) === config).join(', ')}`}`);
    }
    const pgduetOf = (key) => servers.get(configOf(key));
    const pgduet = servers.get('') ?? [...servers.values()][0];
    log(`baseline on :${baseline.port} (pid ${baseline.child.pid})`);

    // before measuring: each workload's answer, pgduet against the baseline
    const checks = {};
    for (const key of selected) {
      const check = (checks[key] = await spec.compareAnswers(key, baseline, pgduetOf(key)));
      const compared = check.requests === undefined ? '' : ` (${check.requests} request${check.requests === 1 ? '' : 's'} compared)`;
      log(`${key}: ${check.same ? 'same answer' : 'ANSWERS DIFFER'}${compared}`);
      for (const d of [...check.details, ...(check.notes ?? [])]) log(`  ${d}`);
    }

    const samples = Object.fromEntries(selected.map((k) => [k, { baseline: [], pgduet: [] }]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const key of selected) {
        for (const target of [baseline, pgduetOf(key)]) {
          const r = await measureTarget(spec, key, target, options);
          samples[key][target.name].push(r);
          log(`round ${round}/${options.rounds} ${key} ${target.name.padEnd(8)} ${int(r.rps).padStart(6)} req/s  p50 ${msText(r.p50)}  p99 ${msText(r.p99)}  ${r.perRequest.toFixed(2)} stmt/req  ${r.cpuPerRequest.toFixed(3)} ms CPU/req`);
        }
      }
    }
    const pgduetMemory = memoryOf(pgduet.child.pid);
    const baselineMemory = memoryOf(baseline.child.pid);
    for (const server of servers.values()) await stop(server.child);
    await stop(baseline.child);

    // ---- the report
    const rows = [];
    for (const key of selected) {
      const workload = workloads[key];
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
    const rssOk = pgduetMemory.rss / (1024 * 1024) <= TARGET_RSS_MB;
    const out = [];
    out.push('');
    out.push(spec.title);
    out.push(
      `${options.load === 'wrk' ? 'wrk -t2' : 'autocannon (in the bench process)'}, ${options.connections} connections, keep-alive, ${options.warmup} s warm-up discarded + ${options.duration} s measured per target, ` +
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
    out.push(...spec.footer({ selected, checks }));
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
    if (!args.keep) {
      try {
        await dropDatabase(db);
        log(`dropped ${db} (pass --keep to reuse it next time)`);
      } catch (error) {
        log(`could not drop ${db}: ${error.message}`);
      }
    }
  }
}
