// What the benchmarks share: child processes (every process spawned is tracked and killed on
// any way out, so that no server outlives a benchmark), the database URL, a free port, and
// the side-by-side table.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequestRaw } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PAGILA_DIR = process.env.PGDUET_BENCH_DATA ?? resolve(ROOT, '../shared/data');
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
// Shared by the throughput benchmarks (bench/rest.mjs; graphql.mjs has its own copies of the
// same helpers): the Pagila database of shared/BENCH.md, HTTP, pgduet's counters, answers
// compared as parsed JSON, memory, cpu profiles and the figures' formatting.

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
  for (const key of ['PGDUET_SCHEMAS', 'PORT', 'HOST', 'LOG_LEVEL', 'NODE_OPTIONS']) if (!(key in extra)) delete env[key];
  return env;
}

/**
 * pgduet: `node [nodeArgs] dist/src/cli/bin.js serve --port N --log-level warn` on `db`, pool
 * size `poolSize` and schema `public` from a pgduet.yaml written in `workDir`; spawned as `node`
 * itself (the pid is the server's). Resolves once /ready says ready.
 */
export async function startPgduetServer({ db, workDir, poolSize, nodeArgs = [] }) {
  const port = await freePort();
  const config = join(workDir, 'pgduet.yaml');
  writeFileSync(config, `database:\n  poolSize: ${poolSize}\n  schemas: [public]\n`);
  const args = [...nodeArgs, join(ROOT, 'dist/src/cli/bin.js'), 'serve', '--port', String(port), '--log-level', 'warn'];
  const child = spawnTracked(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv({ DATABASE_URL: urlFor(db), PGDUET_CONFIG: config, PGDUET_LOG_LEVEL: 'warn' }),
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
