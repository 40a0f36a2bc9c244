/**
 * IP addresses and CIDR blocks as 128-bit integers. Everything lives in IPv6 space: an IPv4
 * address is its IPv4-mapped form `::ffff:a.b.c.d`, and an IPv4 block `a.b.c.d/n` is
 * `::ffff:a.b.c.d/(96+n)`. So `::ffff:1.2.3.4` (how a dual-stack socket reports an IPv4 client)
 * is the same address as `1.2.3.4`, `1.2.3.0/24` matches both spellings, `0.0.0.0/0` is every
 * IPv4 address, and `::/0` is every address at all.
 */

const MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** A parsed block: `base` with its host bits zero, `prefix` counted in IPv6 bits (0…128). */
export interface Cidr {
  /** as written in the configuration */
  readonly text: string;
  readonly base: bigint;
  readonly prefix: number;
  readonly mask: bigint;
}

/** An address, or undefined if `text` is not one. A zone (`fe80::1%eth0`) is ignored when `zone` is 'strip'. */
export function parseAddress(text: string, zone: 'strip' | 'reject' = 'reject'): bigint | undefined {
  let address = text;
  const percent = address.indexOf('%');
  if (percent !== -1) {
    if (zone === 'reject') return undefined;
    address = address.slice(0, percent);
  }
  if (address.includes(':')) return parseIpv6(address);
  const v4 = parseIpv4(address);
  return v4 === undefined ? undefined : MAPPED_PREFIX | v4;
}

/** Whether an address (from `parseAddress`) is IPv4, i.e. in the IPv4-mapped range. */
export function isIpv4(address: bigint): boolean {
  return address >> 32n === 0xffffn;
}

/**
 * Parses `address/prefix`, or a bare address (one host). Throws an Error whose message says
 * what is wrong, for a configuration error: not an address, a prefix out of range, or host
 * bits set (`10.1.0.0/8` is refused rather than read as `10.0.0.0/8`: a typo would otherwise
 * open a whole network).
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  if (addressText.includes('%')) throw new Error(`${JSON.stringify(text)}: a zone (%…) has no place in an address list`);
  const address = parseAddress(addressText);
  if (address === undefined) throw new Error(`${JSON.stringify(text)} is not an IPv4 or IPv6 address or CIDR block`);
  const v4 = !addressText.includes(':');
  const bits = v4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      throw new Error(`${JSON.stringify(text)}: the prefix length must be a number from 0 to ${bits}`);
    }
    prefix = Number(prefixText);
  }
  const prefix128 = v4 ? 96 + prefix : prefix;
  const mask = maskOf(prefix128);
  const base = address & mask;
  if (base !== address) {
    throw new Error(`${JSON.stringify(text)} has host bits set: did you mean ${formatAddress(base)}/${prefix}?`);
  }
  return { text, base, prefix: prefix128, mask };
}

/** Whether `address` is in `cidr`. */
export function cidrContains(cidr: Cidr, address: bigint): boolean {
  return (address & cidr.mask) === cidr.base;
}

/** Dotted quad for IPv4 (mapped) addresses; IPv6 with the longest run of zero groups as `::`. */
export function formatAddress(address: bigint): string {
  if (isIpv4(address)) {
    const v4 = Number(address & 0xffffffffn);
    return [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((address >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // RFC 5952: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function maskOf(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES;
}

/** Four decimal octets, no leading zeros (`010` is octal to some tools and decimal to others). */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** Eight groups of 1–4 hex digits, `::` for one or more zero groups, an IPv4 tail for the last two. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  // an IPv4 part is only allowed as the very last thing written (so not before a `::`)
  const written = halves.length === 2 ? tail : head;
  const isV4 = (g: number | bigint): boolean => typeof g === 'bigint';
  if ((halves.length === 2 && head.some(isV4)) || written.some((g, i) => isV4(g) && i !== written.length - 1)) return undefined;
  const all = [...head, ...tail];
  const count = all.reduce<number>((n, g) => n + (typeof g === 'bigint' ? 2 : 1), 0);
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const expand = (groups: readonly (number | bigint)[]): bigint[] =>
    groups.flatMap((g) => (typeof g === 'bigint' ? [g >> 16n, g & 0xffffn] : [BigInt(g)]));
  const headGroups = expand(head);
  const tailGroups = expand(tail);
  const groups = [...headGroups, ...new Array<bigint>(8 - headGroups.length - tailGroups.length).fill(0n), ...tailGroups];
  return groups.reduce((value, g) => (value << 16n) | g, 0n);
}

/** `a:b:c` → numbers; a dotted IPv4 group → a bigint standing for two groups; '' → none. */
function groupsOf(text: string): (number | bigint)[] | undefined {
  if (text === '') return [];
  const groups: (number | bigint)[] = [];
  for (const part of text.split(':')) {
    if (/^[0-9a-fA-F]{1,4}$/.test(part)) groups.push(parseInt(part, 16));
    else if (part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4);
    } else return undefined;
  }
  return groups;
}
