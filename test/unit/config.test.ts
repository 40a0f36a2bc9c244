import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

function withFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-config-'));
  const file = join(dir, 'pgduet.yaml');
  writeFileSync(file, text);
  return file;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every default when there is no file', () => {
    const { config, file } = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'pgduet-empty-')) });
    expect(file).toBeUndefined();
    expect(config.database).toEqual({ poolSize: 10, schemas: ['public'], connectTimeoutMs: 5000, statementTimeoutMs: 30_000, concurrency: { roles: {} }, replicas: [], readYourWritesMs: 0, preparedStatements: true });
    // protective defaults (README "Protective defaults")
    expect(config.graphql.limits).toMatchObject({ maxDepth: 10, maxAliases: 30, maxCost: 5000 });
    expect(config.limits).toMatchObject({ maxDepth: 8 });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 4000, graphqlPath: '/graphql', restPath: '/rest' });
    expect(config.naming.case).toBe('database');
    expect(config.embedded).toEqual({ dataDir: '.pgduet/data', memory: false, sample: true });
  });

  it('reads the file, then the environment, then command-line overrides', () => {
    const file = withFile('database:\n  url: postgres://file/db\n  schemas: [a]\nserver:\n  port: 5000\n  host: 0.0.0.0\n');
    const { config } = loadConfig({
      file,
      env: { DATABASE_URL: 'postgres://env/db', PORT: '6000' },
      overrides: { port: 7000, schemas: ['b', 'c'] },
    });
    expect(config.database.url).toBe('postgres://env/db');
    expect(config.database.schemas).toEqual(['b', 'c']);
    expect(config.server.port).toBe(7000);
    expect(config.server.host).toBe('0.0.0.0');
  });

  it('finds the file through PGDUET_CONFIG and substitutes ${VARS}', () => {
    const file = withFile('database:\n  url: postgres://u:${DB_PASSWORD}@h/db\n');
    const { config } = loadConfig({ env: { PGDUET_CONFIG: file, DB_PASSWORD: 's3cret' } });
    expect(config.database.url).toBe('postgres://u:s3cret@h/db');
  });

  it('gives a value that is only ${NAME} the type the variable spells', () => {
    const file = withFile('server:\n  port: ${MYPORT}\n  host: ${MYHOST}\nembedded:\n  memory: ${MEM}\n');
    const { config } = loadConfig({ file, env: { MYPORT: '4790', MYHOST: '0.0.0.0', MEM: 'true' } });
    expect(config.server.port).toBe(4790);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.embedded.memory).toBe(true);
  });

  it('accepts table options, manual relationships and naming', () => {
    const file = withFile(`
naming: { case: camel }
tables:
  public.film:
    name: movie
    columns: { fulltext: { omit: true } }
    relationships: { language: spoken_language }
  film_list: { primaryKey: [fid] }
relationships:
  - { table: film_list, name: film, type: object, target: public.film, mapping: { fid: film_id } }
`);
    const { config } = loadConfig({ file, env: {} });
    expect(config.naming.case).toBe('camel');
    expect(config.tables['public.film']?.columns?.['fulltext']?.omit).toBe(true);
    expect(config.relationships[0]?.mapping).toEqual({ fid: 'film_id' });
  });

  it('names the file, line and column of invalid YAML', () => {
    const file = withFile('database:\n  url: [unclosed\n');
    expect(errorOf(() => loadConfig({ file, env: {} }))).toMatch(new RegExp(`^${file}:\\d+:\\d+: invalid YAML`));
  });

  it('names an unknown key with its path', () => {
    const file = withFile('server:\n  prot: 80\n');
    expect(errorOf(() => loadConfig({ file, env: {} }))).toBe(`${file}: server: Unrecognized key: "prot"`);
  });

  it('names the key path and the expected type of a wrong value', () => {
    const file = withFile('database:\n  poolSize: many\n');
    expect(errorOf(() => loadConfig({ file, env: {} }))).toBe(`${file}: database.poolSize: Invalid input: expected number, received string`);
  });

  it('lists every problem, not only the first', () => {
    const file = withFile('naming: { case: kebab }\nrelationships:\n  - { table: a, name: b, type: many, target: c, mapping: {} }\n');
    const message = errorOf(() => loadConfig({ file, env: {} }));
    expect(message).toContain('naming.case: Invalid option: expected one of "database"|"camel"');
    expect(message).toContain('relationships.0.type');
    expect(message).toContain('relationships.0.mapping: expected at least one column pair');
  });

  it('refuses a config file that does not exist, a non-mapping file, a bad PORT and a missing ${VAR}', () => {
    expect(errorOf(() => loadConfig({ file: '/nonexistent/pgduet.yaml', env: {} }))).toBe('/nonexistent/pgduet.yaml: cannot read config file (ENOENT)');
    const list = withFile('- a\n- b\n');
    expect(errorOf(() => loadConfig({ file: list, env: {} }))).toBe(`${list}: expected a mapping of settings at the top level`);
    expect(errorOf(() => loadConfig({ env: { PORT: 'eighty' }, cwd: tmpdir() }))).toBe('PORT: expected a port number (0-65535), got "eighty"');
    const missing = withFile('database:\n  url: ${NOT_SET_ANYWHERE}\n');
    expect(errorOf(() => loadConfig({ file: missing, env: {} }))).toBe(`${missing}: database.url: environment variable NOT_SET_ANYWHERE is not set`);
  });

  it('refuses a database URL that is not a URL', () => {
    expect(errorOf(() => loadConfig({ env: { DATABASE_URL: 'not a url' }, cwd: tmpdir() }))).toBe(
      'configuration: database.url: expected a postgres:// or postgresql:// connection URL',
    );
    expect(errorOf(() => loadConfig({ env: { DATABASE_URL: 'http://example.com/db' }, cwd: tmpdir() }))).toContain('database.url');
  });

  it('accepts the connection URL forms pg accepts, sockets included', () => {
    for (const url of ['postgres://u:p@h:5432/db', 'postgresql://h/db?sslmode=require', 'postgres://u:p@/db?host=/cloudsql/project:region:instance']) {
      expect(loadConfig({ env: { DATABASE_URL: url }, cwd: tmpdir() }).config.database.url).toBe(url);
    }
  });
});

describe('where the database URL came from', () => {
  const url = 'postgres://u@h/db';
  it('names --database-url, DATABASE_URL or the file, in that order of precedence', () => {
    const file = withFile(`database:\n  url: ${url}\n`);
    expect(loadConfig({ file, env: {} }).databaseUrlSource).toBe(file);
    expect(loadConfig({ file, env: { DATABASE_URL: url } }).databaseUrlSource).toBe('DATABASE_URL');
    expect(loadConfig({ file, env: { DATABASE_URL: url }, overrides: { databaseUrl: url } }).databaseUrlSource).toBe('--database-url');
    expect(loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'pgduet-empty-')) }).databaseUrlSource).toBeUndefined();
  });
});

describe('checkConfig', () => {
  it('lists every mistake, each with the file and its key path', () => {
    const file = withFile('server:\n  port: "x"\n  prot: 1\ndatabase:\n  poolSize: 0\n');
    const { problems } = checkConfig({ file, env: {} });
    expect([...problems].sort()).toEqual([
      `${file}: database.poolSize: Too small: expected number to be >=1`,
      `${file}: server.port: Invalid input: expected number, received string`,
      `${file}: server: Unrecognized key: "prot"`,
    ]);
  });

  it('reports a file that does not parse as one mistake, and a valid one as none', () => {
    expect(checkConfig({ file: withFile('a: [1\n'), env: {} }).problems).toHaveLength(1);
    expect(checkConfig({ file: withFile('server:\n  port: 4100\n'), env: {} }).problems).toEqual([]);
  });
});
