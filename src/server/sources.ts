import type { Chain } from '../chain/index.js';
import { configForSource, type Config, type SourceOptions } from '../config/index.js';
import { redactUrl, type Databases } from '../db/index.js';
import { toGraphqlError, toRestError } from '../errors/index.js';
import { isPreflight, type Mount, type MountContext, type NamespaceOptions } from '../http/index.js';
import { GraphHolder, graphNotLoaded, reportReload, type ReloadOutcome } from './graph-holder.js';
import { openDatabases } from './databases.js';
import { sendJson } from './http.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { debounce, listenForReload, type ReloadListener } from './reload-triggers.js';
import { createLive, type Live } from './live.js';
import { loadGraph } from './load-graph.js';

/**
 * Another database behind the server (config `sources`): its pools, its type graph and how it
 * is reloaded. Its graph loads in the background: a source whose database is down at start-up
 * does not hold the server (the first source is served at once), its requests get 503
 * (PGRST002) until it loads, and it is tried again with a growing delay (and at once on
 * SIGUSR1 or when its LISTEN connection comes back).
 */
export interface Source {
  readonly name: string;
  /** where its GraphQL API stands in the first source's schema: the root field, and its types' prefix */
  readonly namespace: NamespaceOptions;
  /** the server's configuration with this source's database, tables and permissions (configForSource) */
  readonly config: Config;
  readonly databases: Databases;
  readonly holder: GraphHolder;
  /**
   * its live queries (subscriptions, SSE): an engine of its own, since the engine shares a
   * statement between subscribers by its text, which two databases may have alike; it LISTENs
   * for table changes on this source's database
   */
  readonly live: Live;
  /** loads the graph (the first time) or reloads it; never rejects */
  reload(): Promise<ReloadOutcome>;
  /** loads in the background until it has a graph, and LISTENs for reloads */
  start(): void;
  stop(): Promise<void>;
}

/** The longest wait between two tries to load a source that is down. */
const MAX_RETRY_MS = 30_000;

export function openSource(config: Config, options: SourceOptions, logger: Logger, metrics: Metrics): Source {
  const served = configForSource(config, options);
  const log = logger.child({ source: options.name });
  const databases = openDatabases(served, options.url, log, metrics, options.name);
  const holder = new GraphHolder(undefined, () => loadGraph(databases.primary, served));
  const live = createLive({ config: served, pool: databases.primary, metrics, logger: log, databaseUrl: served.database.listenUrl ?? options.url });
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 500;
  let listener: ReloadListener | undefined;
  let warned = false;

  const reload = async (): Promise<ReloadOutcome> => {
    const first = !holder.loaded;
    const outcome = await holder.reload();
    if (outcome.kind === 'failed' && first) {
      metrics.reloads.inc({ result: outcome.kind });
      const cause = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      // once at warn, then each retry at debug: an outage is one line, not one per try
      log[warned ? 'debug' : 'warn']({ cause, retryInMs: delay }, `source ${options.name} (${redactUrl(options.url)}) cannot be loaded; its requests get 503 until it is`);
      warned = true;
    } else {
      reportReload(outcome, log, metrics, ({ graph }) => (first ? `source ${options.name} loaded: ${graph.entities.length} tables and views, ${graph.functions.length} functions` : 'schema reloaded'));
    }
    return outcome;
  };

  // until the first load succeeds: try again, waiting longer each time
  const keepLoading = (): void => {
    if (stopped || holder.loaded) return;
    void reload().then(() => {
      if (stopped || holder.loaded) return;
      retry = setTimeout(keepLoading, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
  };
  const triggerReload = debounce(() => void reload(), config.reload.debounceMs);

  return {
    name: options.name,
    namespace: {
      field: options.namespace === undefined ? options.name : options.namespace,
      typePrefix: options.typePrefix ?? `${options.name}_`,
      rootFields: { ...(options.rootFieldPrefix === undefined ? {} : { prefix: options.rootFieldPrefix }), ...(options.rootFieldSuffix === undefined ? {} : { suffix: options.rootFieldSuffix }) },
    },
    config: served,
    databases,
    holder,
    live,
    reload,
    start: () => {
      keepLoading();
      if (config.reload.listen) {
        // NOTIFY on this source's database reloads this source (and a LISTEN connection that comes back reloads it)
        listener = listenForReload({ url: served.database.listenUrl ?? options.url, channel: config.reload.channel, log, onReload: triggerReload });
      }
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      triggerReload.cancel();
      await Promise.all([listener?.stop(), live.stop()]);
    },
  };
}

/**
 * A source's mounts: the protocol modules' factories called with the source's context (its
 * config, chain, pools and graph; `source` set, so a module that serves only the first source
 * returns nothing), each handler given the source's graph as the request's snapshot.
 */
export function sourceMounts(source: Source, chain: Chain, base: MountContext, factories: readonly ((context: MountContext) => Mount | readonly Mount[])[]): Mount[] {
  const context: MountContext = { ...base, config: source.config, chain, pool: source.databases.primary, databases: source.databases, holder: source.holder, live: source.live.engine, source: source.name, namespace: source.namespace };
  return factories.flatMap((factory) => [factory(context)].flat()).map((mount) => onSourceGraph(mount, source));
}

function onSourceGraph(mount: Mount, source: Source): Mount {
  const { holder } = source;
  const upgrade = mount.upgrade;
  return {
    ...mount,
    source: source.name,
    // a subscription socket needs the graph too: refused while the source loads
    ...(upgrade === undefined
      ? {}
      : {
          upgrade: (req, socket, head) => {
            if (holder.loaded) upgrade(req, socket, head);
            else socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          },
        }),
    handler: (req, res, ctx) => {
      // a browser's CORS preflight needs no graph: the mount answers it (first thing it does)
      if (!holder.loaded && isPreflight(req)) return mount.handler(req, res, ctx);
      if (!holder.loaded) {
        sendNotLoaded(res, mount.protocol);
        return;
      }
      const snapshot = holder.current;
      // the request's context, but this source's graph (the server's ctx carries the first source's)
      return mount.handler(req, res, {
        id: ctx.id,
        get log() {
          return ctx.log;
        },
        snapshot,
        trace: ctx.trace,
        signal: ctx.signal,
        admit: (role) => ctx.admit(role),
      });
    },
  };
}

function sendNotLoaded(res: Parameters<Mount['handler']>[1], protocol: Mount['protocol']): void {
  const error = graphNotLoaded();
  res.setHeader('Retry-After', '1');
  if (protocol === 'graphql') {
    // as while the server starts (starting.ts): 503, in GraphQL's shape
    sendJson(res, error.status, { errors: [toGraphqlError(error).toJSON()] });
    return;
  }
  const { status, body } = toRestError(error);
  sendJson(res, status, body);
}
