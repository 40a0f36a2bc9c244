import { describe, expect, it } from 'vitest';
import { checkConfig, configForSource, configSchema } from '../../src/config/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `sources:` (config/sources.ts): validated names, defaults, and the config each source is served with. */

function problems(yaml: string): readonly string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pgduet-sources-'));
  const file = join(dir, 'pgduet.yaml');
  writeFileSync(file, yaml);
  return checkConfig({ file, env: {} }).problems;
}

describe('sources', () => {
  it('defaults to none, and fills a source from the server and its own defaults', () => {
    expect(configSchema.parse({}).sources).toEqual([]);
    const config = configSchema.parse({
      database: { url: 'postgres://a/first', poolSize: 7 },
      server: { restPath: '/api/' },
      permissions: { user: { tables: { film: { select: {} } } } },
      sources: [{ name: 'archive', url: 'postgres://b/second' }],
    });
    const [archive] = config.sources;
    expect(archive).toMatchObject({ name: 'archive', schemas: ['public'], replicas: [], tables: {}, relationships: [] });
    const served = configForSource(config, archive!);
    expect(served.database).toMatchObject({ url: 'postgres://b/second', poolSize: 7, schemas: ['public'], replicas: [] });
    expect(served.server.restPath).toBe('/api/archive');
    expect(served.server.graphqlPath).toBe('/graphql/archive');
    // no permissions of its own: the top-level ones
    expect(served.permissions).toEqual(config.permissions);
    expect(served.sources).toEqual([]);
  });

  it('takes a source’s own permissions, tables and pool size', () => {
    const config = configSchema.parse({
      sources: [{ name: 'b', url: 'postgres://b/db', poolSize: 2, schemas: ['x'], tables: { t: { omit: true } }, permissions: { user: { tables: { t: { select: {} } } } } }],
    });
    const served = configForSource(config, config.sources[0]!);
    expect(served.database.poolSize).toBe(2);
    expect(served.database.schemas).toEqual(['x']);
    expect(served.tables).toEqual({ t: { omit: true } });
    expect(served.permissions).toMatchObject({ user: { tables: { t: { select: { columns: '*' } } } } });
  });

  it('refuses names that are no URL segment or GraphQL name, reserved names, duplicates and bad URLs', () => {
    const found = problems([
      'sources:',
      '  - { name: "my-db", url: "postgres://h/a" }',
      '  - { name: rpc, url: "postgres://h/b" }',
      '  - { name: __x, url: "postgres://h/c" }',
      '  - { name: two, url: "postgres://h/d" }',
      '  - { name: two, url: "postgres://h/e" }',
      '  - { name: three, url: "mysql://h/f" }',
      '  - { name: four, url: "postgres://h/g", colour: blue }',
    ].join('\n'));
    const text = found.join('\n');
    expect(text).toMatch(/sources\.0\.name: expected a name of letters, digits and _/);
    expect(text).toMatch(/sources\.1\.name: "rpc", "sdl" and "default" are reserved/);
    expect(text).toMatch(/sources\.2\.name: names starting with __ are reserved/);
    expect(text).toMatch(/sources\.4\.name: another source is named "two"/);
    expect(text).toMatch(/sources\.5\.url: expected a postgres:\/\/ or postgresql:\/\/ connection URL/);
    expect(text).toMatch(/sources\.6: Unrecognized key: "colour"/);
  });
});
