import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../support/cli.js';
import { collectOutput, freePort, runCommand, shellEnv, startCommand, stopCommand, waitReady } from '../support/processes.js';

/**
 * The package as a stranger gets it: `npm pack` (its prepack builds dist/), the tarball
 * installed in an empty folder with nothing beside it, then `npx pgduet` there — the version,
 * the help, and a start on the embedded database that answers REST and GraphQL.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund'];

let work: string;
let project: string;
let packed: string;
let installOutput: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pgduet-package-'));
  const source = join(work, 'source');
  const listed = await runCommand('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
  expect(listed.code, listed.stderr).toBe(0);
  for (const file of listed.stdout.split('\0').filter((name) => name !== '')) {
    mkdirSync(join(source, file, '..'), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(source, file));
    } catch (error) {
      // a file deleted in the working tree but not yet in the index: not part of what is packed
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  const pack = await runCommand('npm', ['pack', '--silent', '--pack-destination', work], { cwd: source, timeoutMs: 240_000 });
  expect(pack.code, pack.stderr).toBe(0);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball: ${pack.stdout}`);
  packed = join(work, tarball);

  project = join(work, 'empty');
  const install = await runCommand('sh', ['-c', `mkdir ${project} && cd ${project} && npm install ${NPM_QUIET.join(' ')} ${packed}`], {
    cwd: work,
    timeoutMs: 240_000,
  });
  installOutput = install.stdout + install.stderr;
  expect(install.code, installOutput).toBe(0);
}, 480_000);

let server: ChildProcess | undefined;

afterAll(async () => {
  // also when a test timed out before its own `finally` could stop the server
  if (server !== undefined) await stopCommand(server);
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

/** npx's `yes=false`: it runs the installed bin, and never fetches a `pgduet` from the registry. */
const NPX_ENV = { ...shellEnv(cleanEnv({})), npm_config_yes: 'false' };

function npx(args: readonly string[]) {
  return runCommand('npx', ['pgduet', ...args], { cwd: project, env: NPX_ENV, timeoutMs: 60_000 });
}

describe('npm pack → npm install → npx pgduet', () => {
  it('the tarball holds the compiled server, its SQL, README and LICENSE, and no tests or sources', async () => {
    const list = await runCommand('tar', ['tzf', packed], { cwd: work });
    const files = list.stdout.trim().split('\n');
    for (const file of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/src/cli/bin.js', 'package/dist/src/introspection/catalog.sql', 'package/dist/src/db/sample/schema.sql']) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /^package\/(test|bench|src|\.ci)\//.test(file))).toEqual([]);
  });

  it('npx pgduet --version prints the package version', async () => {
    const result = await npx(['--version']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${VERSION}\n`);
  }, 60_000);

  it('npx pgduet --help prints the usage', async () => {
    const result = await npx(['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: pgduet <command> [options]');
  }, 60_000);

  it('npx pgduet --memory starts on the embedded database and answers REST and GraphQL', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = startCommand('npx', ['pgduet', '--memory', '--port', String(port)], { cwd: project, env: NPX_ENV });
    const output = collectOutput(server);
    try {
      await waitReady(base, server);

      const rest = await fetch(`${base}/rest/authors?select=name&order=id&limit=2`);
      expect(rest.status).toBe(200);
      expect(await rest.json()).toEqual([{ name: 'Ursula K. Le Guin' }, { name: 'Octavia E. Butler' }]);

      const graphql = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ books(order_by: {id: asc}, limit: 1) { title author { name } } }' }),
      });
      expect(graphql.status).toBe(200);
      expect(await graphql.json()).toEqual({ data: { books: [{ title: 'The Left Hand of Darkness', author: { name: 'Ursula K. Le Guin' } }] } });
    } finally {
      await stopCommand(server);
    }
    const { stderr } = await output;
    expect(stderr).toContain(`pgduet ${VERSION} ready on ${base}`);
    expect(stderr).toContain('embedded, in memory');
  }, 120_000);
});
