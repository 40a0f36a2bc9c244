/**
 * API keys read from a real table: the loader's statement against PostgreSQL's types (uuid ids,
 * jsonb sessions, timestamptz expiries), and a revocation in the table that a reload makes
 * effective at once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Identity, type PgduetPlugin, type RequestInfo } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/pgduet-error.js';
import type { TypeGraph } from '../../src/model/index.js';
import { createApiKeyStore, hashApiKey, loadApiKeysFromTable, useApiKeys, type ApiKeyQuery, type InvalidApiKeyRow } from '../../plugins/api-key/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const PARTNER_KEY = 'pgd_partner-0123456789abcdefghijklmnopq';
const HUMAN_KEY = 'a passphrase someone chose';
const EXPIRED_KEY = 'pgd_expired-0123456789abcdefghijklmnopq';

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;

let database: TestDatabase;
let pool: pg.Pool;
let query: ApiKeyQuery;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  query = async (text, values) => (await pool.query(text, values)).rows as Record<string, unknown>[];
  await pool.query(`
    create schema "auth keys";
    create table "auth keys"."api_keys" (
      id uuid primary key,
      hash text not null,
      role text not null,
      session jsonb,
      revoked boolean not null default false,
      expires_at timestamptz
    )`);
  await pool.query(
    `insert into "auth keys"."api_keys" (id, hash, role, session, revoked, expires_at) values
      ('00000000-0000-0000-0000-000000000001', $1, 'partner', '{"Partner_Id": 42, "tier": "gold"}', false, now() + interval '1 day'),
      ('00000000-0000-0000-0000-000000000002', $2, 'person', null, false, null),
      ('00000000-0000-0000-0000-000000000003', $3, 'partner', null, false, now() - interval '1 second'),
      ('00000000-0000-0000-0000-000000000004', 'md5:0123', 'partner', null, false, null)`,
    [hashApiKey(PARTNER_KEY), hashApiKey(HUMAN_KEY, 'scrypt'), hashApiKey(EXPIRED_KEY)],
  );
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

function request(headers: Record<string, string>): RequestInfo {
  return { id: 'r', protocol: 'graphql', graph, headers, method: 'POST', path: '/graphql', ip: '127.0.0.1' };
}

async function identify(plugin: PgduetPlugin, headers: Record<string, string>): Promise<Identity> {
  let identity: Identity = ANONYMOUS;
  await plugin.onRequest?.({ request: request(headers), identity, setIdentity: (next) => void (identity = next) });
  return identity;
}

describe('keys from a table', () => {
  it('loads every usable row, with the types PostgreSQL returns, and reports the others', async () => {
    const invalid: InvalidApiKeyRow[] = [];
    const keys = await loadApiKeysFromTable(query, { name: 'auth keys.api_keys' }, (row) => invalid.push(row));
    expect(keys.map((k) => [k.id, k.role])).toEqual([
      ['00000000-0000-0000-0000-000000000001', 'partner'],
      ['00000000-0000-0000-0000-000000000002', 'person'],
      ['00000000-0000-0000-0000-000000000003', 'partner'],
    ]);
    expect(keys[0]?.session).toEqual({ Partner_Id: 42, tier: 'gold' });
    expect(keys[0]?.expiresAt).toBeInstanceOf(Date);
    expect(invalid).toEqual([{ id: '00000000-0000-0000-0000-000000000004', reason: 'hash is not sha256:<hex> or scrypt:<salt hex>:<hash hex>' }]);
  });

  it('serves the plugin through a store; a revocation in the table applies at the next reload', async () => {
    const store = createApiKeyStore(() => loadApiKeysFromTable(query, { name: 'auth keys.api_keys' }));
    await store.reload();
    const plugin = useApiKeys({}, { keys: store.keys });

    expect(await identify(plugin, { apikey: PARTNER_KEY })).toEqual({
      role: 'partner',
      session: { partner_id: '42', tier: 'gold' },
      authenticated: true,
      subject: '00000000-0000-0000-0000-000000000001',
      keyId: '00000000-0000-0000-0000-000000000001',
    });
    expect((await identify(plugin, { authorization: `Bearer ${HUMAN_KEY}` })).role).toBe('person');
    await expect(identify(plugin, { apikey: EXPIRED_KEY })).rejects.toBeInstanceOf(PgduetError);

    await pool.query(`update "auth keys"."api_keys" set revoked = true where id = '00000000-0000-0000-0000-000000000001'`);
    // not reloaded yet: the list in memory still has it
    expect((await identify(plugin, { apikey: PARTNER_KEY })).role).toBe('partner');
    await store.reload();
    await expect(identify(plugin, { apikey: PARTNER_KEY })).rejects.toMatchObject({ code: 'PGD301', postgrest: 'PGRST301', message: 'Invalid API key' });
    expect((await identify(plugin, { authorization: `Bearer ${HUMAN_KEY}` })).role).toBe('person');
  });

  it('a missing table is an error of the load, not an empty list', async () => {
    await expect(loadApiKeysFromTable(query, { name: 'public.no_such_table' })).rejects.toThrow(/no_such_table/);
  });
});
