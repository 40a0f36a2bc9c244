import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity, RequestInfo, ResponseEvent } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import type { ReadPlan } from '../../src/plan/index.js';
import { useAuditLog, type AuditEntry, type AuditLogger } from '../../plugins/audit-log/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The audit log's table sink against a real database: the create-table SQL of the README,
 * entries inserted in batches through a pool's query function, readable as jsonb.
 */

/** As in plugins/audit-log/README.md, "Table sink". */
const CREATE_TABLE = `
create schema pgduet_audit;
create table pgduet_audit.log (
  id        bigint generated always as identity primary key,
  logged_at timestamptz not null default now(),
  entry     jsonb not null
);
create index log_time on pgduet_audit.log using brin (logged_at);
create index log_request on pgduet_audit.log ((entry->>'requestId'));
`;

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  await pool.query(CREATE_TABLE);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;
const request = (id: string): RequestInfo => ({ id, protocol: 'rest', graph, headers: { authorization: 'Bearer t0ken' }, method: 'GET', path: '/rest/film', ip: '192.0.2.1' });
const user: Identity = { role: 'user', session: { 'x-hasura-user-id': '42' }, authenticated: true, subject: 'alice' };
const read: ReadPlan = { kind: 'read', source: { kind: 'entity', entity: { schema: 'public', dbName: 'film' } }, selection: [], orderBy: [] };
const response = (id: string): ResponseEvent => ({ request: request(id), identity: user, status: 200, durationMs: 3.5, plans: [read] });

const query = (text: string, values: readonly unknown[]): Promise<unknown> => pool.query(text, [...values]);

async function entries(): Promise<AuditEntry[]> {
  const { rows } = await pool.query<{ entry: AuditEntry }>('select entry from pgduet_audit.log order by id');
  return rows.map((row) => row.entry);
}

describe('the table sink', () => {
  it('inserts one row per request, in batches, and close() writes the rest', async () => {
    await pool.query('truncate pgduet_audit.log');
    const plugin = useAuditLog({ sink: { kind: 'table', batchSize: 4, batchMs: 60_000 }, session: ['x-hasura-user-id'] }, { query });
    for (let i = 0; i < 10; i++) plugin.onResponse?.(response(`req-${i}`));
    plugin.onError?.({ request: request('denied'), identity: { role: 'anonymous', session: {}, authenticated: false }, error: new PgduetError('PGD301', 'Invalid credentials') });
    await plugin.onClose();
    const written = await entries();
    expect(written.map((e) => e.requestId)).toEqual([...Array.from({ length: 10 }, (_, i) => `req-${i}`), 'denied']);
    expect(written[0]).toMatchObject({ role: 'user', subject: 'alice', protocol: 'rest', method: 'GET', path: '/rest/film', operation: ['read'], tables: ['public.film'], status: 200, durationMs: 3.5, rowsAffected: null, session: { 'x-hasura-user-id': '42' } });
    expect(written[10]).toMatchObject({ role: 'anonymous', status: 401, errors: ['PGD301'], durationMs: null });
    // the entries are jsonb: queryable by field
    const { rows } = await pool.query<{ n: string }>("select count(*) as n from pgduet_audit.log where entry->'tables' ? 'public.film'");
    expect(rows[0]?.n).toBe('10');
    const { rows: secrets } = await pool.query<{ n: string }>("select count(*) as n from pgduet_audit.log where entry::text like '%t0ken%'");
    expect(secrets[0]?.n).toBe('0');
  });

  it('inserts on its own once batchMs has passed', async () => {
    await pool.query('truncate pgduet_audit.log');
    const plugin = useAuditLog({ sink: { kind: 'table', batchMs: 50 } }, { query });
    try {
      plugin.onResponse?.(response('timed'));
      expect(await entries()).toEqual([]);
      const deadline = Date.now() + 5000;
      while ((await entries()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await entries()).map((e) => e.requestId)).toEqual(['timed']);
    } finally {
      await plugin.onClose();
    }
  });

  it('a missing table is logged once, and the entries wait for it', async () => {
    const lines: string[] = [];
    const logger: AuditLogger = { info: (_, m) => void lines.push(m), warn: (_, m) => void lines.push(m), error: (_, m) => void lines.push(m) };
    const plugin = useAuditLog({ sink: { kind: 'table', table: 'pgduet_audit.later', batchMs: 20 } }, { query, logger });
    try {
      plugin.onResponse?.(response('waited-1'));
      plugin.onResponse?.(response('waited-2'));
      const deadline = Date.now() + 5000;
      while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lines).toEqual(['audit entries cannot be written to the table; they are kept and retried']);
      await pool.query('create table pgduet_audit.later (entry jsonb not null)');
      while (lines.length === 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const { rows } = await pool.query<{ id: string }>("select entry->>'requestId' as id from pgduet_audit.later");
      expect(rows.map((r) => r.id).sort()).toEqual(['waited-1', 'waited-2']);
      expect(lines).toEqual(['audit entries cannot be written to the table; they are kept and retried', 'audit entries are written to the table again']);
    } finally {
      await plugin.onClose();
    }
  });
});
