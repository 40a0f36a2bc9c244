#!/usr/bin/env node
// pgduet read throughput with reads on the primary only vs on the primary and a real streaming
// replica. Starts its own PostgreSQL 15 primary (initdb, wal_level=replica) on a free port,
// loads Pagila into it, makes a replica with `pg_basebackup -R` and starts it on another port,
// then measures REST (W3 of shared/BENCH.md) and GraphQL (W1) reads against two pgduet servers:
// one with `database.url` only, one with `database.replicas: [the replica]`; then, with HAProxy
// installed (Debian's haproxy), one and two such servers behind it (round robin, as in
// deploy/docker-compose.yml). Rounds interleave the setups. See bench/README.md ("replicas.mjs").
//
//   npm run build && node bench/replicas.mjs [--duration 10] [--rounds 2] [--connections 20]
//
// Needs the PostgreSQL binaries (PG_BIN, default /usr/lib/postgresql/15/bin), run as root (the
// clusters run as `postgres` through runuser) or as the user that owns them; psql to load Pagila.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '20' },
  },
});
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const work = mkdtempSync(join(tmpdir(), 'pgduet-bench-replicas-'));
const asRoot = userInfo().uid === 0;
if (asRoot) chownSync(work, ...postgresIds());
chmodSync(work, 0o700);

// common.mjs reads the admin URL when it is loaded (once: ESM caches it): point it at the
// bench's own primary before importing it, so nothing of this bench lands on the shared cluster
const primaryPort = await new Promise((resolvePort, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolvePort(port));
  });
});
process.env.PGDUET_BENCH_ADMIN_URL = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
const common = await import('./common.mjs');
const { ensurePagilaDatabase, freePort, int, log, median, metricSum, msText, onCleanup, run, sleep, spawnTracked, startPgduetServer, stop, table, urlFor, withClient, killAll, httpRequest } = common;

const DB = 'pgduet_bench_replicas';
const WORKLOADS = {
  'REST W3': { path: '/rest/film?select=film_id,title,length&rating=eq.PG&length=gt.100&order=title&limit=25', method: 'GET' },
  'GraphQL W1': {
    path: '/graphql',
    method: 'POST',
    body: JSON.stringify({ query: '{ film(limit: 50, order_by: {film_id: asc}) { film_id title release_year language { name } film_actors { actor { first_name last_name } } } }' }),
  },
};

/** `command` as the postgres user when this runs as root (initdb and postgres refuse root). */
function pgCommand(binary, commandArgs) {
  const path = join(PG_BIN, binary);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...commandArgs]] : [path, commandArgs];
}

function postgresIds() {
  const ids = (flag) => Number(String(execFileSync('id', [flag, 'postgres'])).trim());
  return [ids('-u'), ids('-g')];
}

async function startCluster(dir, port, label) {
  const [cmd, cmdArgs] = pgCommand('postgres', ['-D', dir, '-p', String(port), '-k', work, '-c', 'listen_addresses=127.0.0.1']);
  const child = spawnTracked(cmd, cmdArgs);
  onCleanup(() => child.kill('SIGINT'));
  for (let i = 0; i < 300; i++) {
    try {
      await withClient(`postgres://postgres@127.0.0.1:${port}/postgres`, (c) => c.query('select 1'));
      log(`${label} on :${port}`);
      return child;
    } catch {
      if (child.exitCode !== null) throw new Error(`${label} exited:\n${child.output}`);
      await sleep(100);
    }
  }
  throw new Error(`${label} did not answer in 30 s:\n${child.output}`);
}

/** One measured window of autocannon on `port`: req/s, p50, p99 (every answer must be a 2xx). */
async function measure(port, workload, seconds) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${workload.path}`,
    method: workload.method,
    connections: Number(args.connections),
    duration: seconds,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    ...(workload.body === undefined ? {} : { body: workload.body }),
  });
  const failures = result.errors + result.non2xx;
  if (failures > 0) throw new Error(`${failures} failed requests on :${port} ${workload.path}`);
  return { rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Statements per pool, summed over the pgduet servers of a setup (each asked directly, not through the balancer). */
async function poolStatements(ports) {
  const sum = { primary: 0, replica0: 0 };
  for (const port of ports) {
    const text = (await httpRequest(port, '/metrics')).body;
    sum.primary += metricSum(text, 'pgduet_db_pool_statements_total', { pool: 'primary' });
    sum.replica0 += metricSum(text, 'pgduet_db_pool_statements_total', { pool: 'replica0' });
  }
  return sum;
}

function hasHaproxy() {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** HAProxy in front of the servers on `ports`: round robin, health-checked on /ready (deploy/haproxy.cfg's shape). */
async function startHaproxy(ports) {
  const port = await freePort();
  const file = join(work, `haproxy-${port}.cfg`);
  const servers = ports.map((p, i) => `  server pgduet${i} 127.0.0.1:${p} check`).join('\n');
  writeFileSync(file, `global\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nfrontend api\n  bind 127.0.0.1:${port}\n  default_backend pgduet\nbackend pgduet\n  balance roundrobin\n  option httpchk GET /ready\n${servers}\n`);
  const child = spawnTracked('haproxy', ['-db', '-f', file]);
  for (let i = 0; i < 100; i++) {
    const answer = await httpRequest(port, '/ready').catch(() => undefined);
    if (answer?.status === 200) return { port, child };
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${child.output}`);
    await sleep(100);
  }
  throw new Error(`haproxy did not answer in 10 s:\n${child.output}`);
}

try {
  const primaryDir = join(work, 'primary');
  const replicaDir = join(work, 'replica');
  await run(...pgCommand('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']));
  const [postgresCmd, postgresArgs] = pgCommand('postgres', ['-D', primaryDir, '-p', String(primaryPort), '-k', work, '-c', 'listen_addresses=127.0.0.1', '-c', 'wal_level=replica', '-c', 'max_wal_senders=4', '-c', 'hot_standby=on']);
  const primary = spawnTracked(postgresCmd, postgresArgs);
  onCleanup(() => primary.kill('SIGINT'));
  for (let i = 0; i < 300; i++) {
    try {
      await withClient(process.env.PGDUET_BENCH_ADMIN_URL, (c) => c.query('select 1'));
      break;
    } catch {
      if (primary.exitCode !== null) throw new Error(`primary exited:\n${primary.output}`);
      await sleep(100);
    }
  }
  log(`primary on :${primaryPort} (${primaryDir})`);
  await ensurePagilaDatabase(DB, 'pgduet-bench replicas v1');

  const began = performance.now();
  await run(...pgCommand('pg_basebackup', ['-D', replicaDir, '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-c', 'fast']));
  const replicaPort = await freePort();
  await startCluster(replicaDir, replicaPort, 'replica (pg_basebackup -R)');
  log(`replica made in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  if (!urlFor(DB).includes(`:${primaryPort}/`)) throw new Error(`common.mjs points at ${urlFor(DB)}, not the bench's primary`);
  const replicaUrl = urlFor(DB).replace(`:${primaryPort}/`, `:${replicaPort}/`);
  const inRecovery = await withClient(replicaUrl, async (c) => (await c.query('select pg_is_in_recovery() as r, inet_server_port() as port, (select count(*) from film) as films')).rows[0]);
  if (!inRecovery.r || inRecovery.port !== replicaPort || Number(inRecovery.films) !== 1000) throw new Error(`the replica is not a standby with Pagila: ${JSON.stringify(inRecovery)}`);

  const serverDir = join(work, 'pgduet');
  mkdirSync(serverDir);
  const withReplica = () => startPgduetServer({ db: DB, workDir: serverDir, poolSize: 10, serverLog: 'warn', extraConfig: `  replicas: ['${replicaUrl}']\n` });
  const single = await startPgduetServer({ db: DB, workDir: serverDir, poolSize: 10, serverLog: 'warn' });
  const replicated = await withReplica();
  /** each setup: the port the load goes to, the pgduet servers behind it */
  const servers = {
    'primary only': { port: single.port, behind: [single] },
    'primary + replica': { port: replicated.port, behind: [replicated] },
  };
  if (hasHaproxy()) {
    const second = await withReplica();
    servers['haproxy → 1 × pgduet'] = { port: (await startHaproxy([replicated.port])).port, behind: [replicated] };
    servers['haproxy → 2 × pgduet'] = { port: (await startHaproxy([replicated.port, second.port])).port, behind: [replicated, second] };
  } else log('haproxy is not installed: the load-balancer rows are left out (apt-get install haproxy)');
  const samples = {};
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const [key, workload] of Object.entries(WORKLOADS)) {
      for (const [name, server] of Object.entries(servers)) {
        const ports = server.behind.map((b) => b.port);
        await measure(server.port, workload, Number(args.warmup));
        const before = await poolStatements(ports);
        const r = await measure(server.port, workload, Number(args.duration));
        const after = await poolStatements(ports);
        r.onReplica = (after.replica0 - before.replica0) / Math.max(1, after.replica0 - before.replica0 + after.primary - before.primary);
        ((samples[key] ??= {})[name] ??= []).push(r);
        log(`round ${round} ${key} ${name.padEnd(22)} ${int(r.rps).padStart(6)} req/s  p50 ${msText(r.p50)}  p99 ${msText(r.p99)}  ${(r.onReplica * 100).toFixed(0)}% of statements on the replica`);
      }
    }
  }
  const rows = [];
  for (const [key, byServer] of Object.entries(samples)) {
    for (const [name, s] of Object.entries(byServer)) {
      rows.push([name === Object.keys(byServer)[0] ? key : '', name, int(median(s.map((r) => r.rps))), s.map((r) => int(r.rps)).join(' / '), msText(median(s.map((r) => r.p50))), msText(median(s.map((r) => r.p99))), `${(median(s.map((r) => r.onReplica)) * 100).toFixed(0)}%`]);
    }
  }
  for (const server of new Set(Object.values(servers).flatMap((s) => s.behind))) await stop(server.child);
  process.stdout.write(`\nreads on the primary only vs primary + one streaming replica, and one vs two pgduet servers behind HAProxy (same machine), autocannon ${args.connections} connections, ${args.warmup} s warm-up + ${args.duration} s per window, ${args.rounds} rounds interleaved, medians; pool size 10 per database\n\n`);
  process.stdout.write(`${table(['workload', 'pgduet', 'req/s', 'per round', 'p50', 'p99', 'on replica'], rows, [false, false, true, true, true, true, true])}\n`);
} finally {
  // a fast shutdown of both clusters (through runuser, a signal to the child may not reach postgres)
  for (const dir of ['primary', 'replica']) await run(...pgCommand('pg_ctl', ['-D', join(work, dir), 'stop', '-m', 'fast', '-w'])).catch(() => undefined);
  killAll('SIGINT');
  await sleep(1500);
  killAll('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
