import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Addresses and CIDR blocks. Matching is Node's `net.BlockList`, which compares an IPv4 block
 * with an IPv4-mapped IPv6 address and the other way round: `::ffff:1.2.3.4` (how a dual-stack
 * socket reports an IPv4 client) is in `1.2.3.0/24`, `::ffff:10.0.0.0/104` holds `10.1.2.3`,
 * `0.0.0.0/0` is every IPv4 address and `::/0` every address at all. The deprecated
 * IPv4-compatible `::1.2.3.4` is an IPv6 address, not IPv4.
 *
 * BlockList cannot tell whether a block has host bits set, or what its network is: ipaddr.js
 * does that, once per block, when the options are read.
 */

/** A valid address, and its family as node:net names it. */
export interface Address {
  readonly text: string;
  readonly family: 'ipv4' | 'ipv6';
}

/** A block of addresses, checked and ready to match. */
export interface Cidr {
  /** as written in the configuration */
  readonly text: string;
  readonly family: 'ipv4' | 'ipv6';
  /** as written: 0…32 for IPv4, 0…128 for IPv6; a bare address is a /32 or a /128 */
  readonly prefix: number;
  readonly blocks: BlockList;
}

/**
 * An address, or undefined if `text` is not one. A zone (`fe80::1%eth0`) is dropped when `zone`
 * is 'strip'. IPv4 parts with a leading zero (`010`: octal to some tools, decimal to others)
 * are refused, in IPv6's dotted tail too.
 */
export function parseAddress(text: string, zone: 'strip' | 'reject' = 'reject'): Address | undefined {
  let address = text;
  const percent = address.indexOf('%');
  if (percent !== -1) {
    if (zone === 'reject') return undefined;
    address = address.slice(0, percent);
  }
  const version = isIP(address);
  if (version === 0) return undefined;
  const dotted = address.slice(address.lastIndexOf(':') + 1);
  if (dotted.includes('.') && /(^|\.)0\d/.test(dotted)) return undefined;
  return { text: address, family: version === 4 ? 'ipv4' : 'ipv6' };
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
  const bits = address.family === 'ipv4' ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      throw new Error(`${JSON.stringify(text)}: the prefix length must be a number from 0 to ${bits}`);
    }
    prefix = Number(prefixText);
  }
  const network = networkOf(address, prefix);
  if (network !== undefined) throw new Error(`${JSON.stringify(text)} has host bits set: did you mean ${network}/${prefix}?`);
  const blocks = new BlockList();
  blocks.addSubnet(address.text, prefix, address.family);
  return { text, family: address.family, prefix, blocks };
}

/** Whether `address` is in `cidr`. */
export function cidrContains(cidr: Cidr, address: Address): boolean {
  return cidr.blocks.check(address.text, address.family);
}

/** The network of `address/prefix` when `address` has host bits set (undefined when it is the network already). */
function networkOf(address: Address, prefix: number): string | undefined {
  if (address.family === 'ipv4') {
    const network = ipaddr.IPv4.networkAddressFromCIDR(`${address.text}/${prefix}`);
    return network.toString() === ipaddr.IPv4.parse(address.text).toString() ? undefined : network.toString();
  }
  // ipaddr.js reads `::1.2.3.4` as `::ffff:1.2.3.4`; the URL parser writes IPv6 in plain hex groups, as RFC 5952 does
  const hex = new URL(`http://[${address.text}]/`).hostname.slice(1, -1);
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${hex}/${prefix}`);
  return network.toNormalizedString() === ipaddr.IPv6.parse(hex).toNormalizedString() ? undefined : network.toRFC5952String();
}
