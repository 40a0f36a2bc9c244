import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PgduetPlugin } from '../chain/index.js';
import { ConfigError } from '../errors/index.js';

/** One entry of `plugins:` in pgduet.yaml. */
export interface PluginEntry {
  /** a path (relative to the working directory) or a package name */
  readonly module: string;
  readonly options?: unknown;
}

/**
 * Loads the user plugins listed in the config, in order. A module's default export (or its
 * `plugin` export) is a factory `(options) => PgduetPlugin`, or a plugin object. A module that
 * cannot be loaded, or does not give a plugin, stops the start-up with one clear line.
 */
export async function loadPlugins(entries: readonly PluginEntry[], cwd = process.cwd()): Promise<PgduetPlugin[]> {
  const plugins: PgduetPlugin[] = [];
  for (const [i, entry] of entries.entries()) {
    const where = `plugins[${i}] (${entry.module})`;
    const specifier = entry.module.startsWith('.') || isAbsolute(entry.module) ? pathToFileURL(resolve(cwd, entry.module)).href : entry.module;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(specifier)) as Record<string, unknown>;
    } catch (error) {
      const typescript = entry.module.endsWith('.ts') ? ' (a TypeScript module loads when the server runs with tsx, as `npm start` does; otherwise compile it to JavaScript)' : '';
      throw new ConfigError('PGD001', `${where}: cannot be loaded: ${error instanceof Error ? error.message : String(error)}${typescript}`, { cause: error });
    }
    const exported = loaded['default'] ?? loaded['plugin'];
    let plugin: unknown;
    try {
      plugin = typeof exported === 'function' ? (exported as (options: unknown) => unknown)(entry.options ?? {}) : exported;
    } catch (error) {
      throw new ConfigError('PGD001', `${where}: its factory refused its options: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!isPlugin(plugin)) throw new ConfigError('PGD001', `${where}: the module must export a plugin, or a function returning one, as default (an object with name, description and hooks)`);
    plugins.push(plugin);
  }
  return plugins;
}

function isPlugin(value: unknown): value is PgduetPlugin {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && typeof (value as { description?: unknown }).description === 'string';
}
