import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Identity, RequestInfo } from '../../src/chain/index.js';
import { isPgduetError, type PgduetError } from '../../src/errors/index.js';
import type { TypeGraph } from '../../src/model/index.js';
import {
  checkAccess,
  cidrContains,
  clientAddress,
  compilePolicy,
  ipAllowOptions,
  parseAddress,
  parseCidr,
  useIpAllow,
  type IpAllowOptionsInput,
} from '../../plugins/ip-allow/index.js';

/** The ip-allow plugin alone: address parsing, CIDR matching, the lists, X-Forwarded-For. */

const graph = { version: 1, fingerprint: 'f', configDigest: 'c', serverVersionNum: 150000, schemas: ['public'], entities: [], functions: [], enums: [], composites: [] } as TypeGraph;

function request(ip: string | undefined, headers: RequestInfo['headers'] = {}): RequestInfo {
  return { id: 'r', protocol: 'rest', graph, headers, method: 'GET', path: '/rest/film', ...(ip === undefined ? {} : { ip }) };
}

const as = (role: string): Identity => ({ role, session: {}, authenticated: role !== 'anonymous' });

async function refusal(options: IpAllowOptionsInput, req: RequestInfo, who: Identity = as('anonymous')): Promise<PgduetError | undefined> {
  try {
    await useIpAllow(options).onRequest?.({ request: req, identity: who, setIdentity: () => undefined });
    return undefined;
  } catch (error: unknown) {
    if (isPgduetError(error)) return error;
    throw error;
  }
}

const matches = (cidr: string, address: string): boolean => {
  const parsed = parseAddress(address, 'strip');
  if (parsed === undefined) throw new Error(`test address ${address} does not parse`);
  return cidrContains(parseCidr(cidr), parsed);
};

describe('parseAddress', () => {
  it('reads IPv4 and IPv6, in every IPv6 spelling', () => {
    expect(parseAddress('::')).toEqual({ text: '::', family: 'ipv6' });
    expect(parseAddress('192.0.2.1')).toEqual({ text: '192.0.2.1', family: 'ipv4' });
    expect(matches('2001:db8::ff00:42:8329', '2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe(true);
    expect(matches('1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0')).toBe(true);
    expect(matches('::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8')).toBe(true);
    expect(matches('1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304')).toBe(true);
    expect(matches('FE80::A', 'fe80::a')).toBe(true);
    expect(matches('::1', '::2')).toBe(false);
    expect(matches('1::', '::1')).toBe(false);
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address', () => {
    expect(matches('1.2.3.4', '::ffff:1.2.3.4')).toBe(true);
    expect(matches('1.2.3.4', '::ffff:0102:0304')).toBe(true);
    expect(matches('1.2.3.4', '0:0:0:0:0:ffff:1.2.3.4')).toBe(true);
    expect(matches('::ffff:1.2.3.4', '1.2.3.4')).toBe(true);
    expect(matches('1.2.3.0/24', '::ffff:1.2.3.255')).toBe(true);
    expect(matches('1.2.3.0/24', '::ffff:1.2.4.0')).toBe(false);
    // IPv4-compatible (deprecated ::a.b.c.d) is not IPv4
    expect(matches('1.2.3.4', '::1.2.3.4')).toBe(false);
    expect(matches('::1.2.3.4', '1.2.3.4')).toBe(false);
    expect(matches('::1.2.3.4', '::102:304')).toBe(true);
  });

  it('refuses malformed input', () => {
    for (const bad of [
      '', ' ', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '1..2.3',
      ':', ':::', '1:::2', '1::2::3', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4::5:6:7:8',
      '12345::', 'g::', '1.2.3.4::', '::1.2.3.4:5', '::ffff:256.1.1.1', '::ffff:1.2.3', 'fe80::1%eth0',
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
    expect(parseAddress('fe80::1%eth0', 'strip')).toEqual(parseAddress('fe80::1'));
  });

  it('property: agrees with node:net on which strings are addresses', () => {
    const ipv4ish = fc.array(fc.oneof(fc.nat(300).map(String), fc.constantFrom('', '00', '01', 'x')), { minLength: 3, maxLength: 5 }).map((p) => p.join('.'));
    const ipv6ish = fc
      .array(fc.oneof(fc.nat(0xffff).map((n) => n.toString(16)), fc.constantFrom('', '1.2.3.4', 'fffff', 'G')), { minLength: 1, maxLength: 10 })
      .map((p) => p.join(':'));
    fc.assert(
      // valid addresses (fast-check's own, in every spelling) and near misses
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), ipv4ish, ipv6ish), (text) => {
        // node accepts zero-padded IPv4 parts inside IPv6 (::1.02.3.4) that we refuse; leave those out
        fc.pre(!/(^|[.:])0\d/.test(text));
        expect(parseAddress(text) !== undefined).toBe(isIP(text) !== 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every address is its own /32 or /128, and is in no other host block', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.oneof(fc.ipV4(), fc.ipV6()), (a, b) => {
        // fast-check writes IPv4 parts with leading zeros now and then, which are refused
        fc.pre(parseAddress(a) !== undefined && parseAddress(b) !== undefined);
        expect(matches(a, a)).toBe(true);
        const same = new URL(`http://${a.includes(':') ? `[${a}]` : a}/`).hostname === new URL(`http://${b.includes(':') ? `[${b}]` : b}/`).hostname;
        const mapped = (v4: string, v6: string): boolean => !v4.includes(':') && v6.includes(':') && matches(`::ffff:${v4}`, v6);
        expect(matches(a, b)).toBe(same || mapped(a, b) || mapped(b, a));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseCidr and matching', () => {
  it('prefix 0 matches every address of its kind; ::/0 matches every address', () => {
    expect(matches('0.0.0.0/0', '203.0.113.7')).toBe(true);
    expect(matches('0.0.0.0/0', '::ffff:203.0.113.7')).toBe(true);
    expect(matches('0.0.0.0/0', '2001:db8::1')).toBe(false);
    expect(matches('::/0', '2001:db8::1')).toBe(true);
    expect(matches('::/0', '203.0.113.7')).toBe(true);
  });

  it('/32 and /128 match one address; a bare address is one host', () => {
    expect(matches('192.0.2.1/32', '192.0.2.1')).toBe(true);
    expect(matches('192.0.2.1/32', '192.0.2.2')).toBe(false);
    expect(matches('192.0.2.1', '::ffff:192.0.2.1')).toBe(true);
    expect(matches('2001:db8::1/128', '2001:db8::1')).toBe(true);
    expect(matches('2001:db8::1/128', '2001:db8::2')).toBe(false);
    expect(matches('2001:db8::1', '2001:0db8:0:0:0:0:0:1')).toBe(true);
    expect(parseCidr('192.0.2.1')).toMatchObject({ family: 'ipv4', prefix: 32 });
    expect(parseCidr('2001:db8::1')).toMatchObject({ family: 'ipv6', prefix: 128 });
  });

  it('blocks match their range and nothing next to it', () => {
    expect(matches('10.0.0.0/8', '10.255.255.255')).toBe(true);
    expect(matches('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(matches('10.0.0.0/8', '9.255.255.255')).toBe(false);
    expect(matches('192.168.4.0/22', '192.168.7.255')).toBe(true);
    expect(matches('192.168.4.0/22', '192.168.8.0')).toBe(false);
    expect(matches('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(matches('2001:db8::/32', '2001:db9::')).toBe(false);
    expect(matches('fe80::/10', 'fe80::1%eth0')).toBe(true);
  });

  it('IPv4 blocks written in IPv4-mapped form are IPv4 blocks', () => {
    expect(matches('::ffff:10.0.0.0/104', '10.1.2.3')).toBe(true);
    expect(matches('::ffff:0:0/96', '198.51.100.1')).toBe(true);
    expect(matches('::ffff:0:0/96', '2001:db8::1')).toBe(false);
  });

  it('refuses bad blocks with a message that says what is wrong', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow('"10.0.0.0/33": the prefix length must be a number from 0 to 32');
    expect(() => parseCidr('::/129')).toThrow(/from 0 to 128/);
    expect(() => parseCidr('10.0.0.0/')).toThrow(/prefix length/);
    expect(() => parseCidr('10.0.0.0/08')).toThrow(/prefix length/);
    expect(() => parseCidr('10.0.0.0/-1')).toThrow(/prefix length/);
    expect(() => parseCidr('10.1.0.0/8')).toThrow('"10.1.0.0/8" has host bits set: did you mean 10.0.0.0/8?');
    expect(() => parseCidr('2001:db8::1/32')).toThrow('did you mean 2001:db8::/32?');
    expect(() => parseCidr('localhost')).toThrow('"localhost" is not an IPv4 or IPv6 address or CIDR block');
    expect(() => parseCidr('fe80::1%eth0/128')).toThrow(/zone/);
    expect(() => parseCidr('::ffff:10.1.0.0/104')).toThrow('did you mean ::ffff:a00:0/104?');
    // the IPv4-compatible form is read as IPv6 (::0102:0304), not as the mapped ::ffff:1.2.3.4
    expect(() => parseCidr('::1.2.3.0/64')).toThrow('did you mean ::/64?');
    expect(parseCidr('::0.0.0.0/64').prefix).toBe(64);
    for (const bad of ['', '/8', '10.0.0.0/8/8', '10.0.0.0 /8', ' 10.0.0.0/8', '10.0.0.0/ 8', '10.0.0.0/8 ', '010.0.0.0/8', '::ffff:010.0.0.0/104', '10.0.0.0/1e1', '10.0.0.0/0x8']) {
      expect(() => parseCidr(bad), bad).toThrow();
    }
  });
});

describe('clientAddress', () => {
  const xff = (value: string | string[]): RequestInfo['headers'] => ({ 'x-forwarded-for': value });

  it('is the socket address unless proxies are trusted', () => {
    expect(clientAddress(request('10.0.0.1', xff('203.0.113.7')), 0)).toBe('10.0.0.1');
  });

  it('takes the entry written by the outermost trusted proxy, not what the client wrote', () => {
    // client 203.0.113.7 forged "1.1.1.1"; CDN (198.51.100.2) then the load balancer (10.0.0.1)
    const req = request('10.0.0.1', xff('1.1.1.1, 203.0.113.7, 198.51.100.2'));
    expect(clientAddress(req, 1)).toBe('198.51.100.2');
    expect(clientAddress(req, 2)).toBe('203.0.113.7');
    expect(clientAddress(req, 3)).toBe('1.1.1.1');
    // fewer entries than trusted proxies: the leftmost
    expect(clientAddress(req, 9)).toBe('1.1.1.1');
    expect(clientAddress(request('10.0.0.1'), 2)).toBe('10.0.0.1');
  });

  it('joins repeated headers, drops ports, and knows nothing without a socket address', () => {
    expect(clientAddress(request('10.0.0.1', xff(['203.0.113.7', '198.51.100.2:4431'])), 1)).toBe('198.51.100.2');
    expect(clientAddress(request('10.0.0.1', xff('[2001:db8::7]:443')), 1)).toBe('2001:db8::7');
    expect(clientAddress(request(undefined, xff('203.0.113.7')), 1)).toBeUndefined();
  });
});

describe('useIpAllow', () => {
  it('refuses with PGD402 (403) an address outside the allow list', async () => {
    const options = { allow: ['10.0.0.0/8', '2001:db8::/32'] };
    expect(await refusal(options, request('10.1.2.3'))).toBeUndefined();
    expect(await refusal(options, request('::ffff:10.1.2.3'))).toBeUndefined();
    expect(await refusal(options, request('2001:db8::5'))).toBeUndefined();
    const refused = await refusal(options, request('192.0.2.1'));
    expect(refused?.code).toBe('PGD402');
    expect(refused?.status).toBe(403);
    expect(refused?.message).toBe('Address not allowed');
  });

  it('an empty allow list allows everyone; deny wins over allow', async () => {
    expect(await refusal({}, request('192.0.2.1'))).toBeUndefined();
    expect(await refusal({ deny: ['192.0.2.0/24'] }, request('198.51.100.1'))).toBeUndefined();
    expect((await refusal({ deny: ['192.0.2.0/24'] }, request('192.0.2.1')))?.code).toBe('PGD402');
    const both = { allow: ['192.0.2.0/24'], deny: ['192.0.2.128/25'] };
    expect(await refusal(both, request('192.0.2.1'))).toBeUndefined();
    expect((await refusal(both, request('192.0.2.200')))?.code).toBe('PGD402');
    expect((await refusal({ allow: ['::/0'], deny: ['::ffff:192.0.2.7'] }, request('192.0.2.7')))?.code).toBe('PGD402');
  });

  it("applies the role's lists as well as the global ones", async () => {
    const options: IpAllowOptionsInput = {
      deny: ['203.0.113.0/24'],
      roles: { admin: { allow: ['10.0.0.0/8'] }, user: { deny: ['10.9.0.0/16'] } },
    };
    expect(await refusal(options, request('198.51.100.1'), as('anonymous'))).toBeUndefined();
    expect((await refusal(options, request('198.51.100.1'), as('admin')))?.code).toBe('PGD402');
    expect(await refusal(options, request('10.1.1.1'), as('admin'))).toBeUndefined();
    expect((await refusal(options, request('10.9.1.1'), as('user')))?.code).toBe('PGD402');
    expect(await refusal(options, request('10.9.1.1'), as('admin'))).toBeUndefined();
    // the global deny holds for every role, admins from an allowed network included
    expect((await refusal({ ...options, deny: ['10.0.0.0/8'] }, request('10.1.1.1'), as('admin')))?.code).toBe('PGD402');
  });

  it("a role's allow list narrows the global one", () => {
    const policy = compilePolicy({ allow: ['10.0.0.0/8'] }, { admin: { allow: ['10.1.0.0/16', '192.0.2.0/24'] } });
    expect(checkAccess(policy, 'admin', '10.1.0.1')).toEqual({ allowed: true });
    expect(checkAccess(policy, 'admin', '10.2.0.1')).toEqual({ allowed: false, reason: 'not-allowed' });
    expect(checkAccess(policy, 'admin', '192.0.2.1')).toEqual({ allowed: false, reason: 'not-allowed' });
    expect(checkAccess(policy, 'other', '10.2.0.1')).toEqual({ allowed: true });
    expect(checkAccess(compilePolicy({ deny: ['10.0.0.0/8'] }, {}), 'x', '10.0.0.1')).toEqual({ allowed: false, reason: 'denied', by: '10.0.0.0/8' });
  });

  it('an address that cannot be read is refused when a list applies', async () => {
    expect((await refusal({ allow: ['10.0.0.0/8'] }, request(undefined)))?.code).toBe('PGD402');
    expect((await refusal({ deny: ['10.0.0.0/8'] }, request('not-an-ip')))?.code).toBe('PGD402');
    expect(await refusal({ roles: { admin: { allow: ['10.0.0.0/8'] } } }, request(undefined), as('user'))).toBeUndefined();
  });

  it('with trustProxy, checks the forwarded client address', async () => {
    const options: IpAllowOptionsInput = { allow: ['203.0.113.0/24'], trustProxy: 1 };
    const via = (forwarded: string): RequestInfo => request('10.0.0.1', { 'x-forwarded-for': forwarded });
    expect(await refusal(options, via('203.0.113.7'))).toBeUndefined();
    expect((await refusal(options, via('198.51.100.1')))?.code).toBe('PGD402');
    // a client cannot slip an allowed address in front: only the last entry is trusted
    expect((await refusal(options, via('203.0.113.7, 198.51.100.1')))?.code).toBe('PGD402');
    // without trustProxy, the socket (the proxy) is what is checked
    expect((await refusal({ allow: ['203.0.113.0/24'] }, via('203.0.113.7')))?.code).toBe('PGD402');
  });

  it('refuses bad options at start-up with a ConfigError naming the entry', () => {
    expect(() => useIpAllow({ allow: ['10.0.0.0/8', '10.0.0.300'] })).toThrow('ip-allow: allow.1: "10.0.0.300" is not an IPv4 or IPv6 address or CIDR block');
    expect(() => useIpAllow({ roles: { admin: { deny: ['10.1.0.0/8'] } } })).toThrow('ip-allow: roles.admin.deny.0: "10.1.0.0/8" has host bits set: did you mean 10.0.0.0/8?');
    expect(() => useIpAllow({ trustProxy: -1 })).toThrow(/trustProxy/);
    expect(() => useIpAllow({ allowed: [] } as IpAllowOptionsInput)).toThrow(/Unrecognized key/);
  });

  it('has defaults, and parsed options parse to themselves', () => {
    const parsed = ipAllowOptions.parse({ roles: { admin: {} } });
    expect(parsed).toEqual({ allow: [], deny: [], roles: { admin: { allow: [], deny: [] } }, trustProxy: 0 });
    expect(ipAllowOptions.parse(parsed)).toEqual(parsed);
  });

  it('with no lists at all, has no onRequest hook', () => {
    expect(useIpAllow().onRequest).toBeUndefined();
    expect(useIpAllow({ roles: { admin: {} } }).onRequest).toBeUndefined();
  });
});
