import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANONYMOUS, Chain, type Identity, type RequestInfo, type ResponseEvent } from '../../src/chain/index.js';
import { useIpAllow } from '../../plugins/ip-allow/index.js';
import { useRateLimit } from '../../plugins/rate-limit/index.js';
import { PgduetError } from '../../src/errors/index.js';
import type { TypeGraph, TypeRef } from '../../src/model/index.js';
import type { InsertPlan, JoinPath, Plan, ReadPlan, UpdatePlan } from '../../src/plan/index.js';
import {
  TableSink,
  auditLogOptions,
  insertStatement,
  planTables,
  useAuditLog,
  type AuditEntry,
  type AuditLogOptionsInput,
  type AuditLogger,
  type AuditQuery,
} from '../../plugins/audit-log/index.js';

/** The audit-log plugin alone, over hand-built requests and Plans. */

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;
const text: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'text' };
const int4: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' };
const ref = (dbName: string, schema = 'public'): { schema: string; dbName: string } => ({ schema, dbName });
/** the join to `target` (its columns do not matter to the audit log) */
const via = (target: string): JoinPath => ({ target: ref(target), mapping: [{ from: 'id', to: `${target}_id` }] });

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl';
const API_KEY = 'pgd_live_5ecr3t';

const request = (over: Partial<RequestInfo> = {}): RequestInfo => ({
  id: 'req-1',
  protocol: 'graphql',
  graph,
  headers: { authorization: `Bearer ${TOKEN}`, apikey: API_KEY, cookie: `session=${TOKEN}`, 'user-agent': 'curl/8', 'x-forwarded-for': '203.0.113.7' },
  method: 'POST',
  path: '/graphql',
  ip: '10.0.0.1',
  ...over,
});

const alice: Identity = {
  role: 'user',
  session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42', 'x-hasura-org-secret': 'hush' },
  authenticated: true,
  claims: { sub: 'alice', token: TOKEN },
  subject: 'alice',
  keyId: 'key-7',
};

/** film, its language (object relationship), its actors through film_actor, filtered on category, ordered by language name. */
const readFilms: ReadPlan = {
  kind: 'read',
  source: { kind: 'entity', entity: ref('film') },
  selection: [
    { kind: 'column', key: 'title', column: 'title', type: text },
    { kind: 'relation', key: 'language', join: via('language'), cardinality: 'one', plan: { kind: 'read', source: { kind: 'entity', entity: ref('language') }, selection: [], orderBy: [] } },
    {
      kind: 'relation',
      key: 'actors',
      join: { target: ref('actor'), mapping: [{ from: 'film_id', to: 'film_id' }], through: { junction: ref('film_actor'), targetMapping: [{ from: 'actor_id', to: 'actor_id' }] } },
      cardinality: 'many',
      plan: {
        kind: 'read',
        source: { kind: 'entity', entity: ref('actor') },
        selection: [{ kind: 'computed', key: 'full_name', fn: ref('actor_full_name', 'api'), type: text }],
        orderBy: [],
      },
    },
  ],
  where: { kind: 'and', conditions: [{ kind: 'compare', column: { column: 'rating', type: text }, operator: 'eq', value: 'PG' }, { kind: 'related', join: via('category'), condition: { kind: 'compare', column: { column: 'name', type: text }, operator: 'eq', value: 'Horror' } }] },
  orderBy: [{ target: { kind: 'related_column', join: via('language'), column: 'name' }, direction: 'asc' }],
};

/** an address with its city (parent) and two customers (children), one with a payment */
const insertAddress: InsertPlan = {
  kind: 'insert',
  entity: ref('address'),
  rows: [
    {
      values: [
        { column: 'address', type: text, value: '47 MySakila Drive' },
        { column: 'phone', type: text, value: '555-0100' },
      ],
      parents: [{ join: via('city'), entity: ref('city'), row: { values: [{ column: 'city', type: text, value: 'Lethbridge' }] } }],
      children: [
        {
          join: via('customer'),
          entity: ref('customer'),
          rows: [
            { values: [{ column: 'email', type: text, value: 'mary@example.com' }] },
            { values: [{ column: 'email', type: text, value: 'pat@example.com' }], children: [{ join: via('payment'), entity: ref('payment'), rows: [{ values: [{ column: 'amount', type: int4, value: 5 }] }] }] },
          ],
        },
      ],
    },
  ],
  returning: { selection: [{ kind: 'column', key: 'address_id', column: 'address_id', type: int4 }], affectedRowsKey: 'affected_rows' },
};

const updateCustomer: UpdatePlan = {
  kind: 'update',
  entity: ref('customer'),
  assignments: [
    { op: 'set', column: 'email', type: text, value: 'new@example.com' },
    { op: 'inc', column: 'visits', type: int4, value: 1 },
  ],
  where: { kind: 'compare', column: { column: 'customer_id', type: int4 }, operator: 'eq', value: 7 },
  returning: { selection: [] },
};

const response = (plans: readonly Plan[], over: Partial<ResponseEvent> = {}): ResponseEvent => ({ request: request(), identity: alice, status: 200, durationMs: 12.3456, plans, ...over });

const FIXED = new Date('2025-01-02T03:04:05.678Z');

/** The plugin writing to an array of parsed lines. */
function recorded(options: AuditLogOptionsInput = {}): { plugin: ReturnType<typeof useAuditLog>; lines: string[]; entries: () => AuditEntry[] } {
  const lines: string[] = [];
  const plugin = useAuditLog(options, { now: () => FIXED, stdout: { write: (chunk: string) => void lines.push(chunk) } });
  return { plugin, lines, entries: () => lines.map((line) => JSON.parse(line) as AuditEntry) };
}

describe('the line of a request', () => {
  it('a read: who, what, which tables (nested, filtered through, junctions), how it ended', () => {
    const { plugin, lines, entries } = recorded();
    plugin.onResponse?.(response([readFilms]));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('}\n')).toBe(true);
    expect(entries()[0]).toEqual({
      time: '2025-01-02T03:04:05.678Z',
      requestId: 'req-1',
      role: 'user',
      subject: 'alice',
      keyId: 'key-7',
      protocol: 'graphql',
      method: 'POST',
      path: '/graphql',
      ip: '10.0.0.1',
      operation: ['read'],
      tables: ['public.film', 'public.language', 'public.actor', 'public.film_actor', 'api.actor_full_name', 'public.category'],
      rowsAffected: null,
      status: 200,
      durationMs: 12.346,
      errors: [],
      session: { 'x-hasura-org-secret': '[redacted]', 'x-hasura-role': '[redacted]', 'x-hasura-user-id': '[redacted]' },
    });
  });

  it('a write: every table of a nested insert, and several Plans in one request', () => {
    const { plugin, entries } = recorded({ session: ['x-hasura-user-id', 'X-Hasura-Role'] });
    plugin.onResponse?.(response([insertAddress, updateCustomer, readFilms], { request: request({ protocol: 'rest', method: 'POST', path: '/rest/address' }), status: 201 }));
    const [entry] = entries();
    expect(entry?.operation).toEqual(['insert', 'update', 'read']);
    expect(entry?.tables.slice(0, 4)).toEqual(['public.address', 'public.city', 'public.customer', 'public.payment']);
    expect(entry?.protocol).toBe('rest');
    expect(entry?.path).toBe('/rest/address');
    expect(entry?.status).toBe(201);
    expect(entry?.session).toEqual({ 'x-hasura-org-secret': '[redacted]', 'x-hasura-role': 'user', 'x-hasura-user-id': '42' });
    // no values by default
    expect(entry).not.toHaveProperty('writes');
    for (const value of ['MySakila', '555-0100', 'Lethbridge', 'mary@', 'new@example.com', 'PG', 'Horror']) expect(JSON.stringify(entry)).not.toContain(value);
  });

  it('an anonymous request with no Plans: nulls, not missing fields', () => {
    const { plugin, entries } = recorded();
    plugin.onResponse?.(response([], { request: { id: 'r2', protocol: 'rest', graph, headers: {} }, identity: { role: 'anonymous', session: {}, authenticated: false }, status: 404 }));
    expect(entries()[0]).toMatchObject({ role: 'anonymous', subject: null, keyId: null, method: null, path: null, ip: null, operation: [], tables: [], session: {}, status: 404 });
  });

  it('a failed authentication is written from onError, once, even if its response follows', () => {
    const { plugin, entries } = recorded();
    const anonymous: Identity = { role: 'anonymous', session: {}, authenticated: false };
    const error = new PgduetError('PGD301', `Invalid credentials: could not verify ${TOKEN}`);
    plugin.onError?.({ request: request({ id: 'bad' }), identity: anonymous, error });
    plugin.onError?.({ request: request({ id: 'bad' }), identity: anonymous, error });
    plugin.onResponse?.(response([], { request: request({ id: 'bad' }), identity: anonymous, status: 401 }));
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({ requestId: 'bad', role: 'anonymous', subject: null, status: 401, durationMs: null, errors: ['PGD301'], operation: [], tables: [] });
    // the next request with that id (a retry through another server, say) is written again
    plugin.onResponse?.(response([], { request: request({ id: 'bad' }) }));
    expect(entries()).toHaveLength(2);
    plugin.onError?.({ request: request({ id: 'none' }), identity: anonymous, error: new PgduetError('PGD302', 'Credentials required') });
    expect(entries()[2]).toMatchObject({ requestId: 'none', status: 401, errors: ['PGD302'] });
  });

  it('other errors are written with the response, by code only', () => {
    const { plugin, entries } = recorded();
    void plugin.onRequest?.({ request: request(), identity: alice, setIdentity: () => undefined });
    plugin.onError?.({ request: request(), identity: alice, error: new PgduetError('PGD303', 'Permission denied for film.secret_column') });
    plugin.onError?.({ request: request(), identity: alice, error: new Error('boom with a value 1234-5678') });
    plugin.onError?.({ request: request(), identity: alice, error: new PgduetError('PGD303', 'again') });
    plugin.onResponse?.(response([readFilms], { status: 403 }));
    expect(entries()[0]?.errors).toEqual(['PGD303', 'unexpected']);
    expect(JSON.stringify(entries()[0])).not.toContain('secret_column');
    expect(JSON.stringify(entries()[0])).not.toContain('1234');
  });
});

describe('through the chain, as the server runs it', () => {
  /**
   * As src/server/request-scope.ts and http.ts do: identify; on a refusal, `chain.error` with
   * the anonymous identity and no `chain.response`; else the Plans, then `chain.response`.
   */
  async function serve(chain: Chain, req: RequestInfo, plans: readonly Plan[] = [readFilms]): Promise<void> {
    let identity: Identity;
    try {
      identity = await chain.identify(req);
    } catch (error: unknown) {
      chain.error(error, req, ANONYMOUS);
      return;
    }
    chain.response({ request: req, identity, status: 200, durationMs: 1, plans });
  }

  it('writes requests refused while identified (rate limit, address, any error) once, and the others at their response', async () => {
    const { plugin, entries } = recorded();
    const chain = new Chain([
      { name: 'identity', description: '', onRequest: (e) => (e.request.headers['x-boom'] === undefined ? e.setIdentity(alice) : Promise.reject(new Error('identity store down'))) },
      useIpAllow({ deny: ['192.0.2.0/24'] }),
      useRateLimit({ rules: [{ by: 'role', limit: 1, per: 60 }] }),
      plugin,
    ]);
    await serve(chain, request({ id: 'ok' }));
    await serve(chain, request({ id: 'limited' }));
    await serve(chain, request({ id: 'blocked', ip: '192.0.2.9' }));
    await serve(chain, request({ id: 'boom', headers: { 'x-boom': '1' } }));
    expect(entries().map((e) => [e.requestId, e.role, e.status, e.errors, e.durationMs])).toEqual([
      ['ok', 'user', 200, [], 1],
      ['limited', 'anonymous', 429, ['PGD401'], null],
      ['blocked', 'anonymous', 403, ['PGD402'], null],
      ['boom', 'anonymous', 500, ['unexpected'], null],
    ]);
  });
});

describe('redaction', () => {
  it('never writes credentials: headers, token text, claims', () => {
    const { plugin, lines } = recorded({ headers: ['user-agent', 'X-Forwarded-For', 'x-missing'] });
    plugin.onResponse?.(response([readFilms]));
    plugin.onError?.({ request: request({ id: 'x' }), identity: alice, error: new PgduetError('PGD301', `bad token ${TOKEN}`) });
    const all = lines.join('');
    for (const secret of [TOKEN, API_KEY, 'Bearer', 'hush', 'cookie', 'authorization', 'apikey']) expect(all).not.toContain(secret);
    expect((JSON.parse(lines[0] ?? '{}') as AuditEntry).headers).toEqual({ 'user-agent': 'curl/8', 'x-forwarded-for': '203.0.113.7' });
  });

  it('refuses to be configured to log a credential header', () => {
    for (const header of ['authorization', 'Cookie', 'apikey', 'x-api-key', 'x-hasura-admin-secret', 'proxy-authorization', 'set-cookie', 'x-auth-token']) {
      expect(() => useAuditLog({ headers: [header] }), header).toThrow(/audit-log: headers\.0: this header carries credentials and is never logged/);
    }
  });

  it('values: true writes what was written, except the redacted columns', () => {
    const { plugin, entries } = recorded({ values: true, redact: { columns: ['address.phone', 'public.customer.email', 'api.reset_password.new_password'] } });
    const call: Plan = {
      kind: 'call',
      fn: ref('reset_password', 'api'),
      args: [
        { name: 'user_id', type: int4, value: 7 },
        { name: 'new_password', type: text, value: 'hunter2' },
        { name: null, type: text, value: 'positional' },
      ],
      returns: { kind: 'void' },
    };
    plugin.onResponse?.(response([insertAddress, updateCustomer, call, readFilms]));
    const [entry] = entries();
    expect(entry?.writes).toEqual([
      { table: 'public.city', op: 'insert', values: { city: 'Lethbridge' } },
      { table: 'public.address', op: 'insert', values: { address: '47 MySakila Drive', phone: '[redacted]' } },
      { table: 'public.customer', op: 'insert', values: { email: '[redacted]' } },
      { table: 'public.customer', op: 'insert', values: { email: '[redacted]' } },
      { table: 'public.payment', op: 'insert', values: { amount: 5 } },
      { table: 'public.customer', op: 'update', values: { email: '[redacted]', visits: { inc: 1 } } },
      { table: 'api.reset_password', op: 'call', values: { user_id: 7, new_password: '[redacted]', $3: 'positional' } },
    ]);
    const line = JSON.stringify(entry);
    for (const value of ['555-0100', 'mary@', 'pat@', 'new@example.com', 'hunter2']) expect(line).not.toContain(value);
  });

  it('values: true keeps at most maxWrites rows and says how many more there were', () => {
    const { plugin, entries } = recorded({ values: true, maxWrites: 2 });
    plugin.onResponse?.(response([insertAddress]));
    expect(entries()[0]?.writes).toHaveLength(2);
    expect(entries()[0]?.writesOmitted).toBe(3);
  });
});

describe('planTables', () => {
  it('reaches aggregates, spreads, order-by-aggregate, upsert conditions, returning and function rows', () => {
    const rows: ReadPlan = { kind: 'read', source: { kind: 'entity', entity: ref('rental') }, selection: [], orderBy: [] };
    const plans: Plan[] = [
      {
        kind: 'aggregate',
        rows: {
          ...rows,
          selection: [
            { kind: 'spread', join: via('inventory'), plan: { ...rows, source: { kind: 'entity', entity: ref('inventory') } } },
            { kind: 'relation_aggregate', key: 'payments', join: via('payment'), plan: { kind: 'aggregate', rows: { ...rows, source: { kind: 'entity', entity: ref('payment') } }, outputs: [] } },
          ],
          orderBy: [{ target: { kind: 'related', join: via('customer'), target: { kind: 'related_aggregate', join: via('store'), fn: 'count' } }, direction: 'desc' }],
        },
        outputs: [{ kind: 'aggregate', key: 'aggregate', aggregates: [{ kind: 'count', key: 'count', distinct: false }] }],
      },
      { kind: 'delete', entity: ref('staff'), where: { kind: 'not', condition: { kind: 'related', join: via('store'), condition: { kind: 'or', conditions: [] } } }, returning: { selection: [{ kind: 'relation', key: 'addr', join: via('address'), cardinality: 'one', plan: { ...rows, source: { kind: 'entity', entity: ref('address') } } }] } },
      { kind: 'insert', entity: ref('tag'), rows: [], onConflict: { action: 'update', updateColumns: ['x'], where: { kind: 'related', join: via('tag_group'), condition: { kind: 'and', conditions: [] } } }, returning: { selection: [] } },
      { kind: 'call', fn: ref('search_films'), args: [], returns: { kind: 'rows', single: false, plan: { ...rows, source: { kind: 'function', fn: ref('search_films'), args: [] }, selection: [{ kind: 'relation', key: 'l', join: via('language'), cardinality: 'one', plan: { ...rows, source: { kind: 'entity', entity: ref('language') } } }] } } },
    ];
    expect(planTables(plans)).toEqual([
      'public.rental', 'public.inventory', 'public.payment', 'public.customer', 'public.store', 'public.staff', 'public.address', 'public.tag', 'public.tag_group', 'public.search_films', 'public.language',
    ]);
  });
});

describe('sinks', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    vi.useRealTimers();
  });
  const tempFile = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pgduet-audit-'));
    dirs.push(dir);
    return join(dir, 'audit.log');
  };

  it('file: one line per entry, appended, flushed on close', async () => {
    const path = tempFile();
    const first = useAuditLog({ sink: { kind: 'file', path } }, { now: () => FIXED });
    first.onResponse?.(response([readFilms]));
    first.onResponse?.(response([insertAddress], { request: request({ id: 'req-2' }) }));
    await first.onClose();
    const second = useAuditLog({ sink: { kind: 'file', path } }, { now: () => FIXED });
    second.onResponse?.(response([updateCustomer], { request: request({ id: 'req-3' }) }));
    await second.onClose();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => (JSON.parse(line) as AuditEntry).requestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect((JSON.parse(lines[1] ?? '') as AuditEntry).operation).toEqual(['insert']);
  });

  it('file: a path that cannot be opened is a start-up error', () => {
    expect(() => useAuditLog({ sink: { kind: 'file', path: join(tempFile(), 'no', 'such', 'dir.log') } })).toThrow(/audit-log: cannot open .* for appending \(ENOENT/);
  });

  it('table: needs a query function', () => {
    expect(() => useAuditLog({ sink: { kind: 'table' } })).toThrow('audit-log: the table sink needs a query function (deps.query)');
    expect(() => useAuditLog({ sink: { kind: 'table', table: 'a.b.c' } }, { query: () => Promise.resolve() })).toThrow(/sink\.table: expected "table" or "schema.table"/);
  });

  it('table: quotes the name and inserts one parameter per entry', () => {
    expect(insertStatement('audit.log', 2)).toBe('insert into "audit"."log" (entry) values ($1::jsonb), ($2::jsonb)');
    expect(insertStatement('Audit Log', 1)).toBe('insert into "Audit Log" (entry) values ($1::jsonb)');
  });

  it('table: batches by size at once and by time otherwise, one statement at a time', async () => {
    vi.useFakeTimers();
    const batches: string[][] = [];
    let release: (() => void) | undefined;
    const query: AuditQuery = async (_text, values) => {
      batches.push(values.map((v) => (JSON.parse(String(v)) as AuditEntry).requestId));
      await new Promise<void>((resolve) => (release = resolve));
    };
    const sink = new TableSink(query, { table: 'audit', batchMs: 1000, batchSize: 3, maxQueue: 100 });
    const entry = (id: string): AuditEntry => ({ ...(JSON.parse(JSON.stringify({ requestId: id })) as AuditEntry) });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) sink.write(entry(id));
    // the first full batch left at once; the second waits for the first statement to finish
    expect(batches).toEqual([['a', 'b', 'c']]);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([['a', 'b', 'c'], ['d', 'e', 'f']]);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    // g alone waits for the timer
    expect(sink.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches[2]).toEqual(['g']);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.pending).toBe(0);
  });

  it('table: keeps entries while the database refuses them, drops the oldest past maxQueue, logs start and end of the outage', async () => {
    vi.useFakeTimers();
    let down = true;
    const inserted: string[] = [];
    const query: AuditQuery = (_text, values) => {
      if (down) return Promise.reject(new Error('relation "audit" does not exist'));
      inserted.push(...values.map((v) => (JSON.parse(String(v)) as AuditEntry).requestId));
      return Promise.resolve();
    };
    const log: string[] = [];
    const logger: AuditLogger = { info: (_, m) => void log.push(m), warn: (_, m) => void log.push(m), error: (_, m) => void log.push(m) };
    const sink = new TableSink(query, { table: 'audit', batchMs: 100, batchSize: 2, maxQueue: 4 }, logger);
    const entry = (id: string): AuditEntry => JSON.parse(JSON.stringify({ requestId: id })) as AuditEntry;
    for (const id of ['1', '2', '3', '4', '5', '6']) {
      sink.write(entry(id));
      await vi.advanceTimersByTimeAsync(0);
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(sink.pending).toBe(4);
    expect(log).toEqual(['audit entries cannot be written to the table; they are kept and retried']);
    down = false;
    await vi.advanceTimersByTimeAsync(100);
    await sink.close();
    expect(inserted).toEqual(['3', '4', '5', '6']);
    expect(log).toEqual(['audit entries cannot be written to the table; they are kept and retried', 'audit entries are written to the table again']);
  });

  it('table: close() writes what is waiting', async () => {
    const batches: unknown[][] = [];
    const plugin = useAuditLog({ sink: { kind: 'table', batchMs: 60_000, batchSize: 2 } }, { query: (text, values) => (batches.push([text, values.length]), Promise.resolve()) });
    for (let i = 0; i < 5; i++) plugin.onResponse?.(response([readFilms], { request: request({ id: `r${i}` }) }));
    await plugin.onClose();
    expect(batches).toEqual([
      ['insert into "pgduet_audit"."log" (entry) values ($1::jsonb), ($2::jsonb)', 2],
      ['insert into "pgduet_audit"."log" (entry) values ($1::jsonb), ($2::jsonb)', 2],
      ['insert into "pgduet_audit"."log" (entry) values ($1::jsonb)', 1],
    ]);
  });
});

describe('options', () => {
  it('have defaults, and parsed options parse to themselves', () => {
    const parsed = auditLogOptions.parse({});
    expect(parsed).toEqual({ sink: { kind: 'stdout' }, session: [], headers: [], values: false, maxWrites: 100, redact: { columns: [] } });
    const table = auditLogOptions.parse({ sink: { kind: 'table' } });
    expect(table.sink).toEqual({ kind: 'table', table: 'pgduet_audit.log', batchMs: 1000, batchSize: 100, maxQueue: 10_000 });
    expect(auditLogOptions.parse(table)).toEqual(table);
  });

  it('refuses unknown keys and bad column names', () => {
    expect(() => useAuditLog({ sink: { kind: 'file', path: '/tmp/x', flags: 'w' } as never })).toThrow(/Unrecognized key/);
    expect(() => useAuditLog({ redact: { columns: ['password'] } })).toThrow(/redact\.columns\.0: expected "table.column"/);
  });
});
