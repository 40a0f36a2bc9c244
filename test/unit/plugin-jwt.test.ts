import { createHmac, KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, Chain, type Identity, type PgduetPlugin, type RequestInfo } from '../../src/chain/index.js';
import { PgduetError } from '../../src/errors/pgduet-error.js';
import type { TypeGraph } from '../../src/model/index.js';
import { jwtOptions, parseClaimPath, resolveClaimPath, useJwt, type JwtOptionsInput } from '../../plugins/jwt/index.js';

/**
 * The JWT plugin alone, over real tokens signed with jose: keys of every kind generated here,
 * a JWKS served by a local HTTP server, a fixed clock.
 */

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;
const SECRET = 'a-very-long-secret-of-at-least-32-bytes!';
/** the fixed clock: 2030-01-01T00:00:00Z */
const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const clock = { now: () => NOW };
const HASURA = 'https://hasura.io/jwt/claims';

interface Pair {
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  readonly pem: string;
  readonly jwk: JWK & { readonly kty: string };
}

async function pair(alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256'): Promise<Pair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { publicKey, privateKey, pem: await exportSPKI(publicKey), jwk: { ...jwk, kty: jwk.kty ?? 'missing' } };
}

let rsa: Pair;
let rsa2: Pair;
let ec: Pair;
let ed: Pair;

beforeAll(async () => {
  [rsa, rsa2, ec, ed] = await Promise.all([pair('RS256'), pair('RS256'), pair('ES256'), pair('EdDSA')]);
});

function sign(payload: JWTPayload, key: CryptoKey | Uint8Array, alg: string, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(key);
}

const secretBytes = new TextEncoder().encode(SECRET);
const hs = (payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> => sign({ iat: NOW_S - 10, ...payload }, secretBytes, 'HS256', header);

function request(headers: Record<string, string | string[] | undefined>): RequestInfo {
  return { id: 'r1', protocol: 'rest', graph, headers, method: 'GET', path: '/rest/film', ip: '127.0.0.1' };
}

/** Runs the plugin's onRequest: the identity it leaves (ANONYMOUS when it sets none). */
async function identify(plugin: PgduetPlugin, headers: Record<string, string | string[] | undefined>): Promise<Identity> {
  let identity: Identity = ANONYMOUS;
  await plugin.onRequest?.({ request: request(headers), identity, setIdentity: (next) => void (identity = next) });
  return identity;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The refusal a token gets: a PgduetError 401 PGD301 with PostgREST's code and the challenge header. */
async function refusal(plugin: PgduetPlugin, headers: Record<string, string>): Promise<PgduetError> {
  try {
    await identify(plugin, headers);
  } catch (error: unknown) {
    if (error instanceof PgduetError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

async function expectRefused(plugin: PgduetPlugin, token: string, message: string, postgrest: 'PGRST301' | 'PGRST303' = 'PGRST301'): Promise<PgduetError> {
  const error = await refusal(plugin, bearer(token));
  expect(error.message).toBe(message);
  expect(error.code).toBe('PGD301');
  expect(error.status).toBe(401);
  expect(error.postgrest).toBe(postgrest);
  expect(error.headers?.['WWW-Authenticate']).toBe(`Bearer error="invalid_token", error_description="${message}"`);
  return error;
}

const withSecret = (extra: Partial<JwtOptionsInput> = {}) => useJwt({ secret: SECRET, ...extra }, clock);

describe('which requests the plugin reads', () => {
  it('leaves the identity alone without Authorization, with another scheme, or with a Bearer token that is not a JWT', async () => {
    const plugin = withSecret();
    expect(await identify(plugin, {})).toBe(ANONYMOUS);
    expect(await identify(plugin, { authorization: 'Basic dXNlcjpwYXNz' })).toBe(ANONYMOUS);
    expect(await identify(plugin, { authorization: '' })).toBe(ANONYMOUS);
    expect(await identify(plugin, bearer('abc'))).toBe(ANONYMOUS);
    expect(await identify(plugin, bearer('a.b'))).toBe(ANONYMOUS);
    expect(await identify(plugin, { authorization: 'Bearer' })).toBe(ANONYMOUS);
  });

  it('reads the Bearer scheme in any case', async () => {
    const token = await hs({ role: 'user' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await identify(withSecret(), { authorization: `${scheme} ${token}` })).role).toBe('user');
    }
    expect((await identify(withSecret(), { Authorization: `Bearer  ${token}` })).role).toBe('user');
  });

  it('runs in the chain', async () => {
    const chain = new Chain([withSecret()], { anonymous: { role: 'web_anon', session: {}, authenticated: false } });
    expect((await chain.identify(request({}))).role).toBe('web_anon');
    expect(await chain.identify(request(bearer(await hs({ role: 'user', sub: 'u1' }))))).toMatchObject({ role: 'user', subject: 'u1', authenticated: true });
  });
});

describe('valid tokens', () => {
  it('HS256/384/512 with a secret, and with a base64 secret', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const token = await sign({ role: 'user', sub: 'u1', iat: NOW_S }, secretBytes, alg);
      const identity = await identify(withSecret(), bearer(token));
      expect(identity).toEqual({ role: 'user', session: { role: 'user', sub: 'u1', iat: String(NOW_S) }, authenticated: true, claims: { role: 'user', sub: 'u1', iat: NOW_S }, subject: 'u1' });
    }
    const plugin = useJwt({ secret: { base64: Buffer.from(SECRET).toString('base64') } }, clock);
    expect((await identify(plugin, bearer(await hs({ role: 'b64' })))).role).toBe('b64');
  });

  it('RS256 (PEM and JWK), PS256, ES256 and EdDSA with public keys', async () => {
    expect((await identify(useJwt({ publicKey: rsa.pem }, clock), bearer(await sign({ role: 'rs' }, rsa.privateKey, 'RS256'))))).toMatchObject({ role: 'rs', authenticated: true });
    // a KeyObject signs with any RSA algorithm (a CryptoKey is bound to one)
    const rsaPrivate = KeyObject.from(rsa.privateKey);
    expect((await identify(useJwt({ publicKey: { ...rsa.jwk } }, clock), bearer(await new SignJWT({ role: 'rs' }).setProtectedHeader({ alg: 'RS384' }).sign(rsaPrivate))))).toMatchObject({ role: 'rs' });
    expect((await identify(useJwt({ publicKey: rsa.pem }, clock), bearer(await new SignJWT({ role: 'rs' }).setProtectedHeader({ alg: 'RS512' }).sign(rsaPrivate))))).toMatchObject({ role: 'rs' });
    const ps = await pair('PS256');
    expect((await identify(useJwt({ publicKey: ps.pem, algorithms: ['PS256'] }, clock), bearer(await sign({ role: 'ps' }, ps.privateKey, 'PS256'))))).toMatchObject({ role: 'ps' });
    expect((await identify(useJwt({ publicKey: ec.pem }, clock), bearer(await sign({ role: 'es' }, ec.privateKey, 'ES256'))))).toMatchObject({ role: 'es' });
    expect((await identify(useJwt({ publicKey: { ...ec.jwk } }, clock), bearer(await sign({ role: 'es' }, ec.privateKey, 'ES256'))))).toMatchObject({ role: 'es' });
    expect((await identify(useJwt({ publicKey: ed.pem }, clock), bearer(await sign({ role: 'ed' }, ed.privateKey, 'EdDSA'))))).toMatchObject({ role: 'ed' });
  });

  it('a local JWK Set picks the key by kid', async () => {
    const plugin = useJwt({ publicKey: { keys: [{ ...rsa.jwk, kid: 'one' }, { ...rsa2.jwk, kid: 'two' }] } }, clock);
    expect((await identify(plugin, bearer(await sign({ role: 'two' }, rsa2.privateKey, 'RS256', { kid: 'two' }))))).toMatchObject({ role: 'two' });
    await expectRefused(plugin, await sign({ role: 'x' }, rsa2.privateKey, 'RS256', { kid: 'three' }), 'JWT invalid: no key matches the token');
    // without kid, both keys fit: each is tried
    const both = useJwt({ publicKey: { keys: [{ ...rsa.jwk }, { ...rsa2.jwk }] } }, clock);
    expect((await identify(both, bearer(await sign({ role: 'second' }, rsa2.privateKey, 'RS256'))))).toMatchObject({ role: 'second' });
    const other = await pair('RS256');
    await expectRefused(both, await sign({ role: 'x' }, other.privateKey, 'RS256'), 'JWT invalid: signature does not match');
  });
});

describe('signature and algorithm', () => {
  it('refuses a tampered payload or signature, and a token signed with another key', async () => {
    const token = await hs({ role: 'user' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ role: 'admin', iat: NOW_S })).toString('base64url');
    await expectRefused(withSecret(), `${header}.${forged}.${signature}`, 'JWT invalid: signature does not match');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectRefused(withSecret(), `${header}.${payload}.${flipped}`, 'JWT invalid: signature does not match');
    await expectRefused(withSecret(), `${header}.${payload}.`, 'JWT invalid: signature does not match');
    const other = await sign({ role: 'user' }, new TextEncoder().encode('another-secret-that-is-32-bytes-long'), 'HS256');
    await expectRefused(withSecret(), other, 'JWT invalid: signature does not match');
    await expectRefused(useJwt({ publicKey: rsa.pem }, clock), await sign({ role: 'x' }, rsa2.privateKey, 'RS256'), 'JWT invalid: signature does not match');
  });

  it('refuses alg none, whatever the key', async () => {
    const none = (payload: object) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const error = await expectRefused(withSecret(), none({ role: 'admin' }), 'JWT invalid: algorithm not allowed');
    expect(error.details).toBe('accepted: HS256, HS384, HS512');
    await expectRefused(useJwt({ publicKey: rsa.pem }, clock), none({ role: 'admin' }), 'JWT invalid: algorithm not allowed');
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'NONE' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    await expectRefused(withSecret(), noneAlg, 'JWT invalid: algorithm not allowed');
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)', async () => {
    const confused = await sign({ role: 'admin' }, new TextEncoder().encode(rsa.pem), 'HS256');
    await expectRefused(useJwt({ publicKey: rsa.pem }, clock), confused, 'JWT invalid: algorithm not allowed');
    await expectRefused(useJwt({ publicKey: { keys: [{ ...rsa.jwk }] } }, clock), confused, 'JWT invalid: algorithm not allowed');
    // and the configuration cannot allow it
    const parsed = jwtOptions.safeParse({ publicKey: rsa.pem, algorithms: ['RS256', 'HS256'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('a public key or JWKS verifies public-key algorithms only, not HS256');
    expect(jwtOptions.safeParse({ secret: SECRET, algorithms: ['RS256'] }).error?.issues[0]?.message).toBe('a secret verifies HS256, HS384 or HS512 only, not RS256');
  });

  it('refuses an algorithm outside `algorithms`, and a token of another key type', async () => {
    const plugin = useJwt({ secret: SECRET, algorithms: ['HS512'] }, clock);
    await expectRefused(plugin, await hs({ role: 'user' }), 'JWT invalid: algorithm not allowed');
    const es = await sign({ role: 'x' }, ec.privateKey, 'ES256');
    expect((await expectRefused(useJwt({ publicKey: rsa.pem }, clock), es, 'JWT invalid: unsupported algorithm or header')).details).toBe(
      'Invalid or unsupported JWK "alg" (Algorithm) Parameter value',
    );
    // jose will not sign an unknown critical header: signed by hand
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 })}.${part({ role: 'u' })}`;
    const crit = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    await expectRefused(withSecret(), crit, 'JWT invalid: unsupported algorithm or header');
    // a header that claims RS256 over an EC signature
    const [, payload, signature] = es.split('.') as [string, string, string];
    const lying = `${Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')}.${payload}.${signature}`;
    await expectRefused(useJwt({ publicKey: rsa.pem }, clock), lying, 'JWT invalid: signature does not match');
  });
});

describe('time, audience, issuer', () => {
  it('refuses an expired token, within the skew accepts it', async () => {
    await expectRefused(withSecret(), await hs({ role: 'u', exp: NOW_S - 31 }), 'JWT expired', 'PGRST303');
    expect((await identify(withSecret(), bearer(await hs({ role: 'u', exp: NOW_S - 29 })))).role).toBe('u');
    await expectRefused(withSecret({ clockSkewSeconds: 0 }), await hs({ role: 'u', exp: NOW_S - 1 }), 'JWT expired', 'PGRST303');
    expect((await identify(withSecret({ clockSkewSeconds: 0 }), bearer(await hs({ role: 'u', exp: NOW_S + 1 })))).role).toBe('u');
  });

  it('refuses a token not yet valid (nbf) or issued in the future (iat), with the same skew', async () => {
    await expectRefused(withSecret(), await hs({ role: 'u', nbf: NOW_S + 31 }), 'JWT not yet valid', 'PGRST303');
    expect((await identify(withSecret(), bearer(await hs({ role: 'u', nbf: NOW_S + 29 })))).role).toBe('u');
    await expectRefused(withSecret(), await hs({ role: 'u', iat: NOW_S + 31 }), 'JWT issued in the future', 'PGRST303');
    expect((await identify(withSecret(), bearer(await hs({ role: 'u', iat: NOW_S + 29 })))).role).toBe('u');
  });

  it('refuses time claims that are not numbers; exp is optional unless requireExp', async () => {
    const error = await expectRefused(withSecret(), await hs({ role: 'u', exp: 'tomorrow' as unknown as number }), 'JWT claims invalid: a time claim is not a number', 'PGRST303');
    expect(error.details).toBe('exp must be a NumericDate');
    expect((await identify(withSecret(), bearer(await hs({ role: 'u' })))).role).toBe('u');
    await expectRefused(withSecret({ requireExp: true }), await hs({ role: 'u' }), 'JWT has no expiry', 'PGRST303');
    expect((await identify(withSecret({ requireExp: true }), bearer(await hs({ role: 'u', exp: NOW_S + 60 })))).role).toBe('u');
  });

  it('checks the audience and the issuer when configured', async () => {
    const plugin = withSecret({ audience: 'pgduet', issuer: ['https://auth.example', 'https://other.example'] });
    const good = { role: 'u', aud: ['x', 'pgduet'], iss: 'https://other.example' };
    expect((await identify(plugin, bearer(await hs(good)))).role).toBe('u');
    await expectRefused(plugin, await hs({ ...good, aud: 'someone-else' }), 'JWT audience does not match', 'PGRST303');
    await expectRefused(plugin, await hs({ role: 'u', iss: 'https://auth.example' }), 'JWT audience does not match', 'PGRST303');
    await expectRefused(plugin, await hs({ ...good, iss: 'https://evil.example' }), 'JWT issuer does not match', 'PGRST303');
    // not configured: not checked
    expect((await identify(withSecret(), bearer(await hs({ ...good, aud: 'anything', iss: 'anyone' })))).role).toBe('u');
  });
});

describe('the cache of verified tokens', () => {
  /** a clock the test moves */
  function movingClock(start: Date): { now: () => Date; advance: (seconds: number) => void } {
    let at = start.getTime();
    return { now: () => new Date(at), advance: (seconds) => void (at += seconds * 1000) };
  }

  it('a cached token is refused once it expires (exp plus the skew), as an uncached one would be', async () => {
    const time = movingClock(NOW);
    const plugin = useJwt({ secret: SECRET, clockSkewSeconds: 5 }, time);
    const token = await hs({ role: 'u', exp: NOW_S + 10 });
    expect((await identify(plugin, bearer(token))).role).toBe('u');
    time.advance(14);
    expect((await identify(plugin, bearer(token))).role).toBe('u'); // cached, 1 s of skew left
    time.advance(2);
    await expectRefused(plugin, token, 'JWT expired', 'PGRST303');
  });

  it('only the very token that passed hits: a forged signature on the same claims is refused', async () => {
    const plugin = withSecret();
    const token = await hs({ role: 'u', exp: NOW_S + 60 });
    expect((await identify(plugin, bearer(token))).role).toBe('u');
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', 'another-secret-of-at-least-32-bytes!!').update(`${header}.${payload}`).digest('base64url')}`;
    await expectRefused(plugin, forged, 'JWT invalid: signature does not match');
    expect((await identify(plugin, bearer(token))).role).toBe('u');
  });

  it('a token without exp is kept cacheMaxAgeSeconds, then verified again (and still good)', async () => {
    const time = movingClock(NOW);
    const plugin = useJwt({ secret: SECRET, cacheMaxAgeSeconds: 60 }, time);
    const token = await hs({ role: 'u' });
    expect((await identify(plugin, bearer(token))).role).toBe('u');
    time.advance(3600);
    expect((await identify(plugin, bearer(token))).role).toBe('u');
  });

  it('is bounded (least recently used go first) and can be turned off', async () => {
    const plugin = useJwt({ secret: SECRET, cacheMaxEntries: 2 }, clock);
    const tokens = await Promise.all(['a', 'b', 'c', 'd'].map((role) => hs({ role, exp: NOW_S + 60 })));
    for (const token of tokens) expect((await identify(plugin, bearer(token))).role).toMatch(/^[abcd]$/);
    const off = useJwt({ secret: SECRET, cacheMaxEntries: 0 }, clock);
    expect((await identify(off, bearer(tokens[0] ?? ''))).role).toBe('a');
    expect(jwtOptions.safeParse({ secret: SECRET, cacheMaxEntries: -1 }).success).toBe(false);
  });
});

describe('malformed tokens', () => {
  it('refuses tokens that are not three base64url JSON parts', async () => {
    await expectRefused(withSecret(), 'a.b.c', 'JWT invalid: malformed token');
    await expectRefused(withSecret(), '!!!.@@@.###', 'JWT invalid: malformed token');
    await expectRefused(withSecret(), '..', 'JWT invalid: malformed token');
    await expectRefused(withSecret(), 'a.b.c.d', 'JWT invalid: expected 3 parts, got 4');
    await expectRefused(withSecret(), 'a.b.c.d.e', 'JWT invalid: expected 3 parts, got 5');
    const notJson = `${Buffer.from('not json').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`;
    await expectRefused(withSecret(), notJson, 'JWT invalid: malformed token');
    const token = await hs({ role: 'u' });
    const [header, , signature] = token.split('.') as [string, string, string];
    await expectRefused(withSecret(), `${header}.${Buffer.from('[1,2]').toString('base64url')}.${signature}`, 'JWT invalid: signature does not match');
  });

  it('refuses a huge token without decoding it', async () => {
    const huge = `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`;
    const error = await expectRefused(withSecret(), huge, 'JWT invalid: the token is too long');
    expect(error.details).toBe('longer than 16384 characters');
    const hugeHeader = await hs({ role: 'u' }, { pad: 'x'.repeat(1000) });
    await expectRefused(withSecret({ maxTokenLength: 1000 }), hugeHeader, 'JWT invalid: the token is too long');
    expect((await identify(withSecret(), bearer(hugeHeader))).role).toBe('u');
  });

  it('property: any bearer token is either accepted or refused with a 401 PgduetError', async () => {
    const plugin = withSecret({ defaultRole: 'user' });
    const part = fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^[A-Za-z0-9_-]*$/), fc.constant(Buffer.from('{"alg":"HS256"}').toString('base64url')));
    const token = fc.oneof(fc.string(), fc.array(part, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')));
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        try {
          await identify(plugin, { authorization: `Bearer ${t}` });
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(PgduetError);
          expect((error as PgduetError).status).toBe(401);
          expect((error as PgduetError).headers?.['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"\r\n]*"$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('role', () => {
  it('from each claim-path style', async () => {
    const claims = {
      role: 'top',
      app: { roles: ['first', 'second'], 'we.ird': { role: 'dotted' } },
      roles: ['r0', 'r1'],
      [HASURA]: { 'x-hasura-default-role': 'hasura-default' },
    };
    const token = await hs(claims);
    const roleWith = async (roleClaim: string) => (await identify(withSecret({ roleClaim, claimsNamespace: false }), bearer(token))).role;
    expect(await roleWith('role')).toBe('top');
    expect(await roleWith('.role')).toBe('top');
    expect(await roleWith('."role"')).toBe('top');
    expect(await roleWith(`."${HASURA}"."x-hasura-default-role"`)).toBe('hasura-default');
    expect(await roleWith(`${HASURA}.x-hasura-default-role`)).toBe('hasura-default');
    expect(await roleWith(`.${HASURA}.x-hasura-default-role`)).toBe('hasura-default');
    expect(await roleWith('.roles[0]')).toBe('r0');
    expect(await roleWith('.app.roles[1]')).toBe('second');
    expect(await roleWith('.app."we.ird".role')).toBe('dotted');
    expect(await roleWith('.app.we.ird.role')).toBe('dotted');
  });

  it('claim paths parse as PostgREST writes them, and bad ones are configuration errors', () => {
    expect(parseClaimPath('.a."b.c"[2]').steps).toEqual([
      { kind: 'key', name: 'a', bare: true },
      { kind: 'key', name: 'b.c', bare: false },
      { kind: 'index', index: 2 },
    ]);
    expect(parseClaimPath('."say \\"hi\\""').steps).toEqual([{ kind: 'key', name: 'say "hi"', bare: false }]);
    expect(resolveClaimPath({ a: [{ b: 1 }] }, parseClaimPath('a[0].b'))).toBe(1);
    expect(resolveClaimPath({ a: [] }, parseClaimPath('a[0].b'))).toBeUndefined();
    expect(resolveClaimPath({ a: 'text' }, parseClaimPath('a.b'))).toBeUndefined();
    for (const bad of ['', '.', '.role.', '..role', '.roles[x]', '.roles[', '."open', 'a"b"', '.roles[-1]']) {
      expect(() => parseClaimPath(bad), bad).toThrow(/invalid claim path/);
      expect(jwtOptions.safeParse({ secret: SECRET, roleClaim: bad }).success, bad).toBe(false);
    }
  });

  it('uses defaultRole when the claim is absent, else refuses; a non-string role is refused', async () => {
    expect((await identify(withSecret({ defaultRole: 'authenticated' }), bearer(await hs({ sub: 'u1' })))).role).toBe('authenticated');
    const error = await expectRefused(withSecret(), await hs({ sub: 'u1' }), 'JWT role claim not found', 'PGRST303');
    expect(error.details).toBe('the token has no claim at .role');
    await expectRefused(withSecret({ defaultRole: 'x' }), await hs({ role: 42 }), 'JWT role claim is not a string', 'PGRST303');
    await expectRefused(withSecret({ defaultRole: 'x' }), await hs({ role: '' }), 'JWT role claim is not a string', 'PGRST303');
  });
});

describe('Hasura claims', () => {
  const namespace = {
    'x-hasura-default-role': 'user',
    'x-hasura-allowed-roles': ['user', 'editor'],
    'X-Hasura-User-Id': '42',
    'x-hasura-org-ids': [1, 2],
    'not-hasura': 'ignored',
  };

  it('takes the default role and the x-hasura-* session variables', async () => {
    const identity = await identify(withSecret(), bearer(await hs({ sub: 'u42', email: 'a@b.c', [HASURA]: namespace })));
    expect(identity.role).toBe('user');
    expect(identity.session).toEqual({
      'x-hasura-default-role': 'user',
      'x-hasura-allowed-roles': '{user,editor}',
      'x-hasura-user-id': '42',
      'x-hasura-org-ids': '{1,2}',
      'x-hasura-role': 'user',
    });
    expect(identity.subject).toBe('u42');
    expect(identity.claims?.[HASURA]).toEqual(namespace);
  });

  it('lets x-hasura-role pick an allowed role, and refuses one that is not allowed', async () => {
    const token = await hs({ [HASURA]: namespace });
    const editor = await identify(withSecret(), { ...bearer(token), 'x-hasura-role': 'editor' });
    expect(editor.role).toBe('editor');
    expect(editor.session['x-hasura-role']).toBe('editor');
    expect((await identify(withSecret(), { ...bearer(token), 'x-hasura-role': 'user' })).role).toBe('user');
    const error = await refusal(withSecret(), { ...bearer(token), 'x-hasura-role': 'admin' });
    expect(error.code).toBe('PGD303');
    expect(error.status).toBe(403);
    expect(error.message).toBe('Your requested role is not in allowed roles');
    const noAllowed = await hs({ [HASURA]: { 'x-hasura-default-role': 'user' } });
    expect((await refusal(withSecret(), { ...bearer(noAllowed), 'x-hasura-role': 'editor' })).code).toBe('PGD303');
  });

  it('reads a stringified namespace, refuses one that is not an object, and ignores x-hasura-role outside Hasura mode', async () => {
    const stringified = await hs({ [HASURA]: JSON.stringify(namespace) });
    expect((await identify(withSecret(), { ...bearer(stringified), 'x-hasura-role': 'editor' })).role).toBe('editor');
    await expectRefused(withSecret(), await hs({ [HASURA]: 'nope' }), 'JWT claims namespace is not an object', 'PGRST303');
    await expectRefused(withSecret(), await hs({ [HASURA]: [1] }), 'JWT claims namespace is not an object', 'PGRST303');
    expect((await identify(withSecret(), { ...bearer(await hs({ role: 'user' })), 'x-hasura-role': 'admin' })).role).toBe('user');
    // a role claim wins over x-hasura-default-role; without either, defaultRole
    expect((await identify(withSecret({ roleClaim: '.app_role' }), bearer(await hs({ app_role: 'mine', [HASURA]: namespace })))).role).toBe('mine');
    expect((await identify(withSecret({ defaultRole: 'fallback' }), bearer(await hs({ [HASURA]: {} })))).role).toBe('fallback');
    await expectRefused(withSecret(), await hs({ [HASURA]: {} }), 'JWT role claim not found', 'PGRST303');
  });

  it('claimsNamespace: false and a custom namespace', async () => {
    const token = await hs({ role: 'top', [HASURA]: namespace });
    const off = await identify(withSecret({ claimsNamespace: false }), bearer(token));
    expect(off.session).toEqual({ role: 'top', iat: String(NOW_S - 10) });
    const custom = await identify(withSecret({ claimsNamespace: 'https://example.com/claims', roleClaim: '.none' }), bearer(await hs({ 'https://example.com/claims': namespace })));
    expect(custom.role).toBe('user');
  });
});

describe('session variables outside Hasura mode', () => {
  it('are the top-level string, number and boolean claims, keys lower-cased, values as text', async () => {
    const identity = await identify(
      withSecret(),
      bearer(await hs({ role: 'user', sub: 'u1', User_Id: 7, admin: false, ratio: 0.5, nested: { a: 1 }, list: ['x'], nothing: null })),
    );
    expect(identity.session).toEqual({ role: 'user', sub: 'u1', user_id: '7', admin: 'false', ratio: '0.5', iat: String(NOW_S - 10) });
    expect(identity.claims).toMatchObject({ nested: { a: 1 }, list: ['x'], nothing: null });
    // a claim named __proto__ is a plain key of the session, not its prototype
    const proto = await identify(withSecret(), bearer(await hs({ role: 'u', ['__proto__']: 'p' })));
    expect(Object.hasOwn(proto.session, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(proto.session)).toBe(Object.prototype);
  });
});

describe('JWKS over HTTP', () => {
  let server: Server;
  let url: string;
  let served: { keys: JWK[] } = { keys: [] };
  let status = 200;
  let fetches = 0;

  beforeAll(async () => {
    served = { keys: [{ ...rsa.jwk, kid: 'a', alg: 'RS256', use: 'sig' }] };
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify(served) : 'down');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('fetches once, then after a key rotation finds the new kid once the cooldown is over', async () => {
    served = { keys: [{ ...rsa.jwk, kid: 'a', alg: 'RS256' }] };
    fetches = 0;
    const plugin = useJwt({ jwksUrl: url, jwksCooldownSeconds: 1 }, clock);
    const tokenA = await sign({ role: 'a' }, rsa.privateKey, 'RS256', { kid: 'a' });
    expect((await identify(plugin, bearer(tokenA))).role).toBe('a');
    expect((await identify(plugin, bearer(tokenA))).role).toBe('a');
    expect(fetches).toBe(1);

    served = { keys: [{ ...rsa2.jwk, kid: 'b', alg: 'RS256' }] };
    const tokenB = await sign({ role: 'b' }, rsa2.privateKey, 'RS256', { kid: 'b' });
    // within the cooldown an unknown kid does not fetch again
    await expectRefused(plugin, tokenB, 'JWT invalid: no key matches the token');
    expect(fetches).toBe(1);
    await sleep(1050);
    expect((await identify(plugin, bearer(tokenB))).role).toBe('b');
    expect(fetches).toBe(2);
    // the old key is gone from the set
    await expectRefused(plugin, tokenA, 'JWT invalid: no key matches the token');
    await expectRefused(plugin, await sign({ role: 'x' }, rsa.privateKey, 'RS256', { kid: 'b' }), 'JWT invalid: signature does not match');
  });

  it('with no cooldown, an unknown kid fetches the set again at once', async () => {
    served = { keys: [{ ...ec.jwk, kid: 'e1', alg: 'ES256' }] };
    fetches = 0;
    const plugin = useJwt({ jwksUrl: url, jwksCooldownSeconds: 0 }, clock);
    await plugin.prefetchKeys();
    expect(fetches).toBe(1);
    expect((await identify(plugin, bearer(await sign({ role: 'e1' }, ec.privateKey, 'ES256', { kid: 'e1' }))))).toMatchObject({ role: 'e1' });
    served = { keys: [{ ...ec.jwk, kid: 'e1', alg: 'ES256' }, { ...ed.jwk, kid: 'e2', alg: 'EdDSA' }] };
    expect((await identify(plugin, bearer(await sign({ role: 'e2' }, ed.privateKey, 'EdDSA', { kid: 'e2' }))))).toMatchObject({ role: 'e2' });
    expect(fetches).toBe(2);
    await expectRefused(plugin, await sign({ role: 'x' }, ed.privateKey, 'EdDSA', { kid: 'unknown' }), 'JWT invalid: no key matches the token');
    expect(fetches).toBe(3);
  });

  it('refuses HS256 tokens whatever the set holds, and says when the set cannot be fetched', async () => {
    served = { keys: [{ ...rsa.jwk, kid: 'a' }] };
    const plugin = useJwt({ jwksUrl: url }, clock);
    await expectRefused(plugin, await sign({ role: 'admin' }, new TextEncoder().encode(rsa.pem), 'HS256', { kid: 'a' }), 'JWT invalid: algorithm not allowed');
    status = 500;
    try {
      const down = useJwt({ jwksUrl: url }, clock);
      const error = await expectRefused(down, await sign({ role: 'a' }, rsa.privateKey, 'RS256', { kid: 'a' }), 'JWT could not be verified: the key set is unavailable');
      expect(error.cause).toBeInstanceOf(Error);
      await expect(down.prefetchKeys()).rejects.toThrow('the JSON Web Key Set could not be fetched');
    } finally {
      status = 200;
    }
    const unreachable = useJwt({ jwksUrl: 'http://127.0.0.1:9/jwks.json', jwksTimeoutSeconds: 1 }, clock);
    await expectRefused(unreachable, await sign({ role: 'a' }, rsa.privateKey, 'RS256', { kid: 'a' }), 'JWT could not be verified: the key set is unavailable');
  });
});

describe('options', () => {
  const issues = (options: unknown) => jwtOptions.safeParse(options).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('fills in the defaults', () => {
    expect(jwtOptions.parse({ secret: SECRET })).toEqual({
      secret: SECRET,
      jwksCooldownSeconds: 30,
      jwksCacheMaxAgeSeconds: 600,
      jwksTimeoutSeconds: 5,
      clockSkewSeconds: 30,
      requireExp: false,
      roleClaim: '.role',
      claimsNamespace: HASURA,
      maxTokenLength: 16_384,
      cacheMaxEntries: 1000,
      cacheMaxAgeSeconds: 300,
    });
  });

  it('needs exactly one key, and a usable one', () => {
    expect(issues({})).toEqual([': expected one of secret, publicKey or jwksUrl']);
    expect(issues({ secret: SECRET, jwksUrl: 'https://x.example/jwks' })).toEqual([': expected only one of secret, publicKey or jwksUrl, got secret and jwksUrl']);
    expect(issues({ secret: 'short' })?.[0]).toContain('at least 32 bytes');
    expect(issues({ secret: { base64: Buffer.from('short').toString('base64') } })?.[0]).toContain('at least 32 bytes once decoded');
    expect(issues({ secret: { base64: 'not base64!' } })?.[0]).toContain('expected base64 text');
    expect(issues({ secret: rsa.pem })).toEqual(['secret: this is a PEM key, not a secret: give it as publicKey']);
    expect(issues({ publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' })?.[0]).toMatch(/^publicKey: not a usable public key/);
    expect(issues({ publicKey: 'not a pem' })).toBeDefined();
    expect(issues({ publicKey: { kty: 'oct', k: 'c2VjcmV0' } })).toEqual(['publicKey: a symmetric (oct) key is a secret: use secret']);
    expect(issues({ jwksUrl: 'ftp://x.example/jwks' })?.[0]).toContain('expected an http(s) URL');
    expect(issues({ secret: SECRET, secrett: 1 })?.[0]).toContain('secrett');
  });

  it('useJwt throws a configuration error for bad options', () => {
    expect(() => useJwt({ secret: 'short' })).toThrow(/^jwt\.secret: expected a secret of at least 32 bytes/);
    try {
      useJwt({});
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(PgduetError);
      expect((error as PgduetError).code).toBe('PGD001');
    }
  });
});
