import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResponseCache } from '../cache/index.js';
import { Chain, type PgduetPlugin } from '../chain/index.js';
import type { Config } from '../config/index.js';
import { checkDatabase, startEmbeddedDatabase, type Databases, type EmbeddedDatabase, type Pool } from '../db/index.js';
import { ConfigError } from '../errors/index.js';
import { readSchemaCache, SchemaCacheError, configDigest, type TypeGraph } from '../model/index.js';
import type { ChainDeps } from './build-chain.js';
import { GraphHolder, reportReload, type GraphLoad, type ReloadOutcome } from './graph-holder.js';
import type { Mount, MountContext } from '../http/index.js';
import { InFlight, createRequestListener } from './http.js';
import { RoleConcurrency } from './role-concurrency.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { debounce, listenForReload, type ReloadListener } from './reload-triggers.js';
import { createLive, routeUpgrades } from './live.js';
import type { LiveEngine } from '../live/index.js';
import { frontPageMount } from './front-page.js';
import { startingMounts } from './starting.js';
import { healthRoute, healthzRoute, metricsRoute, readyRoute } from './system-routes.js';
import { openDatabases } from './databases.js';
import { loadGraph, modelOptions } from './load-graph.js';
import { openSource, sourceMounts, type Source } from './sources.js';

export { loadGraph, modelOptions } from './load-graph.js';

export interface StartOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** start from this schema cache file instead of running the catalog query */
  readonly schemaCacheFile?: string | undefined;
  /**
   * the protocol handlers; each gets the pool, the graph holder and the config: once for the
   * first source, and once per other source (config `sources`, `context.source` set)
   */
  readonly mounts?: readonly ((context: MountContext) => Mount | readonly Mount[])[];
  /**
   * the authorization chain, or how to build it once the pool exists (default: no plugins,
   * everything allowed)
   */
  readonly chain?: Chain | ((deps: ChainDeps) => Promise<Chain>);
  /**
   * told each step of the start with its timing ("starting embedded PostgreSQL…",
   * "introspected 12 tables and views, 3 functions in 40 ms"); default: the logger at info
   */
  readonly progress?: (line: string) => void;
  /** reload on SIGUSR1 (the CLI says yes; tests running several servers say no) */
  readonly handleSignals?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly embedded: EmbeddedDatabase | undefined;
  readonly holder: GraphHolder;
  /** the primary's pool */
  readonly pool: Pool;
  /** the primary and the read replicas */
  readonly databases: Databases;
  /** the other databases (config `sources`), by name; the first source is the fields above */
  readonly sources: ReadonlyMap<string, Source>;
  readonly metrics: Metrics;
  readonly mounts: readonly Mount[];
  /** live queries (subscriptions, SSE): their cohorts and shapes */
  readonly live: LiveEngine;
  /** reloads every source; the outcome is the first source's */
  reload(): Promise<ReloadOutcome>;
  /** stops accepting, lets requests in flight finish (up to the shutdown timeout), closes the pool */
  close(): Promise<void>;
}

/**
 * The composition root: config → HTTP port → database → type graph → mounts → reload triggers.
 * The port is bound first (a taken port fails at once; `/health` answers while the database
 * starts), and the server answers 503 until the graph is loaded. Nothing else lives here;
 * each step is a call into its own folder.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const progress = options.progress ?? ((line: string) => logger.info(line));
  const metrics = createMetrics();
  const inFlight = new InFlight();

  // until the graph is loaded: /health, /ready (503), /metrics, and a 503 for everything else
  let answer: RequestListener = createRequestListener({ mounts: startingMounts(config, metrics), logger, metrics, holder: undefined, inFlight });
  const server = createServer((req, res) => answer(req, res));
  // WebSocket upgrades (subscriptions) go to the mount of their path; refused while starting
  let upgrades: readonly Mount[] = [];
  const sockets = routeUpgrades(() => upgrades);
  server.on('upgrade', sockets.listener);
  // Longer than common load balancers' idle timeouts, so they close first (no reset races).
  server.keepAliveTimeout = 65_000;
  try {
    await listen(server, config.server.port, config.server.host);
  } catch (error) {
    throw listenError(error, config.server.host, config.server.port);
  }
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  progress(`listening on ${url}; /health answers, /ready once the schema is loaded`);
  const stopListening = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      sockets.closeAll();
    });

  let embedded: EmbeddedDatabase | undefined;
  if (config.database.url === undefined) {
    progress(config.embedded.memory ? 'starting embedded PostgreSQL (in memory)…' : `starting embedded PostgreSQL in ${config.embedded.dataDir}…`);
    const began = performance.now();
    try {
      embedded = await startEmbeddedDatabase({
        dataDir: config.embedded.dataDir,
        memory: config.embedded.memory,
        sample: config.embedded.sample,
        maxConnections: config.database.poolSize + 1,
      });
    } catch (error) {
      await stopListening();
      throw error;
    }
    progress(`embedded PostgreSQL started in ${elapsed(began)} ms${embedded.seeded ? ' (new: loaded the sample schema)' : ''}`);
  }
  if (embedded?.seeded === true) logger.info('embedded database is new: loaded the sample schema');
  const databaseUrl = config.database.url ?? embedded?.url ?? '';

  const databases = openDatabases(config, databaseUrl, logger, metrics);
  const pool = databases.primary;
  // the other databases: pools now, graphs in the background (a source that is down does not hold the start)
  const sources = config.sources.map((source) => openSource(config, source, logger, metrics));
  const cleanup = async (): Promise<void> => {
    await Promise.all(sources.map((source) => source.stop()));
    // a statement still running after the drain timeout must not hold the exit forever
    await waitAtMost(Promise.all([databases, ...sources.map((s) => s.databases)].map((d) => d.end())).then(() => undefined), config.server.shutdownTimeoutMs);
    await embedded?.close().catch(() => undefined);
  };
  const abort = async (error: unknown): Promise<never> => {
    await stopListening();
    await cleanup();
    throw error;
  };

  let initial: GraphLoad;
  try {
    await checkDatabase(pool, databaseUrl);
    const began = performance.now();
    initial = options.schemaCacheFile === undefined
      ? await loadGraph(pool, config)
      : await loadCache(options.schemaCacheFile, config, logger);
    const { entities, functions } = initial.graph;
    progress(options.schemaCacheFile === undefined
      ? `introspected ${entities.length} tables and views, ${functions.length} functions in ${elapsed(began)} ms`
      : `read ${entities.length} tables and views, ${functions.length} functions from the schema cache in ${elapsed(began)} ms`);
  } catch (error) {
    return abort(error);
  }
  for (const warning of initial.warnings) logger.warn(warning);
  for (const source of sources) {
    // <restPath>/<name> is the source's: a table of the first source by that name is no longer reachable over REST
    if (initial.graph.entities.some((e) => e.name === source.name && e.schema === config.database.schemas[0])) {
      logger.warn(`the table or view "${source.name}" is hidden from REST by the source of that name (${config.server.restPath}/${source.name} is the source's API); rename one of them`);
    }
  }

  const holder = new GraphHolder(initial.graph, () => loadGraph(pool, config));
  let chain: Chain;
  // each source's chain: the same plugins (made once), its own permissions
  const sourceChains = new Map<Source, Chain>();
  try {
    const shared = new Map<number, PgduetPlugin | undefined>();
    const chainFor = async (forConfig: Config, forPool: Pool): Promise<Chain> =>
      typeof options.chain === 'function' ? await options.chain({ config: forConfig, pool: forPool, logger, shared }) : (options.chain ?? new Chain());
    chain = await chainFor(config, pool);
    for (const source of sources) sourceChains.set(source, await chainFor(source.config, source.databases.primary));
  } catch (error) {
    return abort(error);
  }
  const listenUrl = config.database.listenUrl ?? databaseUrl;
  const live = createLive({ config, pool, metrics, logger, databaseUrl: listenUrl });
  const responseCache = createResponseCache({ options: config.cache, rateLimitRedisUrl: config.rateLimit?.redis?.url, logger });
  const context: MountContext = { config, chain, pool, databases, holder, logger, metrics, live: live.engine, responseCache, graphqlNamespaces: new Map() };
  let mounts: Mount[];
  try {
    const served = [
      healthRoute(),
      healthzRoute(),
      readyRoute(pool, () => inFlight.draining, 2000, sources.map((source) => ({ name: source.name, pool: source.databases.primary, loaded: () => source.holder.loaded }))),
      metricsRoute(metrics),
      ...(options.mounts ?? []).flatMap((mount) => mount(context)),
      ...sources.flatMap((source) => sourceMounts(source, sourceChains.get(source) ?? chain, context, options.mounts ?? [])),
    ];
    // the front page links to what is mounted; a REST API at "/" keeps "/" for itself
    mounts = served.some((m) => m.path === '/') ? served : [frontPageMount(served), ...served];
  } catch (error) {
    // a mount refusing its configuration (a missing persisted-documents file…) stops the start cleanly
    await chain.close(() => undefined);
    await live.stop();
    await responseCache.close();
    return abort(error);
  }
  upgrades = mounts.filter((m) => m.upgrade !== undefined);
  for (const source of sources) source.start();
  const concurrency = new RoleConcurrency(config.database.concurrency, config.database.connectTimeoutMs);
  // a write refetches the live queries over its tables at once; which source it went to is not
  // known here, so every source's engine is told (one over another's table of the same name refetches for nothing)
  const onWrite = sources.length === 0 ? live.touch : (plans: Parameters<typeof live.touch>[0]): void => [live, ...sources.map((s) => s.live)].forEach((l) => l.touch(plans));
  answer = createRequestListener({ mounts, logger, metrics, holder, inFlight, chain, maxBodyBytes: config.server.maxBodyBytes, concurrency, onWrite });

  const reload = async (): Promise<ReloadOutcome> => {
    // the plugins re-read what they keep (API keys from a table) with the schema
    await chain.reload((plugin, error) => logger.error({ err: error, plugin }, 'a plugin could not reload'));
    const [outcome] = await Promise.all([holder.reload(), ...sources.map((source) => source.reload())]);
    reportReload(outcome, logger, metrics);
    return outcome;
  };
  // reload() resolves to an outcome and does not reject; the catch is a last line of defence
  // against an unhandled rejection, which would end the process.
  const triggerReload = debounce(() => {
    reload().catch((error: unknown) => logger.error({ err: error }, 'schema reload crashed'));
  }, config.reload.debounceMs);
  const onSignal = (): void => {
    logger.info('SIGUSR1: reloading the schema');
    triggerReload();
  };
  if (options.handleSignals === true) process.on('SIGUSR1', onSignal);
  const listener: ReloadListener | undefined = config.reload.listen
    ? listenForReload({ url: listenUrl, channel: config.reload.channel, log: logger, onReload: triggerReload })
    : undefined;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    databaseUrl,
    embedded,
    holder,
    pool,
    databases,
    sources: new Map(sources.map((source) => [source.name, source])),
    metrics,
    mounts,
    live: live.engine,
    reload,
    close: () => {
      closing ??= (async () => {
        inFlight.draining = true;
        triggerReload.cancel();
        process.off('SIGUSR1', onSignal);
        await listener?.stop();
        await live.stop();
        sockets.closeAll();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await waitAtMost(inFlight.idle(), config.server.shutdownTimeoutMs);
        server.closeAllConnections();
        await closed;
        await chain.close((plugin, error) => logger.error({ err: error, plugin }, 'a plugin could not close'));
        await responseCache.close().catch(() => undefined);
        await cleanup();
      })();
      return closing;
    },
  };
}

async function loadCache(file: string, config: Config, logger: Logger): Promise<GraphLoad> {
  let graph: TypeGraph;
  try {
    graph = await readSchemaCache(file);
  } catch (error) {
    if (error instanceof SchemaCacheError) throw new ConfigError('PGD003', `schema cache: ${error.message}`);
    throw error;
  }
  if (graph.configDigest !== configDigest(modelOptions(config))) {
    logger.warn({ file }, 'the schema cache was built with different naming/table/relationship settings; run "pgduet introspect" to refresh it');
  }
  return { graph, warnings: [] };
}

/** A port that cannot be bound is the user's to fix: say which and how. */
function listenError(error: unknown, host: string, port: number): ConfigError {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'EADDRINUSE') return new ConfigError('PGD001', `port ${port} is in use; pass --port or set PORT`);
  if (code === 'EACCES') return new ConfigError('PGD001', `port ${port} needs privileges to bind; pass --port (above 1023) or set PORT`);
  if (code === 'EADDRNOTAVAIL') return new ConfigError('PGD001', `cannot bind ${host}: no such local address; pass --host or set HOST`);
  return new ConfigError('PGD001', `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
