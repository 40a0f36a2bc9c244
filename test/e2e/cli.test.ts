import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { run, serve, tempConfig } from '../support/cli.js';

/**
 * The real `pgduet` command in a child process, as a user runs it: start-up errors, the
 * embedded database, introspect → schema cache → serve, and SIGTERM.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = join(ROOT, 'src/db/sample/schema.sql');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
});
afterAll(async () => {
  await db?.drop();
});

describe('start-up errors: one clear line, non-zero exit', () => {
  it('bad YAML names the file, line and column', async () => {
    const file = tempConfig('server:\n  port: [4000\n');
    const result = await run(['serve', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pgduet: ${file}:\\d+:\\d+: invalid YAML`));
  });

  it('an unknown key names its path', async () => {
    const file = tempConfig('database:\n  pool_size: 3\n');
    const result = await run(['serve', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`pgduet: ${file}: database: Unrecognized key: "pool_size"\n`);
  });

  it('a wrong type names the key and what was expected', async () => {
    const file = tempConfig('server:\n  port: "four thousand"\n');
    const result = await run(['serve', '--config', file], { PGDUET_CONFIG: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`pgduet: ${file}: server.port: Invalid input: expected number, received string\n`);
  });

  it('an unreachable database says which one and why, without the password', async () => {
    const result = await run(['serve'], { DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/nowhere' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^pgduet: cannot connect to database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown option or command points to --help', async () => {
    const option = await run(['serve', '--prot', '1']);
    expect(option.code).toBe(1);
    expect(option.stderr).toBe('pgduet: unknown option --prot (see "pgduet <command> --help")\n');
    const command = await run(['sreve']);
    expect(command.code).toBe(1);
    expect(command.stderr).toBe('pgduet: unknown command "sreve" (see "pgduet --help")\n');
  });

  it('a missing or broken schema cache file says so', async () => {
    const result = await run(['serve', '--schema-cache', '/nonexistent/cache.json'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('pgduet: schema cache: cannot read /nonexistent/cache.json (ENOENT)\n');
  });
});

describe('help', () => {
  it('prints help for the program and each command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: pgduet <command>');
    for (const command of ['serve', 'introspect', 'watch']) {
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: pgduet ${command}`);
    }
    expect((await run(['help', 'introspect'])).stdout).toContain('--schema-cache FILE');
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('serving', () => {
  it('starts on the embedded database with the sample schema, prints the URLs, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pgduet-data-'));
    const first = await serve(['--data-dir', dataDir], {});
    const ready = (await (await fetch(`${first.url}/ready`)).json()) as { entities: number; functions: number };
    expect(ready.entities).toBeGreaterThanOrEqual(10);
    expect(ready.functions).toBeGreaterThanOrEqual(3);
    first.child.kill('SIGTERM');
    const firstRun = await first.output;
    expect(firstRun.code).toBe(0);
    expect(firstRun.stderr).toContain(`ready on ${first.url} (pid ${first.child.pid})`);
    expect(firstRun.stderr).toContain(`health     ${first.url}/health`);
    expect(firstRun.stderr).toContain(`embedded, in ${dataDir}`);
    expect(firstRun.stdout + firstRun.stderr).not.toContain('"level":50');

    // the data folder is kept: a second start finds the schema and does not seed again
    const second = await serve(['--data-dir', dataDir, '--log-level', 'info'], {});
    second.child.kill('SIGTERM');
    const secondRun = await second.output;
    expect(secondRun.code).toBe(0);
    expect(secondRun.stdout).not.toContain('loaded the sample schema');
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
  });

  it('serves DATABASE_URL with the chosen schemas', async () => {
    const { Client } = (await import('pg')).default;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('create schema extra; create table extra.only_here (id int primary key)');
    await client.end();
    const { child, url, output } = await serve(['--schemas', 'extra'], { DATABASE_URL: db.url });
    const ready = (await (await fetch(`${url}/ready`)).json()) as { entities: number; status: string };
    expect(ready).toMatchObject({ status: 'ready', entities: 1 });
    // SIGUSR1 reloads; it must never start Node's inspector (a debugger on a local port)
    child.kill('SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await fetch(`${url}/health`)).status).toBe(200);
    child.kill('SIGTERM');
    const result = await output;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('Debugger listening');
  });

  it('introspect writes schema-cache/<fingerprint>.json and serve --schema-cache starts from it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pgduet-cache-'));
    const introspected = await run(['introspect', '--out', out], { DATABASE_URL: db.url });
    expect(introspected.code).toBe(0);
    const file = introspected.stdout.trim();
    const graph = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string; entities: { dbName: string }[] };
    expect(file).toBe(join(out, `${graph.fingerprint}.json`));
    expect(graph.entities.map((e) => e.dbName)).toContain('books');

    // sdl reads the same file
    const sdl = await run(['sdl', '--schema-cache', file]);
    expect(sdl.code).toBe(0);
    expect(sdl.stdout).toContain('type books {');
    expect(sdl.stdout).toContain('books_aggregate(');

    // Mark the cached graph so that /ready proves it came from the file, not from the catalog.
    writeFileSync(file, JSON.stringify({ ...graph, fingerprint: 'from-the-cache' }));
    const { child, url, output } = await serve(['--schema-cache', file], { DATABASE_URL: db.url });
    const ready = (await (await fetch(`${url}/ready`)).json()) as { fingerprint: string; entities: number };
    expect(ready.fingerprint).toBe('from-the-cache');
    expect(ready.entities).toBe(graph.entities.length);
    child.kill('SIGTERM');
    expect((await output).code).toBe(0);
  });
});
