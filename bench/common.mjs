// What the benchmarks share: child processes (every process spawned is tracked and killed on
// any way out, so that no server outlives a benchmark), the database URL, a free port, and
// the side-by-side table.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
