import type { RequestInfo } from '../../src/chain/index.js';

/**
 * The client's address, as written: the socket's, or, behind `trustProxy` proxies, the entry of
 * X-Forwarded-For that the outermost trusted proxy wrote. Each proxy appends the address it was
 * connected from, so from the right: the socket is the last proxy, the last entry is who
 * connected to it, and so on. Entries left of the one taken were written by the client and
 * prove nothing. When there are fewer entries than trusted proxies, the leftmost one is taken.
 * Undefined when the socket's address is not known.
 *
 * Entries may carry a port (`203.0.113.7:51234`, `[2001:db8::1]:443`): it is dropped.
 */
export function clientAddress(request: Pick<RequestInfo, 'ip' | 'headers'>, trustProxy: number): string | undefined {
  if (request.ip === undefined) return undefined;
  if (trustProxy <= 0) return request.ip;
  const header = request.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const entries = text === '' ? [] : text.split(',').map((entry) => withoutPort(entry.trim()));
  const chain = [...entries, request.ip];
  return chain[Math.max(0, chain.length - 1 - trustProxy)];
}

function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed !== null) return bracketed[1] ?? entry;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  if (v4WithPort !== null) return v4WithPort[1] ?? entry;
  return entry;
}
