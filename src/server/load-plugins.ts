import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { AnyPluginDeclaration, ConfiguredPlugin, PgduetPlugin } from '../chain/index.js';
import { ConfigError } from '../errors/index.js';

/** One entry of `plugins:` in pgduet.yaml. */
export interface PluginEntry {
  /** a path (relative to the working directory) or a package name */
  readonly module: string;
  readonly options?: unknown;
}

/**
 * Loads the user plugins listed in the config, in order. A module's default export (or its
 * `plugin` export) is a declaration `{ name, description, options?, create, before?, after? }`
 * like the built-in plugins', or (the older forms) a factory `(options) => PgduetPlugin` or a
 * plugin object. A declaration's `options` schema checks the entry's options here; its
 * `create` runs when the chain is built. A module that cannot be loaded, or does not give a
 * plugin, stops the start-up with one clear line.
 */
export async function loadPlugins(entries: readonly PluginEntry[], cwd = process.cwd()): Promise<ConfiguredPlugin[]> {
  const plugins: ConfiguredPlugin[] = [];
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
    const options = entry.options ?? {};
    if (isDeclaration(exported)) {
      plugins.push({ declaration: exported, options: parseOptions(exported, options, where), where });
      continue;
    }
    let plugin: unknown;
    try {
      plugin = typeof exported === 'function' ? (exported as (options: unknown) => unknown)(options) : exported;
    } catch (error) {
      throw new ConfigError('PGD001', `${where}: its factory refused its options: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!isPlugin(plugin)) {
      throw new ConfigError('PGD001', `${where}: the module must export a plugin declaration (name, description, create), a function returning a plugin, or a plugin (name, description and hooks), as default`);
    }
    plugins.push({ declaration: { name: plugin.name, description: plugin.description, create: () => plugin }, options, where });
  }
  return plugins;
}

/** The entry's options as the declaration's schema reads them (defaults filled in), or one line saying what is wrong. */
function parseOptions(declaration: AnyPluginDeclaration, options: unknown, where: string): unknown {
  if (declaration.options === undefined) return options;
  const parsed = declaration.options.safeParse(options);
  if (parsed.success) return parsed.data;
  throw new ConfigError('PGD001', `${where}: options: ${formatIssues(parsed.error.issues)}`);
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `}${issue.message}`).join('; ');
}

function isDeclaration(value: unknown): value is AnyPluginDeclaration {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const names = (list: unknown): boolean => list === undefined || (Array.isArray(list) && list.every((name) => typeof name === 'string'));
  const schema = candidate['options'];
  return (
    typeof candidate['name'] === 'string' &&
    typeof candidate['description'] === 'string' &&
    typeof candidate['create'] === 'function' &&
    (schema === undefined || (typeof schema === 'object' && schema !== null && typeof (schema as { safeParse?: unknown }).safeParse === 'function')) &&
    names(candidate['before']) &&
    names(candidate['after'])
  );
}

function isPlugin(value: unknown): value is PgduetPlugin {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && typeof (value as { description?: unknown }).description === 'string';
}
