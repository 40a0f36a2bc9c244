import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { Databases } from '../../src/db/index.js';
import { buildTypeGraph } from '../../src/model/index.js';
import { planAccess, type CallPlan, type InsertPlan, type ReadPlan } from '../../src/plan/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/** plan/access.ts (what a Plan does to the database) and db/databases.ts (where it goes). */

const { graph } = buildTypeGraph(
  new CatalogBuilder()
    .table('note', { id: 'int4', body: 'text' }, { pk: ['id'] })
    .fn({ name: 'note_count', returns: 'int8', volatility: 's' })
    .fn({ name: 'add_note', args: [{ name: 'body', type: 'text' }], returns: 'int8', volatility: 'v' })
    .fn({ name: 'notes_like', args: [{ name: 'body', type: 'text' }], returns: 'public.note', set: true, volatility: 'v' })
    .build(),
  'fp',
);
const ref = (dbName: string) => ({ schema: 'public', dbName });
const text = { kind: 'scalar', schema: 'pg_catalog', name: 'text' } as const;
const read = (source: ReadPlan['source']): ReadPlan => ({ kind: 'read', source, selection: [{ kind: 'column', key: 'id', column: 'id', type: text }], orderBy: [] });
const call = (fn: string): CallPlan => ({ kind: 'call', fn: ref(fn), args: [], returns: { kind: 'value', type: text, set: false } });

describe('planAccess', () => {
  it('a read of a table, a stable function, a computed field: read', () => {
    expect(planAccess(read({ kind: 'entity', entity: ref('note') }), graph)).toBe('read');
    expect(planAccess(call('note_count'), graph)).toBe('read');
    const computed: ReadPlan = { ...read({ kind: 'entity', entity: ref('note') }), selection: [{ kind: 'computed', key: 'n', fn: ref('note_count'), type: text }] };
    expect(planAccess(computed, graph)).toBe('read');
  });

  it('a write, a volatile function (called or read as rows, at any depth), an unknown function: write', () => {
    const insert: InsertPlan = { kind: 'insert', entity: ref('note'), rows: [], returning: { selection: [] } };
    expect(planAccess(insert, graph)).toBe('write');
    expect(planAccess(call('add_note'), graph)).toBe('write');
    expect(planAccess(read({ kind: 'function', fn: ref('notes_like'), args: [] }), graph)).toBe('write');
    const nested: ReadPlan = { ...read({ kind: 'entity', entity: ref('note') }), selection: [{ kind: 'computed', key: 'x', fn: ref('add_note'), type: text }] };
    expect(planAccess(nested, graph)).toBe('write');
    expect(planAccess(call('not_in_the_graph'), graph)).toBe('write');
  });
});

describe('Databases.pick', () => {
  // pools that never connect: pick only chooses
  const pool = (): pg.Pool => new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
  const pools = [pool(), pool(), pool()];
  afterAll(() => Promise.all(pools.map((p) => p.end())));
  const [primary, r0, r1] = pools as [pg.Pool, pg.Pool, pg.Pool];

  it('reads take turns on the replicas; writes, the header and an open window go to the primary', () => {
    const databases = new Databases(primary, [r0, r1], { readYourWritesMs: 60_000 });
    const reader = { key: 'alice', primary: false };
    expect([1, 2, 3, 4].map(() => databases.pick('read', reader).name)).toEqual(['replica0', 'replica1', 'replica0', 'replica1']);
    expect(databases.pick('write', reader).name).toBe('primary');
    expect(databases.pick('read', { key: 'alice', primary: true }).name).toBe('primary');
    databases.wrote('alice');
    expect(databases.pick('read', reader).name).toBe('primary');
    expect(databases.pick('read', { key: 'bob', primary: false }).name).toMatch(/^replica/);
  });

  it('the window ends; without a window setting a write changes nothing; without replicas all is the primary', async () => {
    const short = new Databases(primary, [r0], { readYourWritesMs: 20 });
    short.wrote('alice');
    expect(short.pick('read', { key: 'alice', primary: false }).name).toBe('primary');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(short.pick('read', { key: 'alice', primary: false }).name).toBe('replica0');
    const none = new Databases(primary, [r0], { readYourWritesMs: 0 });
    none.wrote('alice');
    expect(none.pick('read', { key: 'alice', primary: false }).name).toBe('replica0');
    expect(new Databases(primary, [], { readYourWritesMs: 1000 }).pick('read').name).toBe('primary');
  });
});

describe('configuration', () => {
  it('DATABASE_REPLICA_URLS is a comma-separated list; the defaults keep everything on one database, prepared', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pgduet-replicas-'));
    const { config } = loadConfig({ cwd, env: { DATABASE_URL: 'postgres://p/app', DATABASE_REPLICA_URLS: 'postgres://r1/app, postgres://r2/app' } });
    expect(config.database.replicas).toEqual(['postgres://r1/app', 'postgres://r2/app']);
    const defaults = loadConfig({ cwd, env: {} }).config.database;
    expect([defaults.replicas, defaults.readYourWritesMs, defaults.preparedStatements, defaults.listenUrl]).toEqual([[], 0, true, undefined]);
    expect(() => loadConfig({ cwd, env: { DATABASE_REPLICA_URLS: 'mysql://r1/app' } })).toThrow(/database\.replicas\.0: expected a postgres/);
  });
});
