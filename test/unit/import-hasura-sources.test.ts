import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importedYaml, importHasura, readHasuraMetadata } from '../../src/cli/import-hasura.js';
import { loadConfig } from '../../src/config/index.js';

/**
 * `pgduet import-hasura` of a project with several sources (issue 16): the first PostgreSQL
 * source stays the top level, every other becomes an entry of `sources:` (database, parts,
 * customization), a SQL Server source is left out with a note, and the file written loads.
 */
const SOURCES = fileURLToPath(new URL('../fixtures/hasura/sources', import.meta.url));

/** The pgduet.yaml `import-hasura` writes, in a file of its own. */
function writtenFile(metadata: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pgduet-import-')), 'pgduet.yaml');
  writeFileSync(file, importedYaml(importHasura(metadata), 'metadata'));
  return file;
}

const ENV = {
  HASURA_GRAPHQL_DATABASE_URL: 'postgres://app@first.example/app',
  ARCHIVE_REPLICA_URL: 'postgres://archive@replica.example/archive',
  REPORTS_DATABASE_URL: 'postgres://reports@reports.example/reports',
};

describe('import-hasura: several sources', () => {
  const { config, notes } = importHasura(readHasuraMetadata(SOURCES));

  it('keeps the first source as the top level', () => {
    expect(config['tables']).toEqual({ 'public.book': { name: 'books' } });
    expect(config['permissions']).toEqual({ anonymous: { tables: { 'public.book': { select: { columns: ['id', 'title'] } } } } });
    expect(config['graphql']).toEqual({ namingConvention: 'graphql-default' });
    // its tables are all in public: pgduet's default schemas
    expect(config['database']).toBeUndefined();
  });

  it('makes every other PostgreSQL source an entry of sources, converted as the first is', () => {
    expect(config['sources']).toEqual([
      {
        name: 'archive_db',
        url: 'postgres://archive@archive.example:5432/archive',
        replicas: ['${ARCHIVE_REPLICA_URL}'],
        poolSize: 8,
        namingConvention: 'hasura-default',
        namespace: 'archive',
        typePrefix: 'Archive_',
        rootFieldPrefix: 'old_',
        tables: { 'public.film': { columns: { release_year: { name: 'year' } } } },
        relationships: [{ table: 'public.film', name: 'reviews', type: 'array', target: 'public.review', mapping: { id: 'film_id' } }],
        permissions: {
          anonymous: {
            tables: {
              'public.film': { select: { columns: ['id', 'title', 'release_year'], filter: { rating: { _neq: 'R' } } } },
              'public.review': { select: { columns: '*' } },
            },
            functions: ['public.film_count'],
          },
          editor: { tables: { 'public.film': { select: { columns: '*', allowAggregations: true }, insert: { columns: ['title', 'rating'] } } } },
        },
      },
      {
        name: 'reports',
        // no namespace in Hasura: its root fields beside the first source's
        namespace: null,
        url: '${REPORTS_DATABASE_URL}',
        // those of its tables, public first
        schemas: ['public', 'stats'],
        // Hasura's default, not the first source's graphql-default
        namingConvention: 'hasura-default',
        tables: { 'stats.monthly': { name: 'monthly_report' } },
        // none in Hasura: the admin only, not the top-level rules
        permissions: {},
      },
    ]);
  });

  it('notes what differs: the name made valid, the namespace pgduet adds, affixes it lacks, the SQL Server source', () => {
    expect(notes).toEqual([
      'source "warehouse" (mssql): not imported — pgduet serves PostgreSQL databases only',
      'source "archive-db": named "archive_db" in pgduet — a source\'s name is a URL segment and a GraphQL name (letters, digits and _, unique; not rpc, sdl or default)',
      'source "archive-db": customization.type_names.suffix "_t": not imported — pgduet has a namespace, a root field prefix and suffix, and a type prefix',
      'source "archive-db": public.review.film: object relationship from a foreign key — pgduet derives it; check its name (rename with tables.public.review.relationships)',
      'source "reports": no customization.naming_convention: namingConvention hasura-default (Hasura\'s default), not the first source\'s graphql-default',
      'source "reports": no customization.type_names.prefix: pgduet prefixes its GraphQL type names with "reports_" (two databases\' types in one schema) — set typePrefix to choose another',
    ]);
  });

  it('writes a pgduet.yaml that loads, the URLs Hasura read from the environment read from it too', () => {
    const file = writtenFile(readHasuraMetadata(SOURCES));
    const loaded = loadConfig({ file, env: ENV }).config;
    // the first source's URL: Hasura's variable, which pgduet reads as database.url
    expect(loaded.database.url).toBe(ENV.HASURA_GRAPHQL_DATABASE_URL);
    expect(loaded.graphql.namingConvention).toBe('graphql-default');
    expect(loaded.sources.map(({ name, url, schemas, replicas, poolSize, namespace, typePrefix, namingConvention }) => ({ name, url, schemas, replicas, poolSize, namespace, typePrefix, namingConvention }))).toEqual([
      { name: 'archive_db', url: 'postgres://archive@archive.example:5432/archive', schemas: ['public'], replicas: [ENV.ARCHIVE_REPLICA_URL], poolSize: 8, namespace: 'archive', typePrefix: 'Archive_', namingConvention: 'hasura-default' },
      { name: 'reports', url: ENV.REPORTS_DATABASE_URL, schemas: ['public', 'stats'], replicas: [], poolSize: undefined, namespace: null, typePrefix: undefined, namingConvention: 'hasura-default' },
    ]);
    expect(loaded.sources[0]?.permissions?.['anonymous']?.functions).toEqual(['public.film_count']);
    expect(loaded.sources[1]?.permissions).toEqual({});
    const { REPORTS_DATABASE_URL: _unset, ...without } = ENV;
    expect(() => loadConfig({ file, env: without })).toThrow(/environment variable REPORTS_DATABASE_URL is not set/);
  });

  it('makes names valid and distinct, spells connection parameters as a URL, and falls back to a variable it names', () => {
    const source = (name: string, connection: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, kind: 'postgres', configuration: { connection_info: connection }, ...extra });
    const metadata = {
      sources: [
        { name: 'bq', kind: 'bigquery' },
        source('main', { database_url: 'postgres://a/main' }),
        source('default', { database_url: { connection_parameters: { username: 'me', password: 'p@ss word', host: 'db.example', port: 6432, database: 'old' } } }),
        {
          name: '2024-stats',
          configuration: { connection_info: { database_url: 'postgres://c/s', pool_settings: { max_connections: 5000 } }, read_replicas: [{ database_url: { connection_parameters: { host: 'r.example' } } }, { database_url: 'postgres://r/s' }] },
        },
        source('a-b', { database_url: 'postgres://d/x' }, { customization: { root_fields: { namespace: 'not-a-name' }, type_names: { prefix: 'AB_' } } }),
        source('a_b', { database_url: { from_env: 'not a variable' } }),
      ],
    };
    const { config: imported, notes: said } = importHasura(metadata);
    // the first PostgreSQL source is the top level, whichever comes before it
    expect(imported['sources']).toEqual([
      expect.objectContaining({ name: 'source_default', url: 'postgres://me:p%40ss%20word@db.example:6432/old' }),
      expect.objectContaining({ name: 'source_2024_stats', url: 'postgres://c/s', replicas: ['postgres://r/s'], poolSize: 1000 }),
      { name: 'a_b', url: 'postgres://d/x', typePrefix: 'AB_' },
      { name: 'a_b_2', url: '${A_B_2_DATABASE_URL}', namespace: null },
    ]);
    const loaded = loadConfig({ file: writtenFile(metadata), env: { A_B_2_DATABASE_URL: 'postgres://e/y' } }).config;
    expect(loaded.sources.map((s) => s.name)).toEqual(['source_default', 'source_2024_stats', 'a_b', 'a_b_2']);
    expect(said).toContain('source "bq" (bigquery): not imported — pgduet serves PostgreSQL databases only');
    expect(said).toContain('source "2024-stats": read_replicas[0]: not imported (neither a URL, {from_env: NAME} with a NAME of letters, digits and _, nor connection_parameters with username, host and database) — add its URL to replicas');
    expect(said).toContain('source "2024-stats": pool_settings.max_connections 5000: imported as poolSize 1000, pgduet\'s most');
    expect(said).toContain('source "a-b": customization.root_fields.namespace "not-a-name": not imported — expected a GraphQL name; pgduet\'s default is used');
    expect(said).toContain('source "a_b": named "a_b_2" in pgduet — a source\'s name is a URL segment and a GraphQL name (letters, digits and _, unique; not rpc, sdl or default)');
    expect(said).toContain('source "a_b": database_url: not imported (neither a URL, {from_env: NAME} with a NAME of letters, digits and _, nor connection_parameters with username, host and database) — the url is ${A_B_2_DATABASE_URL}; set A_B_2_DATABASE_URL to its postgres:// URL');
    // an unusable namespace is noted once, as such
    expect(said.filter((n) => n.startsWith('source "a-b": ') && n.includes('namespace'))).toHaveLength(1);
    expect(said.some((n) => n.startsWith('source "main"'))).toBe(false);
  });

  it('notes the first source\'s namespace and type prefix: pgduet serves its fields at the top level', () => {
    const { config: imported, notes: said } = importHasura({ sources: [{ name: 'default', kind: 'postgres', customization: { root_fields: { namespace: 'app' }, type_names: { prefix: 'App_' } } }] });
    expect(imported).toEqual({});
    expect(said).toEqual([
      'customization.root_fields.namespace "app": not imported — pgduet serves the first source\'s fields and types at the top level, as named',
      'customization.type_names.prefix "App_": not imported — pgduet serves the first source\'s fields and types at the top level, as named',
    ]);
  });
});
