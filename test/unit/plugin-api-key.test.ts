import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ANONYMOUS, Chain, type Identity, type PgduetPlugin, type RequestInfo } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/pgduet-error.js';
import type { TypeGraph } from '../../src/model/index.js';
import {
  apiKeyOptions,
  apiKeyTableQuery,
  createApiKeyStore,
  generateApiKey,
  hashApiKey,
  loadApiKeysFromTable,
  parseStoredHash,
  presentedApiKey,
  useApiKeys,
  verifyApiKey,
  type ApiKey,
  type InvalidApiKeyRow,
} from '../../plugins/api-key/index.js';
import { useJwt } from '../../plugins/jwt/index.js';

/**
 * The API-key plugin alone, over hand-built requests. node:crypto is wrapped so that the test
 * can see the comparisons (timingSafeEqual) and the scrypt calls the plugin makes.
 */

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual), scrypt: vi.fn(actual.scrypt) };
});

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;

const KEY_A = 'pgd_key-a-0123456789abcdefghijklmnop';
const KEY_B = 'pgd_key-b-0123456789abcdefghijklmnop';
const KEY_OLD = 'pgd_old-key-for-service-account-xyz';
const KEY_REVOKED = 'pgd_revoked-0123456789abcdefghijklmn';
const KEY_EXPIRED = 'pgd_expired-0123456789abcdefghijklmn';
const KEY_LATER = 'pgd_expires-later-0123456789abcdefghi';
/** the fixed clock: 2030-01-01T00:00:00Z */
const NOW = Date.parse('2030-01-01T00:00:00Z');
const clock = { now: () => NOW };

const keys = [
  { id: 'app-a', hash: hashApiKey(KEY_A), role: 'app', session: { 'X-Tenant-Id': 7, plan: 'pro', beta: true } },
  { id: 'service-new', hash: hashApiKey(KEY_B), role: 'service' },
  { id: 'service-old', hash: hashApiKey(KEY_OLD), role: 'service' },
  { id: 'revoked', hash: hashApiKey(KEY_REVOKED), role: 'app', revoked: true },
  { id: 'expired', hash: hashApiKey(KEY_EXPIRED), role: 'app', expiresAt: '2029-12-31T23:59:59Z' },
  { id: 'later', hash: hashApiKey(KEY_LATER), role: 'app', expiresAt: '2030-01-02' },
];

function request(headers: Record<string, string | string[] | undefined>): RequestInfo {
  return { id: 'r1', protocol: 'rest', graph, headers, method: 'GET', path: '/rest/film', ip: '127.0.0.1' };
}

async function identify(plugin: PgduetPlugin, headers: Record<string, string | string[] | undefined>): Promise<Identity> {
  let identity: Identity = ANONYMOUS;
  await plugin.onRequest?.({ request: request(headers), identity, setIdentity: (next) => void (identity = next) });
  return identity;
}

/** The refusal: 401 PGD301 / PGRST301 "Invalid API key", with the challenge, and the key nowhere in it. */
async function expectRefused(plugin: PgduetPlugin, headers: Record<string, string | string[]>, key?: string): Promise<void> {
  let caught: unknown;
  try {
    await identify(plugin, headers);
  } catch (error: unknown) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PgduetError);
  const error = caught as PgduetError;
  expect({ code: error.code, status: error.status, postgrest: error.postgrest, message: error.message }).toEqual({
    code: 'PGD301',
    status: 401,
    postgrest: 'PGRST301',
    message: 'Invalid API key',
  });
  expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Invalid API key"' });
  if (key !== undefined) {
    const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack, details: error.details, hint: error.hint });
    expect(everything).not.toContain(key);
  }
}

const plugin = () => useApiKeys({ keys }, clock);

beforeEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
  vi.mocked(crypto.scrypt).mockClear();
});

describe('presenting a key', () => {
  it('in the apikey header or as a Bearer token that is not a JWT', async () => {
    const expected = { role: 'app', session: { 'x-tenant-id': '7', plan: 'pro', beta: 'true' }, authenticated: true, subject: 'app-a', keyId: 'app-a' };
    expect(await identify(plugin(), { apikey: KEY_A })).toEqual(expected);
    expect(await identify(plugin(), { ApiKey: KEY_A })).toEqual(expected);
    expect(await identify(plugin(), { authorization: `Bearer ${KEY_A}` })).toEqual(expected);
    expect(await identify(plugin(), { authorization: `bearer ${KEY_A}` })).toEqual(expected);
    // the same key in both places is one key
    expect(await identify(plugin(), { apikey: KEY_A, authorization: `Bearer ${KEY_A}` })).toEqual(expected);
  });

  it('leaves the identity alone without a key, and leaves JWTs to the JWT plugin', async () => {
    expect(await identify(plugin(), {})).toBe(ANONYMOUS);
    expect(await identify(plugin(), { apikey: '' })).toBe(ANONYMOUS);
    expect(await identify(plugin(), { authorization: 'Basic dXNlcjpwYXNz' })).toBe(ANONYMOUS);
    expect(await identify(plugin(), { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' })).toBe(ANONYMOUS);
    expect(await identify(plugin(), { apikey: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' })).toBe(ANONYMOUS);
  });

  it('refuses two different keys at once', async () => {
    await expectRefused(plugin(), { apikey: KEY_A, authorization: `Bearer ${KEY_B}` });
    await expectRefused(plugin(), { apikey: [KEY_A, KEY_B] });
    expect(presentedApiKey({ apikey: KEY_A, authorization: `Bearer ${KEY_B}` }, { header: 'apikey', bearer: true })).toEqual({ kind: 'conflict' });
  });

  it('reads another header, and ignores Authorization when bearer is false', async () => {
    const custom = useApiKeys({ keys, header: 'X-API-Key', bearer: false }, clock);
    expect((await identify(custom, { 'x-api-key': KEY_B })).keyId).toBe('service-new');
    expect(await identify(custom, { authorization: `Bearer ${KEY_B}` })).toBe(ANONYMOUS);
    expect(await identify(custom, { apikey: KEY_B })).toBe(ANONYMOUS);
  });

  it('works in the chain next to the JWT plugin', async () => {
    const chain = new Chain([useApiKeys({ keys }, clock), useJwt({ secret: 'a-very-long-secret-of-at-least-32-bytes!' })]);
    expect((await chain.identify(request({ authorization: `Bearer ${KEY_B}` }))).role).toBe('service');
    expect((await chain.identify(request({}))).role).toBe('anonymous');
  });
});

describe('which keys are valid', () => {
  it('two keys for one role are both valid (rotation)', async () => {
    const fresh = await identify(plugin(), { apikey: KEY_B });
    const old = await identify(plugin(), { apikey: KEY_OLD });
    expect([fresh.role, fresh.keyId, old.role, old.keyId]).toEqual(['service', 'service-new', 'service', 'service-old']);
    expect(fresh.session).toEqual({});
  });

  it('refuses revoked, expired and unknown keys alike, never echoing the key', async () => {
    await expectRefused(plugin(), { apikey: KEY_REVOKED }, KEY_REVOKED);
    await expectRefused(plugin(), { apikey: KEY_EXPIRED }, KEY_EXPIRED);
    await expectRefused(plugin(), { apikey: 'pgd_unknown' }, 'pgd_unknown');
    await expectRefused(plugin(), { authorization: 'Bearer pgd_unknown' }, 'pgd_unknown');
    await expectRefused(plugin(), { apikey: `${KEY_A} ` .repeat(2).trim() });
    await expectRefused(plugin(), { apikey: 'x'.repeat(5000) });
  });

  it('an expiry is a moment: before it the key is valid, from it on refused (a date alone is its midnight UTC)', async () => {
    expect((await identify(plugin(), { apikey: KEY_LATER })).keyId).toBe('later');
    const later = useApiKeys({ keys }, { now: () => Date.parse('2030-01-02T00:00:00Z') });
    await expectRefused(later, { apikey: KEY_LATER });
    const before = useApiKeys({ keys }, { now: () => Date.parse('2029-12-31T23:59:58Z') });
    expect((await identify(before, { apikey: KEY_EXPIRED })).keyId).toBe('expired');
  });

  it('tells onRefused why, with the id when the key was found', async () => {
    const reasons: unknown[] = [];
    const watched = useApiKeys({ keys }, { ...clock, onRefused: (r) => void reasons.push(r) });
    for (const apikey of [KEY_REVOKED, KEY_EXPIRED, 'pgd_unknown']) await identify(watched, { apikey }).catch(() => undefined);
    expect(reasons).toEqual([{ reason: 'revoked' }, { reason: 'expired' }, { reason: 'unknown' }]);
    expect(await verifyApiKey(KEY_REVOKED, keys, NOW)).toEqual({ kind: 'invalid', reason: 'revoked' });
  });

  it('compares with timingSafeEqual against every sha256 key, even after a match', async () => {
    await identify(plugin(), { apikey: KEY_A });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(keys.length);
    vi.mocked(crypto.timingSafeEqual).mockClear();
    await identify(plugin(), { apikey: 'pgd_unknown' }).catch(() => undefined);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(keys.length);
  });
});

describe('hashes', () => {
  it('sha256 of the UTF-8 text, and scrypt with a salt', async () => {
    expect(hashApiKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiKey('abc')).toBe(`sha256:${crypto.createHash('sha256').update('abc').digest('hex')}`);
    const scrypted = hashApiKey('correct horse battery staple', 'scrypt');
    expect(scrypted).toMatch(/^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/);
    expect(hashApiKey('correct horse battery staple', 'scrypt')).not.toBe(scrypted);
    expect(generateApiKey()).toMatch(/^pgd_[A-Za-z0-9_-]{43}$/);
    expect(parseStoredHash('SHA256:' + 'A'.repeat(64))?.kind).toBe('sha256');
  });

  it('scrypt keys verify, once per process per key', async () => {
    const scryptKeys: ApiKey[] = [
      { id: 'human', hash: hashApiKey('correct horse battery staple', 'scrypt'), role: 'person' },
      { id: 'other', hash: hashApiKey('another passphrase', 'scrypt'), role: 'person' },
    ];
    const p = useApiKeys({ keys: [] }, { keys: () => scryptKeys });
    expect((await identify(p, { apikey: 'correct horse battery staple' })).keyId).toBe('human');
    expect(crypto.scrypt).toHaveBeenCalledTimes(1);
    expect((await identify(p, { apikey: 'correct horse battery staple' })).keyId).toBe('human');
    expect(crypto.scrypt).toHaveBeenCalledTimes(1);
    await expectRefused(p, { apikey: 'wrong passphrase' });
    expect(crypto.scrypt).toHaveBeenCalledTimes(3);
    // a reload that changes the hash ends the remembered match
    scryptKeys[0] = { id: 'human', hash: hashApiKey('a new passphrase', 'scrypt'), role: 'person' };
    await expectRefused(p, { apikey: 'correct horse battery staple' });
  });

  it('refuses hash texts it cannot check: in the options, and (never matching) from a provider', async () => {
    const bad = ['md5:900150983cd24fb0d6963f7d28e17f72', 'sha256:abc', `sha512:${'a'.repeat(128)}`, 'scrypt:zz:zz', `scrypt:${'a'.repeat(32)}`, KEY_A];
    for (const hash of bad) {
      const result = apiKeyOptions.safeParse({ keys: [{ id: 'k', hash, role: 'r' }] });
      expect(result.error?.issues[0]?.message, hash).toBe('expected sha256:<64 hex digits> or scrypt:<salt hex>:<hash hex>');
      expect(() => useApiKeys({ keys: [{ id: 'k', hash, role: 'r' }] })).toThrow(/^apiKeys\.keys\.0\.hash: expected sha256/);
    }
    // the key's own text as its "hash" must not let it in
    const provided = useApiKeys({}, { keys: () => [{ id: 'plain', hash: KEY_A, role: 'app' }, { id: 'md5', hash: 'md5:x', role: 'app' }] });
    await expectRefused(provided, { apikey: KEY_A });
    await expectRefused(provided, { apikey: 'md5:x' });
  });
});

describe('options', () => {
  it('fills in the defaults and checks ids, dates, headers and the table name', () => {
    expect(apiKeyOptions.parse({})).toEqual({ header: 'apikey', bearer: true, keys: [] });
    expect(apiKeyOptions.parse({ table: { name: 'auth.api_keys' } }).table).toEqual({ name: 'auth.api_keys', refreshSeconds: 60 });
    const issues = (o: unknown) => apiKeyOptions.safeParse(o).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const k = { id: 'k', hash: hashApiKey('x'), role: 'r' };
    expect(issues({ keys: [k, { ...k }] })).toEqual(['keys.1.id: duplicate key id "k"']);
    expect(issues({ keys: [{ ...k, expiresAt: 'next week' }] })?.[0]).toMatch(/^keys\.0\.expiresAt/);
    expect(issues({ keys: [{ ...k, role: '' }] })?.[0]).toMatch(/^keys\.0\.role/);
    expect(issues({ keys: [{ ...k, key: 'plain text' }] })?.[0]).toMatch(/key/);
    expect(issues({ header: 'Authorization' })?.[0]).toMatch(/^header: Authorization is read anyway/);
    expect(issues({ table: { name: 'a.b.c' } })?.[0]).toBe('table.name: expected "table" or "schema.table"');
  });
});

describe('a provider the caller reloads', () => {
  it('is read on every request: a key revoked by a reload is refused at once', async () => {
    let current: readonly ApiKey[] = [{ id: 'db-1', hash: hashApiKey(KEY_A), role: 'partner', session: { partner_id: 'p1' } }];
    const p = useApiKeys({}, { ...clock, keys: () => current });
    expect(await identify(p, { apikey: KEY_A })).toMatchObject({ role: 'partner', keyId: 'db-1', session: { partner_id: 'p1' } });
    current = [{ ...current[0]!, revoked: true }];
    await expectRefused(p, { apikey: KEY_A });
    current = [...current, { id: 'db-2', hash: hashApiKey(KEY_B), role: 'partner' }];
    expect((await identify(p, { apikey: KEY_B })).keyId).toBe('db-2');
  });

  it('configured keys and provided keys are both valid; an async provider is awaited', async () => {
    const p = useApiKeys({ keys }, { ...clock, keys: async () => [{ id: 'db', hash: hashApiKey('pgd_from_db'), role: 'db-role' }] });
    expect((await identify(p, { apikey: 'pgd_from_db' })).role).toBe('db-role');
    expect((await identify(p, { apikey: KEY_A })).role).toBe('app');
  });

  it('createApiKeyStore: reload replaces the list, a failed reload keeps it, an old list reloads in the background', async () => {
    let table: ApiKey[] = [{ id: 't1', hash: hashApiKey(KEY_A), role: 'partner' }];
    let fail = false;
    let loads = 0;
    let now = 0;
    const errors: unknown[] = [];
    const store = createApiKeyStore(
      async () => {
        loads += 1;
        if (fail) throw new Error('database down');
        return table;
      },
      { maxAgeSeconds: 60, now: () => now, onError: (e) => void errors.push(e) },
    );
    const p = useApiKeys({}, { ...clock, keys: store.keys });
    await store.reload();
    expect((await identify(p, { apikey: KEY_A })).keyId).toBe('t1');

    table = [{ id: 't1', hash: hashApiKey(KEY_A), role: 'partner', revoked: true }];
    await store.reload();
    await expectRefused(p, { apikey: KEY_A });

    table = [{ id: 't1', hash: hashApiKey(KEY_A), role: 'partner' }];
    fail = true;
    await expect(store.reload()).rejects.toThrow('database down');
    await expectRefused(p, { apikey: KEY_A });

    fail = false;
    expect(loads).toBe(3);
    now = 61_000;
    // the old list answers this request; the reload it started answers the next
    await expectRefused(p, { apikey: KEY_A });
    expect(loads).toBe(4);
    await store.reload();
    expect((await identify(p, { apikey: KEY_A })).keyId).toBe('t1');
    expect(errors).toEqual([]);
  });

  it('createApiKeyStore: concurrent reloads share one load', async () => {
    let loads = 0;
    const store = createApiKeyStore(async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return [];
    });
    await Promise.all([store.reload(), store.reload(), store.reload()]);
    expect(loads).toBe(1);
  });
});

describe('loadApiKeysFromTable', () => {
  it('quotes the table name', () => {
    expect(apiKeyTableQuery({ name: 'auth.api_keys' })).toBe(
      'select id::text as id, hash::text as hash, role::text as role, session::jsonb as session, revoked::boolean as revoked, expires_at::timestamptz as expires_at from "auth"."api_keys" order by 1',
    );
    expect(apiKeyTableQuery({ name: 'keys' })).toContain('from "public"."keys"');
    expect(apiKeyTableQuery({ name: 'we"ird.ta ble' })).toContain('from "we""ird"."ta ble"');
  });

  it('turns rows into keys and leaves out (and reports) the rows that are not keys', async () => {
    const hash = hashApiKey(KEY_A);
    const rows: Record<string, unknown>[] = [
      { id: 'ok', hash, role: 'partner', session: { Partner_Id: 3 }, revoked: false, expires_at: new Date('2031-01-01T00:00:00Z') },
      { id: 'plain', hash, role: 'partner', session: null, revoked: null, expires_at: null },
      { id: 'revoked', hash, role: 'partner', session: null, revoked: true, expires_at: null },
      { id: 'bad-hash', hash: 'md5:abc', role: 'partner', session: null, revoked: false, expires_at: null },
      { id: 'no-role', hash, role: null, session: null, revoked: false, expires_at: null },
      { id: 'bad-session', hash, role: 'r', session: { nested: { a: 1 } }, revoked: false, expires_at: null },
      { id: 'array-session', hash, role: 'r', session: [1], revoked: false, expires_at: null },
      { id: 'bad-date', hash, role: 'r', session: null, revoked: false, expires_at: new Date('nope') },
      { id: null, hash, role: 'r', session: null, revoked: false, expires_at: null },
    ];
    const seen: { text: string; values: unknown[] | undefined }[] = [];
    const invalid: InvalidApiKeyRow[] = [];
    const loaded = await loadApiKeysFromTable(
      async (text, values) => {
        seen.push({ text, values });
        return rows;
      },
      { name: 'auth.api_keys' },
      (row) => invalid.push(row),
    );
    expect(seen).toEqual([{ text: apiKeyTableQuery({ name: 'auth.api_keys' }), values: undefined }]);
    expect(loaded).toEqual([
      { id: 'ok', hash, role: 'partner', session: { Partner_Id: 3 }, expiresAt: new Date('2031-01-01T00:00:00Z') },
      { id: 'plain', hash, role: 'partner' },
      { id: 'revoked', hash, role: 'partner', revoked: true },
    ]);
    expect(invalid).toEqual([
      { id: 'bad-hash', reason: 'hash is not sha256:<hex> or scrypt:<salt hex>:<hash hex>' },
      { id: 'no-role', reason: 'role is empty' },
      { id: 'bad-session', reason: 'session values must be strings, numbers or booleans' },
      { id: 'array-session', reason: 'session is not a JSON object' },
      { id: 'bad-date', reason: 'expires_at is not a timestamp' },
      { id: undefined, reason: 'id is empty' },
    ]);
    const p = useApiKeys({}, { ...clock, keys: () => loaded });
    expect(await identify(p, { apikey: KEY_A })).toMatchObject({ keyId: 'ok', session: { partner_id: '3' } });
  });
});
