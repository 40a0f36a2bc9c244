import { Chain, createPlugins, optionsAt, type Identity, type PluginDeps } from '../chain/index.js';
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
}

/**
 * The authorization chain as the configuration describes it: the built-in plugins whose keys
 * are set (plugins/index.ts) and the user's (`plugins:`), in the order their before/after and
 * their listing give (see `pluginOrder`).
 */
export async function buildChain({ config, pool, logger }: ChainDeps): Promise<Chain> {
  const deps: PluginDeps = { logger, query: async (text, values) => (await pool.query(text, [...(values ?? [])])).rows };
  const builtIn = builtInPlugins.map((declaration) => ({ declaration, options: optionsAt(config, declaration.configKey) }));
  const plugins = await createPlugins(builtIn, await loadPlugins(config.plugins), deps);
  const anonymous: Identity = { role: config.auth.anonymousRole ?? 'anonymous', session: {}, authenticated: false };
  return new Chain(plugins, { anonymous });
}
