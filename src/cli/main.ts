import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, parsePort, splitList, type Config, type ConfigOverrides } from '../config/index.js';
import { checkDatabase, createPool, installWatch, startEmbeddedDatabase, uninstallWatch, type Pool } from '../db/index.js';
import { isPgduetError } from '../errors/index.js';
import { readSchemaCache, writeSchemaCache, type TypeGraph } from '../model/index.js';
import { printSchema } from 'graphql';
import { buildGraphqlSchema, graphqlMount } from '../graphql/index.js';
import { restMounts } from '../rest/index.js';
import { buildChain, createLogger, loadGraph, startServer } from '../server/index.js';
import { HELP } from './help.js';

const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  schemas: { type: 'string' },
  'schema-cache': { type: 'string' },
  memory: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  out: { type: 'string' },
  stdout: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Problems the user can fix: printed as one line, then exit 1. */
class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<void> {
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = error instanceof Error ? /Unknown option '([^']+)'/.exec(error.message)?.[1] : undefined;
    if (unknown !== undefined) throw new UsageError(`unknown option ${unknown} (see "pgduet <command> --help")`);
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see "pgduet --help")`);
  }
  const { values: flags, positionals } = parsed;
  const [command = 'serve', sub] = positionals;

  if (flags.version === true) {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (command === 'help') {
    process.stdout.write(`${HELP[sub ?? 'main'] ?? HELP['main']}\n`);
    return;
  }
  if (flags.help === true) {
    // `pgduet --help` is about the program; `pgduet serve --help` about one command
    process.stdout.write(`${(positionals.length === 0 ? undefined : HELP[command]) ?? HELP['main']}\n`);
    return;
  }
  switch (command) {
    case 'serve':
      return serve(flags);
    case 'introspect':
      return introspectCommand(flags);
    case 'sdl':
      return sdlCommand(flags);
    case 'watch':
      if (sub !== 'install' && sub !== 'uninstall') throw new UsageError('expected "pgduet watch install" or "pgduet watch uninstall"');
      return watchCommand(flags, sub);
    default:
      throw new UsageError(`unknown command "${command}" (see "pgduet --help")`);
  }
}

function configFrom(flags: Flags): Config {
  const overrides: ConfigOverrides = {
    ...(flags.schemas === undefined ? {} : { schemas: splitList(flags.schemas) }),
    ...(flags.port === undefined ? {} : { port: parsePort(flags.port, '--port') }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.memory === undefined ? {} : { memory: flags.memory }),
    ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
    ...(flags['log-level'] === undefined ? {} : { logLevel: flags['log-level'] }),
  };
  return loadConfig({ file: flags.config, overrides }).config;
}

async function serve(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const logger = createLogger(config.log.level);
  const server = await startServer({ config, logger, schemaCacheFile: flags['schema-cache'], handleSignals: true, mounts: [graphqlMount, restMounts], chain: buildChain });
  const { graph } = server.holder.current;
  const lines = [
    `pgduet ${version()} ready on ${server.url} (pid ${process.pid}${flags['schema-cache'] === undefined ? '' : `, from the schema cache ${flags['schema-cache']}`})`,
    `  database   ${server.embedded === undefined ? 'DATABASE_URL' : config.embedded.memory ? 'embedded, in memory' : `embedded, in ${config.embedded.dataDir}`} — schemas ${graph.schemas.join(', ')}: ${graph.entities.length} tables and views, ${graph.functions.length} functions`,
    ...server.mounts.map((m) => `  ${m.name.padEnd(10)} ${server.url}${m.path}`),
  ];
  // The banner goes to stderr so stdout stays a clean stream of JSON log lines.
  process.stderr.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** A pool on DATABASE_URL, or on the embedded database when there is none. */
async function withDatabase<T>(config: Config, work: (pool: Pool) => Promise<T>): Promise<T> {
  const embedded = config.database.url === undefined
    ? await startEmbeddedDatabase({ dataDir: config.embedded.dataDir, memory: config.embedded.memory, sample: config.embedded.sample, maxConnections: 2 })
    : undefined;
  const url = config.database.url ?? embedded?.url ?? '';
  const pool = createPool({ url, size: 1, connectTimeoutMs: config.database.connectTimeoutMs });
  try {
    await checkDatabase(pool, url);
    return await work(pool);
  } finally {
    await pool.end();
    await embedded?.close();
  }
}

async function introspectCommand(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const { graph, warnings } = await withDatabase(config, (pool) => loadGraph(pool, config));
  for (const warning of warnings) process.stderr.write(`pgduet: warning: ${warning}\n`);
  if (flags.stdout === true) {
    process.stdout.write(`${JSON.stringify(graph, null, 1)}\n`);
    return;
  }
  const file = await writeSchemaCache(flags.out ?? config.schemaCache.dir, graph);
  process.stdout.write(`${file}\n`);
  process.stderr.write(`pgduet: wrote ${graph.entities.length} tables and views, ${graph.functions.length} functions (fingerprint ${graph.fingerprint})\n`);
}

/** The GraphQL schema in SDL, from the database or from a schema cache file. */
async function sdlCommand(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const file = flags['schema-cache'];
  const graph: TypeGraph = file !== undefined ? await readSchemaCache(file) : (await withDatabase(config, (pool) => loadGraph(pool, config))).graph;
  const built = buildGraphqlSchema(graph);
  for (const warning of built.warnings) process.stderr.write(`pgduet: warning: ${warning}\n`);
  process.stdout.write(`${printSchema(built.schema)}\n`);
}

async function watchCommand(flags: Flags, sub: 'install' | 'uninstall'): Promise<void> {
  const config = configFrom(flags);
  await withDatabase(config, async (pool) => {
    const client = await pool.connect();
    try {
      if (sub === 'install') await installWatch(client, config.reload.channel);
      else await uninstallWatch(client);
    } catch (error) {
      // 42501: event triggers are for superusers only
      if (error instanceof Error && 'code' in error && error.code === '42501') {
        throw new UsageError(`watch ${sub} needs a superuser: ${error.message}`);
      }
      throw error;
    } finally {
      client.release();
    }
  });
  process.stdout.write(
    sub === 'install'
      ? `pgduet: watch installed: DDL now sends NOTIFY ${config.reload.channel}, 'reload schema'\n`
      : 'pgduet: watch removed\n',
  );
}

function version(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    const url = new URL(path, import.meta.url);
    if (existsSync(url)) {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pgduet' && pkg.version !== undefined) return pkg.version;
    }
  }
  return 'unknown';
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // One line that says what is wrong and where; no stack trace for problems the user can fix.
  const known = isPgduetError(error) || error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pgduet: ${known ? message : `unexpected error: ${message}`}\n`);
  if (!known && error instanceof Error && process.env['PGDUET_DEBUG'] !== undefined) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exit(1);
});
