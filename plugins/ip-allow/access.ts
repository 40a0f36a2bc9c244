import { cidrContains, parseAddress, parseCidr, type Cidr } from './cidr.js';

/** One allow list and one deny list. An empty allow list allows every address. */
export interface AccessList {
  readonly allow: readonly Cidr[];
  readonly deny: readonly Cidr[];
}

/** The global lists, and each role's own. */
export interface AccessPolicy {
  readonly global: AccessList;
  readonly roles: ReadonlyMap<string, AccessList>;
}

/** Why an address was refused (for tests and logs; the client is only told "not allowed"). */
export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'denied'; readonly by: string }
  | { readonly allowed: false; readonly reason: 'not-allowed' }
  | { readonly allowed: false; readonly reason: 'unknown-address' };

/** Lists as written in the configuration: CIDR blocks or single addresses. */
export interface AccessListText {
  readonly allow?: readonly string[] | undefined;
  readonly deny?: readonly string[] | undefined;
}

/** Parses every block; throws on the first bad one (the options schema has already said which). */
export function compilePolicy(global: AccessListText, roles: Readonly<Record<string, AccessListText>>): AccessPolicy {
  const compile = (list: AccessListText): AccessList => ({ allow: (list.allow ?? []).map(parseCidr), deny: (list.deny ?? []).map(parseCidr) });
  return { global: compile(global), roles: new Map(Object.entries(roles).map(([role, list]) => [role, compile(list)])) };
}

/** Whether a policy can refuse anything at all (if not, the plugin has nothing to do). */
export function isOpen(policy: AccessPolicy): boolean {
  const empty = (list: AccessList): boolean => list.allow.length === 0 && list.deny.length === 0;
  return empty(policy.global) && [...policy.roles.values()].every(empty);
}

/**
 * Whether `address` may make requests as `role`. It must pass the global lists AND the role's
 * lists (a role's allow list narrows the global one, it cannot widen it). Deny wins: an address
 * in any deny list is refused, whatever the allow lists say. An address that cannot be read
 * (none, or malformed) is refused as soon as any list applies: it cannot be shown to be allowed.
 */
export function checkAccess(policy: AccessPolicy, role: string, addressText: string | undefined): AccessDecision {
  const lists = [policy.global];
  const own = policy.roles.get(role);
  if (own !== undefined) lists.push(own);
  if (lists.every((list) => list.allow.length === 0 && list.deny.length === 0)) return { allowed: true };
  const address = addressText === undefined ? undefined : parseAddress(addressText, 'strip');
  if (address === undefined) return { allowed: false, reason: 'unknown-address' };
  for (const list of lists) {
    const deny = list.deny.find((cidr) => cidrContains(cidr, address));
    if (deny !== undefined) return { allowed: false, reason: 'denied', by: deny.text };
  }
  for (const list of lists) {
    if (list.allow.length > 0 && !list.allow.some((cidr) => cidrContains(cidr, address))) return { allowed: false, reason: 'not-allowed' };
  }
  return { allowed: true };
}
