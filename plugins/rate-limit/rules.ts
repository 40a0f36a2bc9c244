import type { BucketSpec } from './token-bucket.js';

/** What a rule counts requests by: the caller's role, its API key, or its address. */
export type RateLimitDimension = 'role' | 'key' | 'ip';

/** One limit: `limit` requests per `per` seconds, with bursts of up to `burst` (default `limit`). */
export interface RateLimitRule {
  readonly by: RateLimitDimension;
  readonly limit: number;
  /** seconds */
  readonly per: number;
  /** the bucket's capacity: how many requests may pass at once after a quiet spell */
  readonly burst?: number | undefined;
  /** only for these roles; a rule with `roles` replaces, for them, the rules of its dimension without */
  readonly roles?: readonly string[] | undefined;
}

/** Who a request counts against. */
export interface RateLimitSubject {
  readonly role: string;
  readonly keyId?: string | undefined;
  readonly ip?: string | undefined;
}

/**
 * The buckets a request takes a token from. Per dimension, the rules that name the caller's
 * role apply if there are any, else the rules that name no role: so `roles: [admin]` overrides
 * the general rule for admins rather than adding to it. Several rules can apply in one dimension
 * (10 a second and 1000 an hour). A request without an API key is not counted by `key` rules,
 * nor one without an address by `ip` rules.
 */
export function bucketsFor(rules: readonly RateLimitRule[], subject: RateLimitSubject): BucketSpec[] {
  const buckets: BucketSpec[] = [];
  for (const by of ['role', 'key', 'ip'] as const) {
    const value = by === 'role' ? subject.role : by === 'key' ? subject.keyId : subject.ip;
    if (value === undefined || value === '') continue;
    const ofDimension = rules.filter((rule) => rule.by === by);
    const forRole = ofDimension.filter((rule) => rule.roles?.includes(subject.role) === true);
    const applying = forRole.length > 0 ? forRole : ofDimension.filter((rule) => rule.roles === undefined);
    for (const rule of applying) buckets.push(bucketOf(rule, value));
  }
  return buckets;
}

/**
 * A rule's bucket for one subject. The key names the rule by what it says, not by its place in
 * the list, so instances sharing a Redis agree on keys even if their lists are ordered
 * differently, and changing a limit starts fresh buckets. Values are URI-encoded: role names,
 * key ids and IPv6 addresses may hold the `:` that separates the parts.
 */
export function bucketOf(rule: RateLimitRule, value: string): BucketSpec {
  const capacity = rule.burst ?? rule.limit;
  const roles = rule.roles === undefined ? '*' : [...rule.roles].sort().map(encodeURIComponent).join(',');
  return {
    key: `${rule.by}:${rule.limit}/${rule.per}s:b${capacity}:${roles}:${encodeURIComponent(value)}`,
    capacity,
    refillPerSecond: rule.limit / rule.per,
  };
}
