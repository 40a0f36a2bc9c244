import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlMount } from '../../src/graphql/index.js';
import { restMounts } from '../../src/rest/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';

/**
 * The security suite, through both protocols on one server over Pagila: tokens that must be
 * refused, a column a role may not read (through every way a request can name it), rows a
 * role may not see (through every path), and a table it may not see at all. The rules are in
 * the config, as a user writes them; the tokens are real HS256 JWTs.
 */

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const key = new TextEncoder().encode(SECRET);

let db: TestDatabase;
let server: RunningServer;
let sql: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ pagila: true });
  server = await startTestServer(db.url, {
    mounts: [graphqlMount, restMounts],
    config: {
      auth: { jwt: { secret: SECRET, audience: 'pgduet-tests' } },
      permissions: {
        customer: {
          tables: {
            customer: {
              select: { columns: ['customer_id', 'first_name', 'last_name', 'address_id'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } },
              update: { columns: ['first_name'], filter: { customer_id: { _eq: 'X-Hasura-User-Id' } } },
            },
            rental: {
              select: { columns: '*', filter: { customer_id: { _eq: 'X-Hasura-User-Id' } }, allowAggregations: true },
              insert: { columns: ['rental_date', 'inventory_id', 'staff_id'], set: { customer_id: 'X-Hasura-User-Id' }, check: { staff_id: { _eq: 1 } } },
            },
            address: { select: { columns: ['address_id', 'address', 'city_id'] } },
          },
        },
      },
    },
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});

afterAll(async () => {
  await sql?.end();
  await server?.close();
  await db?.drop();
});

async function token(claims: JWTPayload, options: { expiresIn?: string | number; notBefore?: string | number; audience?: string; secret?: Uint8Array } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience(options.audience ?? 'pgduet-tests');
  if (options.expiresIn !== undefined) jwt = jwt.setExpirationTime(options.expiresIn);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.secret ?? key);
}

const customerToken = (id: number): Promise<string> => token({ role: 'customer', 'x-hasura-user-id': String(id), sub: `customer-${id}` }, { expiresIn: '5m' });

async function rest(path: string, bearer?: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${server.url}/rest/${path}`, {
    ...init,
    headers: { ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }), ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: res.headers };
}

interface GraphqlAnswer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

async function graphql(query: string, bearer?: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
  });
  return (await res.json()) as GraphqlAnswer;
}

const errorCode = (answer: GraphqlAnswer): string | undefined => answer.errors?.[0]?.extensions?.code;

describe('tokens that must be refused, in both protocols', () => {
  const cases: [string, () => Promise<string>, string][] = [
    ['a tampered signature', async () => `${(await customerToken(1)).slice(0, -4)}AAAA`, 'PGRST301'],
    ['an expired token', () => token({ role: 'customer', 'x-hasura-user-id': '1' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }), 'PGRST303'],
    ['a token not yet valid', () => token({ role: 'customer', 'x-hasura-user-id': '1' }, { notBefore: Math.floor(Date.now() / 1000) + 3600 }), 'PGRST303'],
    ['a token for another audience', () => token({ role: 'customer', 'x-hasura-user-id': '1' }, { audience: 'someone-else' }), 'PGRST303'],
    ['a token signed with another secret', () => token({ role: 'customer' }, { secret: new TextEncoder().encode('another-secret-that-is-long-enough-for-it!!') }), 'PGRST301'],
    [
      'alg: none',
      async () => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'customer', aud: 'pgduet-tests' })).toString('base64url')}.`,
      'PGRST301',
    ],
    ['a malformed token', async () => 'not.a.jwt', 'PGRST301'],
  ];

  it.each(cases)('%s: REST 401 with PostgREST\'s code and WWW-Authenticate; GraphQL invalid-jwt', async (_name, make, code) => {
    const bad = await make();
    const answer = await rest('rental?select=rental_id&limit=1', bad);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const gql = await graphql('{ rental(limit: 1) { rental_id } }', bad);
    expect(gql.data).toBeUndefined();
    expect(errorCode(gql)).toBe('invalid-jwt');
  });
});

describe('public keys: algorithm confusion and unknown keys, in both protocols', () => {
  let keyed: RunningServer;
  let rsa: CryptoKeyPair;
  let publicPem: string;

  beforeAll(async () => {
    rsa = (await generateKeyPair('RS256', { extractable: true })) as CryptoKeyPair;
    publicPem = await exportSPKI(rsa.publicKey);
    const jwk = { ...(await exportJWK(rsa.publicKey)), kty: 'RSA', kid: 'current', alg: 'RS256', use: 'sig' };
    keyed = await startTestServer(db.url, { mounts: [graphqlMount, restMounts], config: { auth: { jwt: { publicKey: { keys: [jwk] } } }, permissions: { reader: { tables: { language: { select: { columns: '*' } } } } } } });
  });

  afterAll(async () => {
    await keyed?.close();
  });

  async function both(token: string): Promise<[number, unknown, string | undefined]> {
    const res = await fetch(`${keyed.url}/rest/language?select=name&limit=1`, { headers: { authorization: `Bearer ${token}` } });
    const gql = await fetch(`${keyed.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ language(limit: 1) { name } }' }) });
    return [res.status, await res.json(), errorCode((await gql.json()) as GraphqlAnswer)];
  }

  it('accepts a token signed with the private key, and refuses HS256 signed with the public key\'s text', async () => {
    const good = await new SignJWT({ role: 'reader' }).setProtectedHeader({ alg: 'RS256', kid: 'current' }).setExpirationTime('5m').sign(rsa.privateKey);
    const [status] = await both(good);
    expect(status).toBe(200);
    const confused = await new SignJWT({ role: 'reader' }).setProtectedHeader({ alg: 'HS256', kid: 'current' }).setExpirationTime('5m').sign(new TextEncoder().encode(publicPem));
    const [badStatus, body, code] = await both(confused);
    expect([badStatus, code]).toEqual([401, 'invalid-jwt']);
    expect(body).toMatchObject({ code: 'PGRST301' });
  });

  it('refuses a token whose kid names no key', async () => {
    const other = (await generateKeyPair('RS256')) as CryptoKeyPair;
    const unknown = await new SignJWT({ role: 'reader' }).setProtectedHeader({ alg: 'RS256', kid: 'retired' }).setExpirationTime('5m').sign(other.privateKey);
    const [status, body, code] = await both(unknown);
    expect([status, code]).toEqual([401, 'invalid-jwt']);
    expect(body).toMatchObject({ code: 'PGRST301' });
  });
});

describe('a column the role may not read (customer.email) does not exist for it', () => {
  it('GraphQL: as a field, an alias, in a fragment, nested, in where and order_by, and in introspection', async () => {
    const t = await customerToken(1);
    for (const query of [
      '{ customer { email } }',
      '{ customer { mail: email } }',
      '{ customer { ...F } } fragment F on customer { email }',
      '{ rental(limit: 1) { customer { email } } }',
      '{ customer(where: {email: {_like: "%"}}) { customer_id } }',
      '{ customer(order_by: {email: asc}) { customer_id } }',
    ]) {
      const answer = await graphql(query, t);
      expect([query, errorCode(answer)]).toEqual([query, 'validation-failed']);
      expect(answer.data ?? null).toBeNull();
    }
    const introspection = await graphql('{ __type(name: "customer") { fields { name } } }', t);
    const fields = (introspection.data?.['__type'] as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(fields).toContain('first_name');
    expect(fields).not.toContain('email');
    const boolExp = await graphql('{ __type(name: "customer_bool_exp") { inputFields { name } } }', t);
    expect(JSON.stringify(boolExp.data)).not.toContain('email');
  });

  it('REST: select, *, a filter, or=(), order and an embedding; and the OpenAPI document', async () => {
    const t = await customerToken(1);
    for (const path of ['customer?select=email', 'customer?email=like.*', 'customer?or=(email.like.*,customer_id.eq.1)', 'customer?order=email', 'rental?select=rental_id,customer(email)']) {
      const answer = await rest(path, t);
      expect([path, answer.status]).toEqual([path, 400]);
    }
    // a write's returned rows: Prefer: return=representation with * has no email, select=email is refused
    const patched = await rest('customer?customer_id=eq.1&select=*', t, { method: 'PATCH', headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: JSON.stringify({ first_name: 'MARY' }) });
    expect(patched.status).toBe(200);
    expect(Object.keys((patched.body as Record<string, unknown>[])[0] ?? {}).sort()).toEqual(['address_id', 'customer_id', 'first_name', 'last_name']);
    const returningEmail = await rest('customer?customer_id=eq.1&select=email', t, { method: 'PATCH', headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: JSON.stringify({ first_name: 'MARY' }) });
    expect(returningEmail.status).toBe(400);
    const star = await rest('customer?select=*', t);
    expect(star.status).toBe(200);
    expect(Object.keys((star.body as Record<string, unknown>[])[0] ?? {}).sort()).toEqual(['address_id', 'customer_id', 'first_name', 'last_name']);
    const openapi = await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${t}` } });
    const doc = (await openapi.json()) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> }; paths: Record<string, unknown> };
    expect(Object.keys(doc.components.schemas['customer']?.properties ?? {})).not.toContain('email');
    expect(Object.keys(doc.paths)).not.toContain('/payment');
    // the document anonymous users get shows nothing of customer at all
    const anonymous = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(anonymous.paths).filter((p) => !p.startsWith('/rpc'))).toEqual([]);
  });
});

describe('rows: a customer sees only their own', () => {
  const ownRentals = async (id: number): Promise<number[]> =>
    (await sql.query<{ rental_id: number }>('select rental_id from rental where customer_id = $1 order by rental_id', [id])).rows.map((r) => r.rental_id);

  it('GraphQL: the list, a nested relationship, an aggregate, and a relationship filter', async () => {
    const t = await customerToken(5);
    const list = await graphql('{ rental(order_by: {rental_id: asc}) { rental_id customer_id } }', t);
    const rows = list.data?.['rental'] as { rental_id: number; customer_id: number }[];
    expect(rows.map((r) => r.rental_id)).toEqual(await ownRentals(5));
    expect(new Set(rows.map((r) => r.customer_id))).toEqual(new Set([5]));
    const nested = await graphql('{ customer { customer_id rentals_aggregate { aggregate { count } } } }', t);
    expect(nested.data).toEqual({ customer: [{ customer_id: 5, rentals_aggregate: { aggregate: { count: (await ownRentals(5)).length } } }] });
    // a filter through a relationship cannot probe other customers' rows
    const probe = await graphql('{ rental_aggregate(where: {customer: {first_name: {_like: "%"}}}) { aggregate { count } } }', t);
    expect(probe.data).toEqual({ rental_aggregate: { aggregate: { count: (await ownRentals(5)).length } } });
  });

  it('REST: the list, an embedding, a count, and by key of someone else\'s row', async () => {
    const t = await customerToken(5);
    const list = await rest('rental?select=rental_id&order=rental_id', t);
    expect((list.body as { rental_id: number }[]).map((r) => r.rental_id)).toEqual(await ownRentals(5));
    const embedded = await rest('customer?select=customer_id,rental(rental_id)', t);
    expect(embedded.body).toEqual([{ customer_id: 5, rental: (await ownRentals(5)).map((rental_id) => ({ rental_id })) }]);
    const counted = await rest('rental?select=rental_id&limit=1', t, { headers: { prefer: 'count=exact' } });
    expect(counted.headers.get('content-range')).toBe(`0-0/${(await ownRentals(5)).length}`);
    const other = (await ownRentals(6))[0];
    expect((await rest(`rental?rental_id=eq.${other}`, t)).body).toEqual([]);
  });

  it('a table the role has no rules for does not exist for it', async () => {
    const t = await customerToken(5);
    expect((await rest('payment', t)).status).toBe(404);
    expect(errorCode(await graphql('{ payment { payment_id } }', t))).toBe('validation-failed');
  });
});

describe('writes: presets, checks, and what returning shows', () => {
  it('inserts with the customer id from the token, whatever the body says; a row outside the check is refused and nothing is written', async () => {
    const t = await customerToken(7);
    const ok = await rest('rental?select=rental_id,customer_id,staff_id', t, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'return=representation' },
      body: JSON.stringify({ rental_date: '2026-01-01T10:00:00Z', inventory_id: 10, staff_id: 1 }),
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject([{ customer_id: 7, staff_id: 1 }]);
    // customer_id is not among the role's insert columns: refused, even to set it to itself
    const forged = await rest('rental', t, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rental_date: '2026-01-02T10:00:00Z', inventory_id: 11, staff_id: 1, customer_id: 8 }) });
    expect(forged.status).toBe(403);
    const before = (await sql.query('select count(*)::int as n from rental')).rows[0] as { n: number };
    const outside = await graphql('mutation { insert_rental(objects: [{rental_date: "2026-01-03T10:00:00Z", inventory_id: 12, staff_id: 1}, {rental_date: "2026-01-04T10:00:00Z", inventory_id: 13, staff_id: 2}]) { affected_rows } }', t);
    expect([errorCode(outside), outside.errors?.[0]?.message]).toEqual(['permission-error', expect.any(String)]);
    expect(((await sql.query('select count(*)::int as n from rental')).rows[0] as { n: number }).n).toBe(before.n);
  });
});

describe('anonymous', () => {
  it('sees nothing without rules, in either protocol', async () => {
    expect((await rest('rental')).status).toBe(404);
    const answer = await graphql('{ no_queries_available }');
    expect(answer.data).toEqual({ no_queries_available: '' });
  });
});
