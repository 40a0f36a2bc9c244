import { Chain, createPlugins, optionsAt, type AnyPluginDeclaration, type Identity, type PgduetPlugin, type PluginDeps } from '../chain/index.js';
import type { Config } from '../config/index.js';
import type { Pool } from '../db/index.js';
import { builtInPlugins } from '../../plugins/index.js';
import { loadPlugins } from './load-plugins.js';
import type { Logger } from './logger.js';

/** What building the chain may need: the database (API keys in a table), a logger. */
export interface ChainDeps {
  readonly config: Config;
  readonly pool: Pool;
  readonly logger: Logger;
  /**
   * the plugins already made for another source's chain (config `sources`), by place: this
   * chain takes the same ones, and makes only its permissions anew (from `config.permissions`)
   */
  readonly shared?: Map<number, PgduetPlugin | undefined>;
}

/**
 * The authorization chain as the configuration describes it: the built-in plugins whose keys
 * are set (plugins/index.ts) and the user's (`plugins:`), in the order their before/after and
 * their listing give (see `pluginOrder`). Each source (config `sources`) has a chain of its own
 * that shares every plugin but the permissions with the others' (`shared`).
 */
export async function buildChain({ config, pool, logger, shared }: ChainDeps): Promise<Chain> {
  const deps: PluginDeps = { logger, query: async (text, values) => (await pool.query(text, [...(values ?? [])])).rows };
  const builtIn = builtInPlugins.map((declaration) => ({ declaration, options: optionsAt(config, declaration.configKey) }));
  const renew = new Set<AnyPluginDeclaration>(builtInPlugins.filter((d) => d.configKey === 'permissions'));
  const plugins = await createPlugins(builtIn, await loadPlugins(config.plugins), deps, shared === undefined ? undefined : { made: shared, renew });
  const anonymous: Identity = { role: config.auth.anonymousRole ?? 'anonymous', session: {}, authenticated: false };
  return new Chain(plugins, { anonymous });
}
