import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSchemaCache, readSchemaCache } from '../../src/model/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { run, serve, tempConfig } from '../support/cli.js';

/**
 * The real `pgduet` command in a child process, as a user runs it: start-up errors, the
 * embedded database, introspect → schema cache → serve, and SIGTERM.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = join(ROOT, 'src/db/sample/schema.sql');

/** stderr without the progress lines a start prints before it fails ("listening on …") */
const PROGRESS = /^pgduet: (listening on |starting embedded|embedded PostgreSQL started|introspected |read \d+ tables)/;
const withoutProgress = (stderr: string): string => stderr.split('\n').filter((line) => !PROGRESS.test(line)).join('\n');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ sql: [SAMPLE] });
});
afterAll(async () => {
  await db?.drop();
});

describe('start-up errors: one clear line, non-zero exit', { timeout: 60_000 }, () => {
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
    expect(result.stderr).toMatch(/^pgduet: listening on /);
    expect(withoutProgress(result.stderr)).toMatch(/^pgduet: cannot connect to database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('hunter2');
    expect(withoutProgress(result.stderr).trim().split('\n')).toHaveLength(1);
  });

  it('an unknown option or command points to --help', async () => {
    const option = await run(['serve', '--prot', '1']);
    expect(option.code).toBe(1);
    expect(option.stderr).toBe('pgduet: unknown option --prot (see "pgduet <command> --help")\n');
    for (const args of [['sreve'], ['sreve', '--help'], ['help', 'sreve']]) {
      const command = await run(args);
      expect(command.code, args.join(' ')).toBe(1);
      expect(command.stdout).toBe('');
      // the general help goes with it, to stderr
      expect(command.stderr).toMatch(/^pgduet: unknown command "sreve"\n\npgduet — GraphQL and REST/);
      expect(command.stderr).toContain('Usage: pgduet <command> [options]');
    }
  }, 60_000);

  it('a taken port fails at once, says what to do, and starts no database', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'pgduet-data-'));
      const result = await run(['serve', '--port', String(port), '--data-dir', dataDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`pgduet: port ${port} is in use; pass --port or set PORT\n`);
      // the embedded database was never started: its folder is still empty
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('a missing or broken schema cache file says so', async () => {
    const result = await run(['serve', '--schema-cache', '/nonexistent/cache.json'], { DATABASE_URL: db.url });
    expect(result.code).toBe(1);
    expect(withoutProgress(result.stderr)).toBe('pgduet: schema cache: cannot read /nonexistent/cache.json (ENOENT)\n');
  });
});

describe('help', () => {
  it('prints help for the program and each command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: pgduet <command>');
    for (const command of ['serve', 'introspect', 'sdl', 'openapi', 'config', 'watch']) {
      const help = await run([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`Usage: pgduet ${command}`);
    }
    expect((await run(['help', 'introspect'])).stdout).toContain('--schema-cache FILE');
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 120_000);
});

describe('serving', { timeout: 240_000 }, () => {
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
    expect(firstRun.stderr).toContain(`health      ${first.url}/health`);
    expect(firstRun.stderr).toContain(`front_page  ${first.url}/`);
    // progress, with timings, before the banner
    expect(firstRun.stderr).toMatch(/pgduet: listening on http:\/\/\S+; \/health answers[^\n]*\npgduet: starting embedded PostgreSQL in \S+…\npgduet: embedded PostgreSQL started in \d+ ms \(new: loaded the sample schema\)\npgduet: introspected \d+ tables and views, \d+ functions in \d+ ms\npgduet \S+ ready on/);
    expect(firstRun.stderr).toContain(`embedded, in ${dataDir}`);
    expect(firstRun.stdout + firstRun.stderr).not.toContain('"level":50');

    // the data folder is kept: a second start finds the schema and does not seed again
    const second = await serve(['--data-dir', dataDir, '--log-level', 'info'], {});
    second.child.kill('SIGTERM');
    const secondRun = await second.output;
    expect({ code: secondRun.code, signal: secondRun.signal, stderr: secondRun.stderr }).toMatchObject({ code: 0, signal: null });
    expect(secondRun.stdout).not.toContain('loaded the sample schema');
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
  }, 240_000);

  it('says where the database URL came from: DATABASE_URL, --database-url or the config file', async () => {
    const fromEnv = await serve([], { DATABASE_URL: db.url });
    fromEnv.child.kill('SIGTERM');
    expect((await fromEnv.output).stderr).toMatch(/ {2}database {3}DATABASE_URL — schemas public/);

    const fromFlag = await serve(['--database-url', db.url], {});
    fromFlag.child.kill('SIGTERM');
    expect((await fromFlag.output).stderr).toMatch(/ {2}database {3}--database-url — schemas public/);

    const file = tempConfig(`database:\n  url: ${db.url}\n`);
    const fromFile = await serve(['--config', file], {});
    fromFile.child.kill('SIGTERM');
    const result = await fromFile.output;
    expect(result.stderr).toContain(`  database   database.url in ${file} — schemas public`);
    expect(result.stderr).not.toContain(db.url);
  }, 120_000);

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
    const graph = await readSchemaCache(file);
    expect(file).toBe(join(out, `${graph.fingerprint}.json`));
    expect(graph.entities.map((e) => e.dbName)).toContain('books');

    // sdl reads the same file
    const sdl = await run(['sdl', '--schema-cache', file]);
    expect(sdl.code).toBe(0);
    expect(sdl.stdout).toContain('type books {');
    expect(sdl.stdout).toContain('books_aggregate(');

    // Mark the cached graph so that /ready proves it came from the file, not from the catalog.
    writeFileSync(file, encodeSchemaCache({ ...graph, fingerprint: 'from-the-cache' }));
    const { child, url, output } = await serve(['--schema-cache', file], { DATABASE_URL: db.url });
    const ready = (await (await fetch(`${url}/ready`)).json()) as { fingerprint: string; entities: number };
    expect(ready.fingerprint).toBe('from-the-cache');
    expect(ready.entities).toBe(graph.entities.length);
    child.kill('SIGTERM');
    expect((await output).code).toBe(0);
  });
});

describe('openapi', { timeout: 60_000 }, () => {
  it('prints the OpenAPI 3.1 document of the anonymous role without starting a server', async () => {
    const result = await run(['openapi'], { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout) as { openapi: string; info: { version: string }; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/authors', '/books']));
  });

  it('writes the view of one role to a file: what the role may not read is not in it', async () => {
    const config = tempConfig('permissions:\n  reader:\n    tables:\n      authors:\n        select: { columns: [id, name] }\n');
    const out = join(mkdtempSync(join(tmpdir(), 'pgduet-openapi-')), 'reader.json');
    const result = await run(['openapi', '--role', 'reader', '--out', out, '--config', config], { DATABASE_URL: db.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^pgduet: wrote the OpenAPI document of role "reader" to \S+ \(\d+ paths\)\n$/);
    const document = JSON.parse(readFileSync(out, 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/authors');
    expect(Object.keys(document.paths)).not.toContain('/books');
  });
});

describe('config check', { timeout: 60_000 }, () => {
  it('prints OK for a valid file', async () => {
    const file = tempConfig('server:\n  port: 4100\n');
    const result = await run(['config', 'check', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`OK: ${file} is valid\n`);
  });

  it('prints each mistake on its own line and exits 1', async () => {
    const file = tempConfig('server:\n  port: "x"\n  prot: 1\ndatabase:\n  poolSize: 0\n');
    const result = await run(['config', 'check', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').sort()).toEqual([
      `pgduet: ${file}: database.poolSize: Too small: expected number to be >=1`,
      `pgduet: ${file}: server.port: Invalid input: expected number, received string`,
      `pgduet: ${file}: server: Unrecognized key: "prot"`,
    ]);
  });

  it('reports a file that does not parse', async () => {
    const file = tempConfig('server:\n  port: [4000\n');
    const result = await run(['config', 'check', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^pgduet: ${file}:\\d+:\\d+: invalid YAML`));
  });
});
