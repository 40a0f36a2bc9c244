#!/usr/bin/env node
// pgduet live queries: 1, 100, 1,000 and 10,000 subscribers of ONE query shape, each with its
// own variables (`item_by_pk(id: $id)`), on one instance, side by side in one run:
// - statements per interval (pgduet_db_statements_total{protocol="live"} over an idle window):
//   the goal is one per shape and batch (`subscriptions.batchSize`), flat in the subscribers;
// - delivery latency from a write to the subscriber, p50/p95: a write in SQL (seen at the next
//   interval) and a write through pgduet's REST API (refetched at once);
// - the server's RSS and CPU per subscriber.
//
//   npm run build && node bench/subscriptions.mjs
//   node bench/subscriptions.mjs --sizes 1,100,1000 --interval 1000 --batch 100 --idle 5
//
// Plain ESM: node built-ins, `pg`, `ws` and `graphql-ws`. The server is dist/src/cli/bin.js.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ADMIN_URL, ROOT, cleanEnv, commandLine, cpuTimeOf, freePort, httpRequest, int, log, mb, memoryOf, metricSum, sleep, spawnTracked, stop, table, urlFor, waitReady, withClient,
} from './common.mjs';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,100,1000,10000' },
    interval: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '100' },
    idle: { type: 'string', default: '5' },
    writes: { type: 'string', default: '20' },
  },
});
const SIZES = flags.sizes.split(',').map(Number);
const INTERVAL = Number(flags.interval);
const BATCH = Number(flags.batch);
const IDLE_S = Number(flags.idle);
const WRITES = Number(flags.writes);
const DB = 'pgduet_bench_subscriptions';
const ROWS = Math.max(...SIZES);
const PER_SOCKET = 100;

async function prepareDatabase() {
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${DB} with (force)`);
    await c.query(`create database ${DB}`);
  });
  await withClient(urlFor(DB), (c) => c.query(`create table item (id int primary key, value int not null default 0); insert into item (id) select generate_series(1, ${ROWS});`));
}

async function startServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-bench-subs-'));
  const config = join(dir, 'pgduet.yaml');
  writeFileSync(config, `database:\n  poolSize: 10\n  schemas: [public]\nsubscriptions:\n  interval: ${INTERVAL}\n  batchSize: ${BATCH}\n  maxPerConnection: ${PER_SOCKET}\n  maxPerInstance: 100000\n`);
  const child = spawnTracked(process.execPath, [join(ROOT, 'dist/src/cli/bin.js'), 'serve', '--port', String(port), '--log-level', 'warn'], {
    cwd: ROOT,
    env: cleanEnv({ DATABASE_URL: urlFor(DB), PGDUET_CONFIG: config }),
  });
  await waitReady(child, port, 'pgduet');
  return { child, port };
}

const percentile = (xs, p) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function liveStatements(port) {
  const answer = await httpRequest(port, '/metrics');
  return metricSum(answer.body, 'pgduet_db_statements_total', { protocol: 'live' });
}

/** One size: N subscribers, idle window, writes in SQL, writes through REST. */
async function measure(size) {
  await withClient(urlFor(DB), (c) => c.query('update item set value = 0'));
  const { child, port } = await startServer();
  const clients = [];
  /** id → the time its latest result arrived, and its value */
  const seen = new Map();
  const waiters = new Map();
  const query = 'subscription($id: Int!) { item_by_pk(id: $id) { id value } }';
  for (let i = 0; i < size; i++) {
    if (i % PER_SOCKET === 0) clients.push(createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false }));
    const id = i + 1;
    clients[clients.length - 1].subscribe({ query, variables: { id } }, {
      next: (result) => {
        const value = result.data?.item_by_pk?.value;
        seen.set(id, { at: performance.now(), value });
        const wake = waiters.get(id);
        if (wake !== undefined && value === wake.value) {
          waiters.delete(id);
          wake.resolve(performance.now());
        }
      },
      error: (error) => console.error('subscription error', id, error),
      complete: () => undefined,
    });
  }
  const began = performance.now();
  while (seen.size < size) {
    if (performance.now() - began > 120_000) throw new Error(`only ${seen.size} of ${size} subscribers got a first result`);
    await sleep(50);
  }
  const subscribeS = (performance.now() - began) / 1000;
  await sleep(INTERVAL * 1.5);
  // idle: statements per interval, CPU
  const s0 = await liveStatements(port);
  const cpu0 = cpuTimeOf(child.pid);
  await sleep(IDLE_S * 1000);
  const s1 = await liveStatements(port);
  const cpu1 = cpuTimeOf(child.pid);
  const perInterval = (s1 - s0) / ((IDLE_S * 1000) / INTERVAL);
  const cpuPerSubscriberUs = ((cpu1 - cpu0) / IDLE_S / size) * 1000;
  const { rss } = memoryOf(child.pid);

  const waitFor = (id, value) => new Promise((resolve) => waiters.set(id, { value, resolve }));
  const pick = (k) => 1 + ((k * 7919) % size);
  // writes in SQL: picked up by the next interval
  const sqlLatencies = [];
  await withClient(urlFor(DB), async (c) => {
    for (let k = 0; k < WRITES; k++) {
      const id = pick(k);
      const value = (seen.get(id)?.value ?? 0) + 1;
      const arrived = waitFor(id, value);
      const t0 = performance.now();
      await c.query('update item set value = $2 where id = $1', [id, value]);
      sqlLatencies.push((await arrived) - t0);
      await sleep(Math.random() * INTERVAL * 0.3);
    }
  });
  // writes through pgduet: the shape is refetched at once
  const restLatencies = [];
  for (let k = WRITES; k < 2 * WRITES; k++) {
    const id = pick(k);
    const value = (seen.get(id)?.value ?? 0) + 1;
    const arrived = waitFor(id, value);
    const t0 = performance.now();
    const answer = await httpRequest(port, `/rest/item?id=eq.${id}`, { method: 'PATCH', body: JSON.stringify({ value }), headers: { 'content-type': 'application/json' } });
    if (answer?.status !== 204) throw new Error(`PATCH answered ${answer?.status}: ${answer?.body}`);
    restLatencies.push((await arrived) - t0);
    await sleep(Math.random() * INTERVAL * 0.3);
  }
  for (const client of clients) await client.dispose();
  await stop(child);
  return { size, subscribeS, perInterval, sqlP50: percentile(sqlLatencies, 50), sqlP95: percentile(sqlLatencies, 95), restP50: percentile(restLatencies, 50), restP95: percentile(restLatencies, 95), rss, cpuPerSubscriberUs };
}

log(`pgduet live queries: ${SIZES.join(', ')} subscribers of one shape; interval ${INTERVAL} ms, batch ${BATCH}, ${WRITES} writes of each kind`);
await prepareDatabase();
const rows = [];
for (const size of SIZES) {
  log(`${size} subscribers…`);
  const r = await measure(size);
  rows.push(r);
  log(`  ${r.perInterval.toFixed(2)} statements/interval, SQL write → client p95 ${r.sqlP95.toFixed(0)} ms, REST write → client p95 ${r.restP95.toFixed(0)} ms, RSS ${mb(r.rss)}`);
}
console.log(`\n${commandLine()}\n`);
console.log(
  table(
    ['subscribers', 'statements / interval', 'all subscribed in', 'SQL write → client p50 / p95', 'pgduet write → client p50 / p95', 'server RSS', 'CPU / subscriber'],
    rows.map((r) => [
      int(r.size),
      r.perInterval.toFixed(2),
      `${r.subscribeS.toFixed(1)} s`,
      `${r.sqlP50.toFixed(0)} / ${r.sqlP95.toFixed(0)} ms`,
      `${r.restP50.toFixed(0)} / ${r.restP95.toFixed(0)} ms`,
      mb(r.rss),
      `${r.cpuPerSubscriberUs.toFixed(1)} µs/s`,
    ]),
    [true, true, true, true, true, true, true],
  ),
);
await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${DB} with (force)`));
process.exit(0);
