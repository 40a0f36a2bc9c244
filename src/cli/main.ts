import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkConfig, configForSource, loadConfig, parsePort, splitList, type Config, type ConfigOverrides, type LoadConfigOptions, type LoadedConfig } from '../config/index.js';
import { checkDatabase, createPool, installWatch, startEmbeddedDatabase, uninstallWatch, type Pool } from '../db/index.js';
import { isPgduetError } from '../errors/index.js';
import { readSchemaCache, writeSchemaCache, type TypeGraph } from '../model/index.js';
import { printSchema } from 'graphql';
import { buildGraphqlSchema, graphqlMount, graphqlNaming, sdlMount } from '../graphql/index.js';
import { openApiOptions, renderOpenApi, restMounts } from '../rest/index.js';
import { buildChain, createLogger, loadGraph, startServer } from '../server/index.js';
import { packageVersion as version } from '../version.js';
import { HELP } from './help.js';

const OPTIONS = {
  config: { type: 'string' },
  'database-url': { type: 'string' },
  role: { type: 'string' },
  source: { type: 'string' },
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
    const text = HELP[sub ?? 'main'];
    if (text === undefined) throw new UnknownCommand(`unknown command "${sub ?? ''}"`);
    process.stdout.write(`${text}\n`);
    return;
  }
  if (!(command in COMMANDS)) throw new UnknownCommand(`unknown command "${command}"`);
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
    case 'openapi':
      return openApiCommand(flags);
    case 'config':
      if (sub !== 'check') throw new UsageError('expected "pgduet config check"');
      return configCheckCommand(flags);
    case 'import-hasura':
      return importHasuraCommand(flags, sub);
    case 'watch':
      if (sub !== 'install' && sub !== 'uninstall') throw new UsageError('expected "pgduet watch install" or "pgduet watch uninstall"');
      return watchCommand(flags, sub);
  }
}

/** The commands there are (each has its help text). */
const COMMANDS = { serve: true, introspect: true, sdl: true, openapi: true, config: true, watch: true, 'import-hasura': true } as const;

/** A command that does not exist: the general help goes with it, to stderr. */
class UnknownCommand extends UsageError {}

function loadOptions(flags: Flags): LoadConfigOptions {
  const overrides: ConfigOverrides = {
    ...(flags['database-url'] === undefined ? {} : { databaseUrl: flags['database-url'] }),
    ...(flags.schemas === undefined ? {} : { schemas: splitList(flags.schemas) }),
    ...(flags.port === undefined ? {} : { port: parsePort(flags.port, '--port') }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.memory === undefined ? {} : { memory: flags.memory }),
    ...(flags['data-dir'] === undefined ? {} : { dataDir: flags['data-dir'] }),
    ...(flags['log-level'] === undefined ? {} : { logLevel: flags['log-level'] }),
  };
  return { file: flags.config, overrides };
}

/** The configuration a command works with: the first source's, or with `--source NAME` that of another (config `sources`). */
function configFrom(flags: Flags): Config {
  const config = loadConfig(loadOptions(flags)).config;
  if (flags.source === undefined) return config;
  const source = config.sources.find((s) => s.name === flags.source);
  if (source === undefined) {
    const names = config.sources.map((s) => s.name).join(', ');
    throw new UsageError(`--source ${flags.source}: no such source in the configuration (${names === '' ? 'it has no sources' : `its sources: ${names}`})`);
  }
  return configForSource(config, source);
}

async function serve(flags: Flags): Promise<void> {
  const loaded = loadConfig(loadOptions(flags));
  const { config } = loaded;
  const logger = createLogger(config.log.level);
  // progress goes to stderr with the banner, so stdout stays a clean stream of JSON log lines
  const progress = (line: string): void => void process.stderr.write(`pgduet: ${line}\n`);
  const server = await startServer({ config, logger, progress, schemaCacheFile: flags['schema-cache'], handleSignals: true, mounts: [graphqlMount, sdlMount, restMounts], chain: buildChain });
  const { graph } = server.holder.current;
  const lines = [
    `pgduet ${version()} ready on ${server.url} (pid ${process.pid}${flags['schema-cache'] === undefined ? '' : `, from the schema cache ${flags['schema-cache']}`})`,
    `  database   ${databaseOrigin(loaded, server.embedded !== undefined)} — schemas ${graph.schemas.join(', ')}: ${graph.entities.length} tables and views, ${graph.functions.length} functions`,
    ...server.mounts.map((m) => `  ${m.name.padEnd(11)} ${server.url}${m.path}`),
  ];
  // The handlers come before the banner: until a listener exists, SIGTERM has the kernel's
  // default action and kills the process at once, and whoever read the banner may send it now.
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
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Where the database came from, for the banner: never the URL itself (it may hold a password). */
function databaseOrigin(loaded: LoadedConfig, embedded: boolean): string {
  if (embedded) return loaded.config.embedded.memory ? 'embedded, in memory' : `embedded, in ${loaded.config.embedded.dataDir}`;
  return loaded.databaseUrlSource === undefined ? 'database.url' : loaded.databaseUrlSource === loaded.file ? `database.url in ${loaded.file}` : loaded.databaseUrlSource;
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
  const built = buildGraphqlSchema(graph, graphqlNaming(config.graphql.namingConvention));
  for (const warning of built.warnings) process.stderr.write(`pgduet: warning: ${warning}\n`);
  process.stdout.write(`${printSchema(built.schema)}\n`);
}

/**
 * The OpenAPI 3.1 document of the REST API as one role sees it (default: the anonymous
 * role), as /openapi.json serves it, without starting the HTTP server.
 */
async function openApiCommand(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const role = flags.role ?? config.auth.anonymousRole;
  if (role === null) throw new UsageError('auth.anonymousRole is null: pass --role ROLE');
  const document = await withDatabase(config, async (pool) => {
    const { graph, warnings } = await loadGraph(pool, config);
    for (const warning of warnings) process.stderr.write(`pgduet: warning: ${warning}\n`);
    // the role's view comes from the chain the configuration describes (permissions, …)
    const chain = await buildChain({ config, pool, logger: createLogger('silent', { pretty: false }) });
    try {
      return renderOpenApi(chain.graphFor(graph, role), openApiOptions(config));
    } finally {
      await chain.close(() => undefined);
    }
  });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (flags.out === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeFile(flags.out, text);
  process.stderr.write(`pgduet: wrote the OpenAPI document of role "${role}" to ${flags.out} (${Object.keys(document.paths ?? {}).length} paths)\n`);
}

/** `pgduet import-hasura <metadata dir | export.json> [--out pgduet.yaml]`: the config, to stdout or a file. */
async function importHasuraCommand(flags: Flags, from: string | undefined): Promise<void> {
  if (from === undefined) throw new UsageError('expected "pgduet import-hasura <metadata directory or export.json> [--out pgduet.yaml]"');
  // loaded for this command only: it and its YAML writer are no part of a server's start-up
  const { importedYaml, importHasura, readHasuraMetadata } = await import('./import-hasura.js');
  let metadata;
  try {
    metadata = readHasuraMetadata(from);
  } catch (error) {
    throw new UsageError(`${from}: cannot be read as Hasura metadata: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = importHasura(metadata);
  const text = importedYaml(result, from);
  if (flags.out === undefined) {
    process.stdout.write(text);
    return;
  }
  await writeFile(flags.out, text);
  process.stdout.write(`wrote ${flags.out}: ${Object.keys(result.config['permissions'] ?? {}).length} roles, ${result.notes.length} notes (see its first lines)\n`);
}

function configCheckCommand(flags: Flags): void {
  const { file, problems } = checkConfig(loadOptions(flags));
  if (problems.length === 0) {
    process.stdout.write(`OK: ${file ?? 'no config file; the defaults and the environment'} is valid\n`);
    return;
  }
  process.stderr.write(problems.map((problem) => `pgduet: ${problem}\n`).join(''));
  throw new SilentFailure();
}

/** A failure already reported: exit 1 without another line. */
class SilentFailure extends Error {}

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

// `pgduet openapi | head`: a reader that stops early is not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  // One line that says what is wrong and where; no stack trace for problems the user can fix.
  if (error instanceof SilentFailure) process.exit(1);
  const known = isPgduetError(error) || error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pgduet: ${known ? message : `unexpected error: ${message}`}\n`);
  if (error instanceof UnknownCommand) process.stderr.write(`\n${HELP['main'] ?? ''}\n`);
  if (!known && error instanceof Error && process.env['PGDUET_DEBUG'] !== undefined) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exit(1);
});
