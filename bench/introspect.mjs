#!/usr/bin/env node
// pgduet startup benchmark: time from process spawn to the first 200 from /ready, and the
// server's peak RSS, for Pagila and two generated schemas (1,000 and 10,000 tables), cold
// (catalog query) and from the schema cache — next to a bare node:http process measured in
// the same run (the process-start floor). See bench/README.md.
//
//   npm run bench:introspect                       (builds, then runs this file)
//   node bench/introspect.mjs --runs 5 --only 1k,10k --keep
//
// Plain ESM, node built-ins plus `pg`. The server is dist/src/cli/bin.js: build it first.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ADMIN_URL, PAGILA_DIR, ROOT, freePort, table, urlFor, withClient, killAll, onCleanup, run, spawnTracked, stop } from './common.mjs';

const CLI = join(ROOT, 'dist/src/cli/bin.js');
/** Bump when the generated schemas change, so old databases are rebuilt. */
const GENERATOR_VERSION = 1;
const POLL_MS = 10;
const READY_TIMEOUT_MS = 180_000;
const MB = 1024 * 1024;

const TARGETS = {
  rssMb: 200,
  ready: {
    '1k': { cold: 1.5, cache: 0.4 },
    '10k': { cold: 3.0 }, // the moonshot
  },
  /** ready for both protocols: /ready, `{ __typename }` and a first real GraphQL query answered (issue 10) */
  both: {
    '10k': { cold: 3.0, cache: 1.0, rssMb: 250 },
  },
};

const USAGE = `Usage: node bench/introspect.mjs [--runs N] [--warmup N] [--only pagila,1k,10k] [--keep]

  --runs N     measured runs per target, medians reported (default 3)
  --warmup N   discarded rounds before measuring (default 1)
  --only LIST  a subset of pagila,1k,10k (default: all three)
  --keep       keep the databases pgduet_bench_* at the end (the next run reuses them)

Environment: PGDUET_BENCH_ADMIN_URL (default ${ADMIN_URL}),
PGDUET_BENCH_DATA (directory of pagila-schema.sql and pagila-data.sql, default ../shared/data, else test/fixtures/pagila).`;

/** A mistake on the command line: printed as one line, no stack. */
class UsageError extends Error {}

/** the temporary folder of the schema cache files, removed on any exit */
let cacheDir;
onCleanup(() => {
  if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
});


// ---------------------------------------------------------------------------------------
// HTTP polling


/** One GET on a fresh connection: { status, body } or undefined when nothing answers. */
function get(port, path) {
  return new Promise((resolveGet) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode, body }));
      res.on('error', () => resolveGet(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveGet(undefined));
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One GraphQL POST on a fresh connection: { status, body } or undefined when nothing answers. */
function postGraphql(port, query) {
  const payload = JSON.stringify({ query });
  return new Promise((resolvePost) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, timeout: READY_TIMEOUT_MS, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolvePost({ status: res.statusCode, body }));
        res.on('error', () => resolvePost(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolvePost(undefined));
    req.end(payload);
  });
}

/** A GraphQL answer is good when it is a 200 with `data` and no `errors`. */
function goodGraphql(answer) {
  if (answer?.status !== 200) return false;
  const body = JSON.parse(answer.body);
  return body.errors === undefined && body.data !== null && typeof body.data === 'object';
}

/**
 * Spawns `node args…`, polls http://127.0.0.1:port/path every ~10 ms until a 200, reads
 * the process' VmHWM, stops it. Returns { ms, rssBytes, body }.
 */
async function measureStartup({ args, port, path, env, cwd = ROOT, graphql = [] }) {
  const started = performance.now();
  const child = spawnTracked(process.execPath, args, { env, cwd });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`process exited (${child.signalCode ?? `exit ${child.exitCode}`}) before ${path} answered 200:\n${child.output}`);
      }
      const answer = await get(port, path);
      if (answer?.status === 200) {
        const ms = performance.now() - started;
        // then each GraphQL query once, in order, timed from the spawn too: ready for both protocols
        const graphqlMs = [];
        for (const query of graphql) {
          const reply = await postGraphql(port, query);
          if (!goodGraphql(reply)) throw new Error(`${query} answered ${reply?.status ?? 'nothing'} ${reply?.body.slice(0, 500) ?? ''}:\n${child.output}`);
          graphqlMs.push(performance.now() - started);
        }
        const rssBytes = peakRss(child.pid);
        return { ms, graphqlMs, rssBytes, body: answer.body };
      }
      if (performance.now() - started > READY_TIMEOUT_MS) {
        throw new Error(`${path} did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${answer?.status ?? 'no answer'} ${answer?.body ?? ''}):\n${child.output}`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    await stop(child);
  }
}

/** VmHWM (peak resident set) of a live process, in bytes. */
function peakRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

// ---------------------------------------------------------------------------------------
// databases



const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text) => `'${text.replaceAll("'", "''")}'`;

/** What the catalog query exposes as entities in `public` (before @omit comments). */
const ENTITY_COUNT_SQL = `
  select count(*)::int as n from pg_class c
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and not c.relispartition
    and not exists (select 1 from pg_depend d where d.deptype = 'e' and d.classid = 'pg_class'::regclass and d.objid = c.oid)`;

async function describeDatabase(client) {
  const { rows } = await client.query(`
    select
      (select count(*)::int from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relispartition) as tables,
      (select count(*)::int from pg_class where relnamespace = 'public'::regnamespace and relkind in ('v', 'm')) as views,
      (select count(*)::int from pg_constraint where connamespace = 'public'::regnamespace and contype = 'f') as fks,
      (${ENTITY_COUNT_SQL}) as entities,
      shobj_description((select oid from pg_database where datname = current_database()), 'pg_database') as marker`);
  return rows[0];
}

const markerOf = (key, tables) => `pgduet-bench ${key} v${GENERATOR_VERSION} tables=${tables}`;

/** Reuses the database when its marker and table count say it is complete, else rebuilds it. */
async function ensureDatabase(spec) {
  const exists = await withClient(ADMIN_URL, async (c) => (await c.query('select 1 from pg_database where datname = $1', [spec.db])).rowCount > 0);
  if (exists) {
    const info = await withClient(urlFor(spec.db), describeDatabase);
    if (info.marker === markerOf(spec.key, info.tables) && (spec.tables === undefined || info.tables === spec.tables)) {
      log(`${spec.db}: reusing (${info.tables} tables, ${info.fks} foreign keys, ${info.views} views)`);
      return { ...info, created: false };
    }
  }
  const started = performance.now();
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`drop database if exists ${quoteIdent(spec.db)} with (force)`);
    await c.query(`create database ${quoteIdent(spec.db)}`);
  });
  await spec.create(urlFor(spec.db));
  const info = await withClient(urlFor(spec.db), async (c) => {
    const described = await describeDatabase(c);
    await c.query(`comment on database ${quoteIdent(spec.db)} is ${quoteLiteral(markerOf(spec.key, described.tables))}`);
    return described;
  });
  // Settle the new catalog rows before measuring: VACUUM sets hint bits and the visibility
  // map (else the first catalog queries do it, and autovacuum competes with them), and a
  // checkpoint flushes the pages the bulk DDL dirtied.
  await withClient(urlFor(spec.db), async (c) => {
    await c.query('vacuum (analyze)');
    await c.query('checkpoint');
  });
  if (spec.tables !== undefined && info.tables !== spec.tables) {
    throw new Error(`${spec.db}: expected ${spec.tables} tables after creating it, found ${info.tables}`);
  }
  log(`${spec.db}: created in ${((performance.now() - started) / 1000).toFixed(1)} s (${info.tables} tables, ${info.fks} foreign keys, ${info.views} views)`);
  return { ...info, created: true };
}

async function dropDatabase(db) {
  await withClient(ADMIN_URL, (c) => c.query(`drop database if exists ${quoteIdent(db)} with (force)`));
}

async function createPagila(url) {
  for (const file of ['pagila-schema.sql', 'pagila-data.sql']) {
    const path = join(PAGILA_DIR, file);
    if (!existsSync(path)) throw new Error(`${path} not found (set PGDUET_BENCH_DATA)`);
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', url, '-f', path]);
  }
  // as in shared/BENCH.md: the workloads' extra index and scratch table
  await withClient(url, (c) =>
    c.query(`
      create index if not exists rental_customer_id_idx on rental (customer_id);
      create table if not exists bench_scratch (id serial primary key, note text);`),
  );
}

// ---------------------------------------------------------------------------------------
// the generated schemas

const NOUNS = [
  'account', 'customer', 'invoice', 'product', 'purchase', 'shipment', 'supplier', 'warehouse',
  'employee', 'project', 'task', 'ticket', 'payment', 'contract', 'region', 'store', 'category',
  'label', 'event', 'document',
];
const EXTRAS = [
  'is_active boolean not null default true',
  'code varchar(32)',
  'tags text[]',
  'valid_until date',
  'ratio double precision',
  'external_ref uuid',
  'big_count bigint',
];

/** Junction tables: a few per hundred tables; their primary key is their two foreign keys. */
const isJunction = (i) => i > 2 && i % 100 === 37;
const isView = (i) => i % 50 === 0;
const tableName = (i) => `${isJunction(i) ? 'link' : NOUNS[i % NOUNS.length]}_${String(i).padStart(5, '0')}`;
const nonJunction = (i) => {
  while (isJunction(i)) i--;
  return i;
};

/** A small deterministic PRNG (mulberry32), so every run generates the same schema. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` tables, exactly 2 foreign keys each (to earlier tables; the first two tables point at
 * themselves), one view per 50 tables. Returns SQL scripts of ~200 tables each: every script
 * is one implicit transaction, small enough for the lock table.
 */
function generatedSchemaScripts(n, perScript = 200) {
  const random = prng(n);
  const scripts = [];
  let sql = [];
  for (let i = 1; i <= n; i++) {
    const name = tableName(i);
    // A: the previous table (a chain); B: an earlier one, skewed towards the first tables
    // (the "users" and "organisations" that everything points at).
    const a = i === 1 ? i : nonJunction(i - 1);
    let b = i <= 2 ? i : nonJunction(1 + Math.floor((i - 2) * random() ** 2));
    if (b === a && i > 2) b = a > 1 ? nonJunction(a - 1) : i;
    const aCol = a === i ? 'parent_id' : `${tableName(a)}_id`;
    const bCol = b === i ? (a === i ? 'origin_id' : 'parent_id') : `${tableName(b)}_id`;

    if (isJunction(i)) {
      sql.push(`create table ${name} (
  ${aCol} integer not null references ${tableName(a)} (id) on delete cascade,
  ${bCol} integer not null references ${tableName(b)} (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (${aCol}, ${bCol})
);
create index on ${name} (${bCol});`);
    } else {
      const lines = [
        'id serial primary key',
        'name text not null',
        'qty integer not null default 0',
        'created_at timestamptz not null default now()',
        "attrs jsonb not null default '{}'",
        'amount numeric(12,2)',
        EXTRAS[i % EXTRAS.length],
        ...(i % 3 === 0 ? ['description text'] : []),
        `${aCol} integer${a === i ? '' : ' not null'} references ${tableName(a)} (id)`,
        `${bCol} integer references ${tableName(b)} (id)`,
        ...(i % 4 === 0 ? ['check (qty >= 0)'] : []),
        ...(i % 10 === 3 ? [`unique (${aCol}, name)`] : []),
        ...(i % 25 === 7 ? [`unique (name, created_at)`] : []),
      ];
      sql.push(`create table ${name} (\n  ${lines.join(',\n  ')}\n);\ncreate index on ${name} (${aCol});`);
      if (i % 5 === 1) sql.push(`comment on table ${name} is ${quoteLiteral(`Generated table ${i} of ${n}: ${NOUNS[i % NOUNS.length]} records.`)};`);
      if (i % 20 === 2) sql.push(`comment on column ${name}.name is 'The display name.';`);
    }
    if (isView(i)) {
      sql.push(
        i % 100 === 0
          ? `create view ${name}_summary as select id, name, qty, created_at from ${name} where qty > 0;`
          : `create view ${name}_summary as
  select t.id, t.name, t.created_at, t.amount, p.name as ${tableName(a)}_name
  from ${name} t join ${tableName(a)} p on p.id = t.${aCol};`,
      );
    }
    if (i % perScript === 0 || i === n) {
      scripts.push(sql.join('\n'));
      sql = [];
    }
  }
  return scripts;
}

/** The first real GraphQL query of a start-up: the last table of the chain, through its relationship to the one before. */
function generatedQuery(n) {
  const last = nonJunction(n);
  const before = nonJunction(last - 1);
  return `{ ${tableName(last)}(limit: 1, order_by: {id: asc}) { id name ${tableName(before)} { id name } } }`;
}
const PAGILA_QUERY = '{ film(limit: 1, order_by: {film_id: asc}) { title language { name } } }';

const generatedEntities = (n) => n + Math.floor(n / 50);

async function createGenerated(url, n) {
  await withClient(url, async (c) => {
    for (const script of generatedSchemaScripts(n)) await c.query(script);
  });
}

// ---------------------------------------------------------------------------------------
// pgduet processes

function serverEnv(db) {
  const env = { ...process.env, DATABASE_URL: urlFor(db), PGDUET_LOG_LEVEL: 'warn' };
  for (const key of ['PGDUET_CONFIG', 'PGDUET_SCHEMAS', 'PORT', 'HOST']) delete env[key];
  return env;
}

async function writeCache(spec, dir) {
  const out = await run(process.execPath, [CLI, 'introspect', '--out', dir, '--schemas', 'public', '--log-level', 'warn'], { env: serverEnv(spec.db), cwd: ROOT });
  const file = out.trim().split('\n').pop();
  if (file === undefined || !existsSync(file)) throw new Error(`introspect printed no cache file: ${out}`);
  // the file is in the cache's compact encoding: pgduet's own reader decodes it
  const graph = await (await loadProjectModules()).model.readSchemaCache(file);
  return { file, bytes: statSync(file).size, entities: graph.entities.length, fingerprint: graph.fingerprint };
}

async function measureServer(spec, mode) {
  const port = await freePort();
  const args = [CLI, 'serve', '--port', String(port), '--schemas', 'public', '--log-level', 'warn'];
  if (mode === 'cache') args.push('--schema-cache', spec.cache.file);
  const result = await measureStartup({ args, port, path: '/ready', env: serverEnv(spec.db), graphql: ['{ __typename }', spec.query] });
  const ready = JSON.parse(result.body);
  // a broken server must not look fast
  if (ready.status !== 'ready' || ready.entities !== spec.expectedEntities) {
    throw new Error(`${spec.label} ${mode}: /ready says ${result.body}, expected ${spec.expectedEntities} entities`);
  }
  if (ready.fingerprint !== spec.cache.fingerprint) {
    throw new Error(`${spec.label} ${mode}: fingerprint ${ready.fingerprint}, the cache file has ${spec.cache.fingerprint}`);
  }
  return result;
}

const BASELINE_SCRIPT = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')`;

async function measureBaseline() {
  const port = await freePort();
  return measureStartup({ args: ['-e', BASELINE_SCRIPT, String(port)], port, path: '/', env: process.env });
}

/** Node plus pgduet's module graph, no database: `main.js --version`. */
async function measureModuleLoad() {
  const started = performance.now();
  await run(process.execPath, [CLI, '--version'], { cwd: ROOT });
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------
// where the cold start goes: the server's own steps (dist/), timed one by one in this process

async function loadProjectModules() {
  const load = (path) => import(pathToFileURL(join(ROOT, path)).href);
  return { introspection: await load('dist/src/introspection/index.js'), model: await load('dist/src/model/index.js') };
}

async function breakdown(spec, modules) {
  // pgduet's introspect() on a fresh connection (the server's backend starts with cold
  // catalog caches too), with its query() wrapped to time the catalog query alone
  const { catalog, queryMs, introspectMs, texts } = await withClient(urlFor(spec.db), async (client) => {
    const timed = { queryMs: 0, texts: [] };
    const probe = {
      async query(sql, params) {
        const started = performance.now();
        const result = await client.query(sql, params);
        if (params !== undefined) {
          timed.queryMs = performance.now() - started;
          // the catalog's parts (rows of section and body), as the JSON texts JSON.parse reads
          timed.texts = result.rows.map((row) => row.body);
        }
        return result;
      },
    };
    const started = performance.now();
    const { catalog: parsed } = await modules.introspection.introspect(probe, ['public']);
    return { catalog: parsed, introspectMs: performance.now() - started, ...timed };
  });
  let started = performance.now();
  for (const text of texts) JSON.parse(text);
  const parseMs = performance.now() - started;
  started = performance.now();
  modules.model.buildTypeGraph(catalog, 'bench');
  const buildMs = performance.now() - started;
  started = performance.now();
  await modules.model.readSchemaCache(spec.cache.file);
  const cacheReadMs = performance.now() - started;
  return { queryMs, introspectMs, catalogBytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0), parseMs, buildMs, cacheReadMs };
}

// ---------------------------------------------------------------------------------------
// report

const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(3)} s`;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
const int = (n) => n.toLocaleString('en-US');
const ms1 = (ms) => (ms === undefined ? '—' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const span = (samples) => {
  const ms = samples.map((s) => s.ms);
  return `${(Math.min(...ms) / 1000).toFixed(3)}–${sec(Math.max(...ms))}`;
};


function verdict(value, limit) {
  if (limit === undefined) return '';
  return value <= limit ? 'met' : 'NOT met';
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------------------------------

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string', default: '3' },
        warmup: { type: 'string', default: '1' },
        only: { type: 'string', default: 'pagila,1k,10k' },
        keep: { type: 'boolean', default: false },
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
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs must be a positive integer');
  if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError('--warmup must be a non-negative integer');
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run "npm run build" first (npm run bench:introspect does)`);

  const all = {
    pagila: { key: 'pagila', label: 'Pagila', db: 'pgduet_bench_pagila', create: createPagila, query: PAGILA_QUERY },
    '1k': { key: '1k', label: '1k tables', db: 'pgduet_bench_1k', tables: 1000, create: (url) => createGenerated(url, 1000), query: generatedQuery(1000) },
    '10k': { key: '10k', label: '10k tables', db: 'pgduet_bench_10k', tables: 10_000, create: (url) => createGenerated(url, 10_000), query: generatedQuery(10_000) },
  };
  const keys = values.only.split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const key of keys) if (!(key in all)) throw new UsageError(`--only: unknown schema "${key}" (expected pagila, 1k, 10k)`);
  const specs = Object.keys(all).filter((k) => keys.includes(k)).map((k) => all[k]);

  cacheDir = mkdtempSync(join(tmpdir(), 'pgduet-bench-'));
  const touched = [];
  try {
    for (const spec of specs) {
      touched.push(spec.db);
      spec.info = await ensureDatabase(spec);
      spec.expectedEntities = spec.info.entities;
      if (spec.tables !== undefined && spec.expectedEntities !== generatedEntities(spec.tables)) {
        throw new Error(`${spec.db}: ${spec.expectedEntities} entities, the generator makes ${generatedEntities(spec.tables)}`);
      }
      spec.cache = await writeCache(spec, cacheDir);
      if (spec.cache.entities !== spec.expectedEntities) {
        throw new Error(`${spec.db}: the schema cache has ${spec.cache.entities} entities, the database ${spec.expectedEntities}`);
      }
      spec.samples = { cold: [], cache: [] };
    }

    const baseline = [];
    const moduleLoad = [];
    // rounds interleave every target (baseline, A cold, A cache, B cold, …) so drift hits all alike
    for (let round = 1 - warmup; round <= runs; round++) {
      const measured = round >= 1;
      log(measured ? `run ${round}/${runs}` : `warm-up ${round + warmup}/${warmup}`);
      const b = await measureBaseline();
      const m = await measureModuleLoad();
      if (measured) {
        baseline.push(b);
        moduleLoad.push(m);
      }
      for (const spec of specs) {
        for (const mode of ['cold', 'cache']) {
          const r = await measureServer(spec, mode);
          log(`  ${spec.label.padEnd(10)} ${mode.padEnd(5)} ready ${sec(r.ms)}  __typename ${sec(r.graphqlMs[0])}  query ${sec(r.graphqlMs[1])}  ${mb(r.rssBytes)}`);
          if (measured) spec.samples[mode].push(r);
        }
      }
    }

    let modules;
    try {
      modules = await loadProjectModules();
    } catch (error) {
      log(`cannot load pgduet's modules from dist/ (${error.message}): no breakdown`);
    }
    for (const spec of modules === undefined ? [] : specs) {
      const parts = [];
      for (let i = 0; i < runs; i++) parts.push(await breakdown(spec, modules));
      const med = (key) => median(parts.map((p) => p[key]));
      spec.breakdown = {
        queryMs: med('queryMs'),
        introspectMs: med('introspectMs'),
        catalogBytes: parts[0].catalogBytes,
        parseMs: med('parseMs'),
        buildMs: med('buildMs'),
        cacheReadMs: med('cacheReadMs'),
      };
    }

    // ---- the report
    const floorMs = median(baseline.map((b) => b.ms));
    const floorRss = median(baseline.map((b) => b.rssBytes));
    const rows = [['baseline: bare node:http', 'process start floor', '—', sec(floorMs), span(baseline), '1.00', '—', '', '—', '—', '—', '', mb(floorRss), '—', '']];
    for (const spec of specs) {
      for (const mode of ['cold', 'cache']) {
        const samples = spec.samples[mode];
        const readyMs = median(samples.map((s) => s.ms));
        const rss = median(samples.map((s) => s.rssBytes));
        const limit = TARGETS.ready[spec.key]?.[mode];
        const both = TARGETS.both[spec.key];
        const typenameMs = median(samples.map((s) => s.graphqlMs[0]));
        const queryMs = median(samples.map((s) => s.graphqlMs[1]));
        const rssLimit = both?.rssMb ?? TARGETS.rssMb;
        rows.push([
          `${spec.label}`,
          mode === 'cold' ? 'cold (catalog query)' : 'schema cache',
          int(spec.expectedEntities),
          sec(readyMs),
          span(samples),
          (readyMs / floorMs).toFixed(2),
          limit === undefined ? '—' : `≤ ${limit.toFixed(1)} s${spec.key === '10k' ? ' (moonshot)' : ''}`,
          verdict(readyMs / 1000, limit),
          sec(typenameMs),
          sec(queryMs),
          both?.[mode] === undefined ? '—' : `≤ ${both[mode].toFixed(1)} s`,
          verdict(queryMs / 1000, both?.[mode]),
          mb(rss),
          `≤ ${rssLimit} MB`,
          verdict(rss / MB, rssLimit),
        ]);
      }
    }
    const out = [];
    out.push('');
    out.push(`pgduet startup: spawn → first 200 from /ready (polled every ${POLL_MS} ms), then → a GraphQL \`{ __typename }\` answered,`);
    out.push('then → a first real GraphQL query (through a relationship) answered; peak RSS (VmHWM) of the server process after both');
    out.push(`median of ${runs} run${runs === 1 ? '' : 's'} (${warmup} warm-up round${warmup === 1 ? '' : 's'} discarded), node ${process.version}, targets interleaved`);
    out.push('');
    out.push(
      table(
        ['schema', 'mode', 'entities', 'ready', 'min–max', '× floor', 'target', 'ready?', '{ __typename }', 'first query', 'target', 'both?', 'peak RSS', 'target', 'RSS?'],
        rows,
        [false, false, true, true, true, true, false, false, true, true, false, false, true, false, false],
      ),
    );
    out.push('');
    out.push(`floor: ${sec(floorMs)} and ${mb(floorRss)} for \`node -e\` with a node:http server answering one request;`);
    out.push(`node + pgduet's modules alone (\`main.js --version\`): ${sec(median(moduleLoad))}`);
    out.push('');
    out.push('catalog size and where a cold start goes (pgduet\'s own steps from dist/, timed one by one in this process, medians):');
    out.push('');
    out.push(
      table(
        ['schema', 'tables', 'FKs', 'views', 'entities', 'catalog JSON', 'cache file', 'catalog query', 'introspect()', 'JSON.parse', 'buildTypeGraph', 'readSchemaCache'],
        specs.map((s) => {
          const b = s.breakdown ?? {};
          return [
            s.label,
            int(s.info.tables),
            int(s.info.fks),
            int(s.info.views),
            int(s.expectedEntities),
            b.catalogBytes === undefined ? '—' : `${int(b.catalogBytes)} B`,
            `${int(s.cache.bytes)} B`,
            ms1(b.queryMs),
            ms1(b.introspectMs),
            ms1(b.parseMs),
            ms1(b.buildMs),
            ms1(b.cacheReadMs),
          ];
        }),
        [false, true, true, true, true, true, true, true, true, true, true, true],
      ),
    );
    out.push('');
    out.push('catalog query: the one statement, including the transfer of its JSON text; introspect(): the same plus its');
    out.push('transaction, JSON.parse and fingerprint; readSchemaCache: what `serve --schema-cache` does instead of both.');
    out.push('');
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    killAll();
    rmSync(cacheDir, { recursive: true, force: true });
    if (!values.keep) {
      for (const db of touched) {
        try {
          await dropDatabase(db);
        } catch (error) {
          log(`could not drop ${db}: ${error.message}`);
        }
      }
      if (touched.length > 0) log(`dropped ${touched.join(', ')} (pass --keep to reuse them next time)`);
    }
  }
}

main().catch((error) => {
  killAll();
  const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`bench: ${text}\n`);
  process.exitCode = 1;
});
