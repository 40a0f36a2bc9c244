import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { configSchema, type Config } from './schema.js';
import { hasuraEnvSettings } from './hasura-env.js';
import { parsePort, splitList } from './env-values.js';

export { parsePort, splitList };

let yamlModule: typeof Yaml | undefined;
/**
 * The yaml package, loaded when a config file is read: ~60 ms of module loading at every start
 * otherwise, which a server configured by its environment and flags alone does not need.
 * Through its CommonJS build, so that loading the config stays synchronous.
 */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

/** Settings given on the command line; they win over the environment and the file. */
export interface ConfigOverrides {
  readonly schemas?: readonly string[];
  readonly port?: number;
  readonly host?: string;
  readonly memory?: boolean;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly logLevel?: string;
}

export interface LoadConfigOptions {
  /** `--config`; else `PGDUET_CONFIG`; else `./pgduet.yaml` when it exists */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly overrides?: ConfigOverrides;
}

export interface LoadedConfig {
  readonly config: Config;
  /** the file it came from, if any */
  readonly file: string | undefined;
  /**
   * where `database.url` came from: `--database-url`, `DATABASE_URL`, or the config file's
   * path; undefined when there is none (the embedded database)
   */
  readonly databaseUrlSource: string | undefined;
}

/** What `pgduet config check` reports: every mistake, one per entry, or none. */
export interface ConfigCheck {
  readonly file: string | undefined;
  readonly problems: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Reads `pgduet.yaml` + environment + command-line overrides and validates the result.
 * Every failure is a ConfigError whose message names the file, the key path and what was
 * expected, in one line, so that start-up can print it and exit.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const { file, merged } = readSources(options, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError('PGD001', `${file ?? 'configuration'}: ${issueLines(result.error.issues).join('; ')}`);
  }
  const databaseUrlSource = options.overrides?.databaseUrl !== undefined ? '--database-url' : env['DATABASE_URL'] ? 'DATABASE_URL' : env['HASURA_GRAPHQL_DATABASE_URL']?.trim() ? 'HASURA_GRAPHQL_DATABASE_URL' : result.data.database.url !== undefined ? file : undefined;
  return { config: result.data, file, databaseUrlSource };
}

/**
 * Every mistake in the configuration, each on its own, prefixed with the file: what
 * `pgduet config check` prints. A file that does not read or parse is one mistake.
 */
export function checkConfig(options: LoadConfigOptions = {}): ConfigCheck {
  const env = options.env ?? process.env;
  let sources: { file: string | undefined; merged: JsonObject };
  try {
    sources = readSources(options, env);
  } catch (error) {
    if (error instanceof ConfigError) return { file: undefined, problems: [error.message] };
    throw error;
  }
  const result = configSchema.safeParse(sources.merged);
  const where = sources.file ?? 'configuration';
  return { file: sources.file, problems: result.success ? [] : issueLines(result.error.issues).map((line) => `${where}: ${line}`) };
}

function readSources(options: LoadConfigOptions, env: Readonly<Record<string, string | undefined>>): { file: string | undefined; merged: JsonObject } {
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env['PGDUET_CONFIG'];
  const file = explicit !== undefined ? resolve(cwd, explicit) : defaultFile(cwd);
  const fromFile = file === undefined ? {} : readYaml(file, explicit !== undefined, env);
  return { file, merged: applyOverrides(applyEnv(fromFile, env), options.overrides ?? {}) };
}

function defaultFile(cwd: string): string | undefined {
  const candidate = resolve(cwd, 'pgduet.yaml');
  return existsSync(candidate) ? candidate : undefined;
}

function readYaml(file: string, explicit: boolean, env: Readonly<Record<string, string | undefined>>): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = explicit ? 'cannot read config file' : 'cannot read pgduet.yaml';
    throw new ConfigError('PGD001', `${file}: ${reason} (${errorMessage(error)})`);
  }
  const doc = yaml().parseDocument(text, { prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const where = pos === undefined ? file : `${file}:${pos.line}:${pos.col}`;
    const message = (first.message.split('\n')[0] ?? first.code).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError('PGD001', `${where}: invalid YAML: ${message}`);
  }
  const value = doc.toJS() as Json;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('PGD001', `${file}: expected a mapping of settings at the top level`);
  }
  return interpolate(value, env, file, []) as JsonObject;
}

/** Replaces `${NAME}` in string values with the environment variable, so secrets stay out of the file. */
function interpolate(value: Json, env: Readonly<Record<string, string | undefined>>, file: string, path: string[]): Json {
  if (typeof value === 'string') {
    // a value that is only `${NAME}` takes the type the variable spells (port: ${PORT} → 4000)
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (whole?.[1] !== undefined && env[whole[1]] !== undefined) {
      const parsed: unknown = yaml().parse(env[whole[1]] as string);
      return typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : (env[whole[1]] as string);
    }
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, variable: string) => {
      const found = env[variable];
      if (found === undefined) {
        throw new ConfigError('PGD001', `${file}: ${path.join('.')}: environment variable ${variable} is not set`);
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, file, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, file, [...path, key]);
    return out;
  }
  return value;
}

function section(root: JsonObject, key: string): JsonObject {
  const existing = root[key];
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) return { ...existing };
  return {};
}

/** Environment variables for the settings that differ between deployments. */
function applyEnv(input: JsonObject, env: Readonly<Record<string, string | undefined>>): JsonObject {
  const out: JsonObject = { ...input };
  // Hasura's variables over the file, pgduet's own over both
  for (const [key, settings] of Object.entries(hasuraEnvSettings(env))) out[key] = { ...section(out, key), ...(settings as JsonObject) };
  const database = section(out, 'database');
  const server = section(out, 'server');
  const log = section(out, 'log');
  const auth = section(out, 'auth');
  if (env['DATABASE_URL']) database['url'] = env['DATABASE_URL'];
  if (env['DATABASE_REPLICA_URLS']) database['replicas'] = splitList(env['DATABASE_REPLICA_URLS']);
  if (env['PGDUET_ADMIN_SECRET']) auth['adminSecret'] = env['PGDUET_ADMIN_SECRET'];
  if (env['PGDUET_SCHEMAS']) database['schemas'] = splitList(env['PGDUET_SCHEMAS']);
  if (env['HOST']) server['host'] = env['HOST'];
  if (env['PORT']) server['port'] = parsePort(env['PORT'], 'PORT');
  const level = env['PGDUET_LOG_LEVEL'] ?? env['LOG_LEVEL'];
  if (level) log['level'] = level;
  if (Object.keys(database).length > 0) out['database'] = database;
  if (Object.keys(server).length > 0) out['server'] = server;
  if (Object.keys(log).length > 0) out['log'] = log;
  if (Object.keys(auth).length > 0) out['auth'] = auth;
  return out;
}

function applyOverrides(input: JsonObject, o: ConfigOverrides): JsonObject {
  const out: JsonObject = { ...input };
  const database = section(out, 'database');
  const server = section(out, 'server');
  const embedded = section(out, 'embedded');
  const log = section(out, 'log');
  if (o.databaseUrl !== undefined) database['url'] = o.databaseUrl;
  if (o.schemas !== undefined) database['schemas'] = [...o.schemas];
  if (o.port !== undefined) server['port'] = o.port;
  if (o.host !== undefined) server['host'] = o.host;
  if (o.memory !== undefined) embedded['memory'] = o.memory;
  if (o.dataDir !== undefined) embedded['dataDir'] = o.dataDir;
  if (o.logLevel !== undefined) log['level'] = o.logLevel;
  for (const [key, value] of [['database', database], ['server', server], ['embedded', embedded], ['log', log]] as const) {
    if (Object.keys(value).length > 0) out[key] = value;
  }
  return out;
}

function issueLines(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(top level)' : path}: ${issue.message}`;
  });
}

function errorMessage(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
