import type { z } from 'zod';
import { ConfigError, PgduetError } from '../errors/index.js';
import type { PgduetPlugin } from './plugin.js';

/** How plugins report trouble, at start-up and while serving; pino's Logger fits. */
export interface PluginLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** What the server gives every plugin it creates. */
export interface PluginDeps {
  readonly logger: PluginLogger;
  /** runs a statement on the pool, outside any request's transaction (values are parameters) */
  query(text: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** A plugin's place in the chain: the plugins it must run before and after, by name. */
export interface PluginOrdering {
  readonly name: string;
  /** plugins this one must run before (their hooks see what this one did) */
  readonly before?: readonly string[];
  /** plugins this one must run after (it sees what they did: the caller they identified, the Plan they rewrote) */
  readonly after?: readonly string[];
}

/**
 * A plugin, declared once: its name, its options (a zod schema), how to create it and where it
 * runs. The built-in plugins (plugins/index.ts) and the user's (`plugins:` in pgduet.yaml) have
 * this shape; the config schema and the chain are built from the list of declarations.
 */
export interface PluginDeclaration<S extends z.ZodType = z.ZodType, K extends string = string> extends PluginOrdering {
  readonly description: string;
  /**
   * Built-in plugins: where their options are in pgduet.yaml, a top-level key (`permissions`)
   * or a key of a section (`auth.jwt`). A user plugin's options are its entry's `options`.
   */
  readonly configKey?: K;
  /**
   * The schema of those options, as written in the file: `.optional()` when the plugin may be
   * left out. Without it the options are passed as they are.
   */
  readonly options?: S;
  /**
   * Placed after the user's plugins unless before/after say otherwise (the audit log, which
   * records the Plans as every other plugin left them).
   */
  readonly last?: boolean;
  /**
   * The plugin for these options, or nothing when they ask for none (`auth.anonymousRole` that
   * is not null needs no require-credentials). Called once at start-up; it may do I/O (read
   * API keys from a table) and throws a PgduetError for options it cannot use.
   */
  create(options: Exclude<z.output<S>, undefined>, deps: PluginDeps): PgduetPlugin | undefined | Promise<PgduetPlugin | undefined>;
}

/** Any declaration, whatever its options (what lists of declarations hold). */
export type AnyPluginDeclaration = PluginDeclaration<z.ZodType, string>;

/** Declares a plugin, keeping its config key and options' types for the config schema. */
export function declarePlugin<S extends z.ZodType, const K extends string = never>(declaration: PluginDeclaration<S, K>): PluginDeclaration<S, K> {
  return declaration;
}

/** The key a declaration adds at one level of the config (`''`: the top level), if it adds one there. */
type KeyAt<K, Section extends string> = K extends string
  ? Section extends ''
    ? K extends `${string}.${string}` ? never : K
    : K extends `${Section}.${infer Rest}` ? Rest : never
  : never;

/** The options schemas a list of declarations adds at one level of the config. */
export type PluginOptionsShape<Ds extends readonly AnyPluginDeclaration[], Section extends string> = {
  readonly [D in Ds[number] as KeyAt<D['configKey'], Section>]: NonNullable<D['options']>;
};

/**
 * The config keys the declarations own at one level (`''`: the top level; `'auth'`: under
 * `auth:`), to spread into that level's `z.object`: the config schema is built from the
 * declarations instead of importing each plugin's options.
 */
export function pluginOptionsShape<const Ds extends readonly AnyPluginDeclaration[], Section extends string>(declarations: Ds, section: Section): PluginOptionsShape<Ds, Section> {
  const shape: Record<string, z.ZodType> = {};
  for (const declaration of declarations) {
    const { configKey, options } = declaration;
    if (configKey === undefined || options === undefined) continue;
    const dot = configKey.lastIndexOf('.');
    if ((dot < 0 ? '' : configKey.slice(0, dot)) === section) shape[configKey.slice(dot + 1)] = options;
  }
  return shape as PluginOptionsShape<Ds, Section>;
}

/** The value at a dotted key of a parsed config (`auth.jwt`), or undefined (also for no key). */
export function optionsAt(config: object, configKey: string | undefined): unknown {
  if (configKey === undefined) return undefined;
  let value: unknown = config;
  for (const key of configKey.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The order plugins run in: each runs after the plugins its `after` names and those whose
 * `before` names it; otherwise they keep the order they are listed in (each as late as its
 * place in the list, pulling ahead only what must run before it). Several plugins may share a
 * name (one user module listed twice): a name then stands for all of them. Returns indices
 * into `plugins`. Throws a ConfigError (PGD001) for a name that is no plugin, or for a cycle.
 */
export function pluginOrder(plugins: readonly PluginOrdering[]): number[] {
  const byName = new Map<string, number[]>();
  for (const [i, plugin] of plugins.entries()) byName.set(plugin.name, [...(byName.get(plugin.name) ?? []), i]);
  const named = (plugin: PluginOrdering, field: 'before' | 'after', name: string): number[] => {
    const found = byName.get(name);
    if (found !== undefined) return found;
    const known = [...byName.keys()].join(', ');
    throw new ConfigError('PGD001', `plugin ${plugin.name}: ${field}: no plugin is named "${name}" (the plugins are: ${known})`);
  };
  // runsBefore[i]: the plugins that must run before plugin i
  const runsBefore: number[][] = plugins.map(() => []);
  for (const [i, plugin] of plugins.entries()) {
    for (const name of plugin.after ?? []) for (const j of named(plugin, 'after', name)) runsBefore[i]?.push(j);
    for (const name of plugin.before ?? []) for (const j of named(plugin, 'before', name)) runsBefore[j]?.push(i);
  }
  const order: number[] = [];
  const placed = new Set<number>();
  const path: number[] = [];
  const place = (i: number): void => {
    if (placed.has(i)) return;
    const seen = path.indexOf(i);
    if (seen >= 0) {
      // path runs from a plugin to one that must run before it: reversed, it is the run order
      const cycle = [...path.slice(seen), i].reverse().map((j) => plugins[j]?.name);
      throw new ConfigError('PGD001', `plugins: before/after form a cycle, no order satisfies them: ${cycle.join(' runs before ')}`);
    }
    path.push(i);
    for (const j of [...new Set(runsBefore[i])].sort((a, b) => a - b)) place(j);
    path.pop();
    placed.add(i);
    order.push(i);
  };
  for (const i of plugins.keys()) place(i);
  return order;
}

/** A declaration and the options the configuration gives it (undefined: not configured). */
export interface ConfiguredPlugin {
  readonly declaration: AnyPluginDeclaration;
  readonly options: unknown;
  /** where it was configured, for error messages (`plugins[0] (./my-plugin.ts)`) */
  readonly where?: string;
}

/**
 * The chain's plugins in the order they run: the built-in declarations (in their listed order)
 * with the user's between them and those marked `last`, put in order by before/after.
 */
export function chainOrder(builtIn: readonly ConfiguredPlugin[], user: readonly ConfiguredPlugin[]): ConfiguredPlugin[] {
  const listed = [...builtIn.filter((p) => p.declaration.last !== true), ...user, ...builtIn.filter((p) => p.declaration.last === true)];
  return pluginOrder(listed.map((p) => p.declaration)).map((i) => listed[i] as ConfiguredPlugin);
}

/**
 * Plugins made once and shared by several chains (one chain per source, config `sources`):
 * each plugin made, by its place in the chain order, which the same declarations always give.
 * A chain that shares them makes anew only the declarations named in `renew` (the permissions,
 * whose options differ per source), so rate-limit buckets, JWT keys and the audit log's sink
 * are one for every source.
 */
export interface SharedPlugins {
  readonly made: Map<number, PgduetPlugin | undefined>;
  readonly renew: ReadonlySet<AnyPluginDeclaration>;
}

/** The chain's plugins (see `chainOrder`), each created with its options unless it is not configured. */
export async function createPlugins(builtIn: readonly ConfiguredPlugin[], user: readonly ConfiguredPlugin[], deps: PluginDeps, shared?: SharedPlugins): Promise<PgduetPlugin[]> {
  const plugins: PgduetPlugin[] = [];
  for (const [at, { declaration, options, where }] of chainOrder(builtIn, user).entries()) {
    const share = shared !== undefined && !shared.renew.has(declaration);
    if (share && shared.made.has(at)) {
      const made = shared.made.get(at);
      if (made !== undefined) plugins.push(made);
      continue;
    }
    if (options === undefined) {
      if (share) shared.made.set(at, undefined);
      continue;
    }
    let plugin: PgduetPlugin | undefined;
    try {
      // the options were validated by this declaration's schema (the config's, or the loader's)
      plugin = await declaration.create(options, deps);
    } catch (error) {
      if (error instanceof PgduetError || where === undefined) throw error;
      throw new ConfigError('PGD001', `${where}: could not be created: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (share) shared.made.set(at, plugin);
    if (plugin !== undefined) plugins.push(plugin);
  }
  return plugins;
}
