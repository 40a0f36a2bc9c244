/**
 * Test database provisioning. Every test file gets a database of its own:
 *
 * 1. on the server named by `DATABASE_URL` (its database is only used to run CREATE DATABASE),
 * 2. else on PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres,
 * 3. else, when neither answers within ~2 s, on an embedded PGlite served over a local socket.
 *
 * On a server the database is `pgduet_t_<pid>_<random>`; the pid lets global-setup drop the
 * leftovers of a run that died. Pagila is cloned from a template database built once per
 * content of the Pagila files, so a test pays ~100 ms for it instead of ~1 s of loading.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { runSqlScript } from '../../src/db/run-sql-script.js';

/** Runs SQL (a script of several statements, or one with its rows) on a database of its own connection. */
export async function runSql(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return (Array.isArray(result) ? [] : result.rows) as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** Connection string of the fresh database. */
  readonly url: string;
  readonly name: string;
  readonly kind: 'postgres' | 'pglite';
  /** Drops the database (or stops the embedded server); safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Start from a copy of Pagila (1000 films, 16044 rentals), with nothing added to it. */
  readonly pagila?: boolean;
  /** SQL files run in order with runSqlScript, after Pagila if both are asked for. */
  readonly sql?: readonly string[];
  /** Force a kind; by default a reachable server wins over PGlite. */
  readonly kind?: 'postgres' | 'pglite';
}

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECT_TIMEOUT_MS = 2000;
/** Prefix of every per-test database; global-setup reads the pid that follows it. */
export const TEST_DATABASE_PREFIX = 'pgduet_t_';
/** Bump when the way Pagila is loaded changes, so old templates are not reused. */
const PAGILA_TEMPLATE_VERSION = '1';

type Server = { readonly kind: 'postgres'; readonly adminUrl: string } | { readonly kind: 'pglite' };

let serverPromise: Promise<Server> | undefined;

/** The server tests run on, probed once per process. */
export function resolveServer(): Promise<Server> {
  serverPromise ??= probeServers();
  return serverPromise;
}

async function probeServers(): Promise<Server> {
  const candidates = [process.env['DATABASE_URL'], DEFAULT_SERVER_URL].filter((u): u is string => u !== undefined && u !== '');
  // Probe in parallel so an unreachable DATABASE_URL costs the timeout once, not twice.
  const reachable = await Promise.all(candidates.map((url) => isReachable(url)));
  const adminUrl = candidates.find((_, i) => reachable[i] === true);
  return adminUrl === undefined ? { kind: 'pglite' } : { kind: 'postgres', adminUrl };
}

async function isReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one statement on the server's maintenance database and returns its rows. */
export async function adminQuery(sql: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]> {
  const server = await resolveServer();
  if (server.kind !== 'postgres') {
    throw new Error('adminQuery needs a PostgreSQL server, but tests are running on embedded PGlite');
  }
  return withClient(server.adminUrl, async (client) => (await client.query(sql, values === undefined ? undefined : [...values])).rows);
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const server = options.kind === 'pglite' ? ({ kind: 'pglite' } as const) : await resolveServer();
  if (server.kind === 'pglite') {
    if (options.kind === 'postgres') throw new Error('no PostgreSQL server is reachable for a test database');
    return createPgliteDatabase(options);
  }

  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = options.pagila === true ? await ensurePagilaTemplate(server.adminUrl) : undefined;
  await withClient(server.adminUrl, (client) =>
    client.query(`create database ${quoteIdent(name)}${template === undefined ? '' : ` template ${quoteIdent(template)}`}`),
  );
  const url = databaseUrl(server.adminUrl, name);
  let dropped = false;
  const database: TestDatabase = {
    url,
    name,
    kind: 'postgres',
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE: a test that forgot to close its pool must not leave the database behind.
      await withClient(server.adminUrl, (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
  try {
    if (options.sql !== undefined) await withClient(url, (client) => runFiles(client, options.sql ?? []));
  } catch (error: unknown) {
    await database.drop();
    throw error;
  }
  return database;
}

async function createPgliteDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const db = new PGlite();
  try {
    if (options.pagila === true) {
      const { schema, data } = pagilaFiles();
      await runSqlScript(db, readFileSync(schema, 'utf8'));
      await runSqlScript(db, readFileSync(data, 'utf8'));
    }
    await runFiles(db, options.sql ?? []);
    // PGlite has one session, shared by every socket connection: undo the scripts' SETs
    // (pg_dump empties search_path, for one) so clients start from the defaults.
    await db.exec('reset all');
    // Several connections: the code under test usually holds a pool, and tests add their own.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 10 });
    await server.start();
    const port = server.getServerConn().split(':').pop();
    let dropped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      name: 'postgres',
      kind: 'pglite',
      async drop() {
        if (dropped) return;
        dropped = true;
        await server.stop();
        await db.close();
      },
    };
  } catch (error: unknown) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

async function runFiles(client: Parameters<typeof runSqlScript>[0], files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      await runSqlScript(client, readFileSync(file, 'utf8'));
    } catch (error: unknown) {
      throw new Error(`loading ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pagila template

/**
 * Pagila, as the repository carries it (test/fixtures/pagila, with its licence and source):
 * the tests read nothing outside the repository, so a fresh clone runs them as it is.
 */
export function pagilaFiles(): { readonly schema: string; readonly data: string } {
  const dir = fileURLToPath(new URL('../fixtures/pagila/', import.meta.url));
  const schema = `${dir}pagila-schema.sql`;
  const data = `${dir}pagila-data.sql`;
  for (const file of [schema, data]) {
    if (!existsSync(file)) throw new Error(`Pagila not found: ${file} is missing (the repository carries it; is the clone complete?)`);
  }
  return { schema, data };
}

let templateName: string | undefined;

/** `pgduet_pagila_tpl_<hash>`: a new template whenever the files' content changes. */
export function pagilaTemplateName(): string {
  if (templateName !== undefined) return templateName;
  const { schema, data } = pagilaFiles();
  const hash = createHash('sha256').update(PAGILA_TEMPLATE_VERSION);
  for (const file of [schema, data]) hash.update(readFileSync(file));
  templateName = `pgduet_pagila_tpl_${hash.digest('hex').slice(0, 12)}`;
  return templateName;
}

/**
 * Creates the Pagila template if it is missing and returns its name. Two vitest runs may race
 * here, so each loads into a database of its own and renames it into place at the end: the
 * loser's rename fails with "already exists" and it drops its copy. The temporary name carries
 * the pid, so a run killed mid-load leaves something global-setup knows to clean up.
 */
export async function ensurePagilaTemplate(adminUrl: string): Promise<string> {
  const template = pagilaTemplateName();
  if (await databaseExists(adminUrl, template)) return template;

  const { schema, data } = pagilaFiles();
  const temporary = `${TEST_DATABASE_PREFIX}${process.pid}_pagila_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database ${quoteIdent(temporary)}`));
  try {
    await withClient(databaseUrl(adminUrl, temporary), async (client) => {
      await runSqlScript(client, readFileSync(schema, 'utf8'));
      await runSqlScript(client, readFileSync(data, 'utf8'));
      await client.query('analyze');
    });
    await withClient(adminUrl, (client) => client.query(`alter database ${quoteIdent(temporary)} rename to ${quoteIdent(template)}`));
  } catch (error: unknown) {
    await withClient(adminUrl, (client) => client.query(`drop database if exists ${quoteIdent(temporary)} with (force)`));
    if (sqlState(error) === '42P04' /* duplicate_database: another run won */) return template;
    throw error;
  }
  return template;
}

/**
 * Drops `pgduet_t_<pid>_…` databases whose pid is no longer running on this machine. Without
 * FORCE: a database still in use (say, by a run on another machine sharing the server) stays.
 */
export async function dropStaleTestDatabases(adminUrl: string): Promise<string[]> {
  const dropped: string[] = [];
  await withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'pgduet\\_t\\_%' order by datname",
    );
    for (const { datname } of rows) {
      const pid = Number(/^pgduet_t_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
      try {
        await client.query(`drop database ${quoteIdent(datname)}`);
        dropped.push(datname);
      } catch {
        // In use or already gone: leave it.
      }
    }
  });
  return dropped;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (client) => (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS * 5 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The same server and credentials, another database. */
function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqlState(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
