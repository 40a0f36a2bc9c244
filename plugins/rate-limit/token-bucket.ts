/**
 * Token buckets: a bucket holds up to `capacity` tokens, gains `refillPerSecond` tokens a
 * second, and each request takes one. A burst of `capacity` requests passes at once; after
 * that, requests pass at the refill rate. A bucket not touched for capacity/refill seconds is
 * full again, which is the same as not existing: that is why idle buckets can be forgotten.
 */

/** One bucket a request must take a token from. */
export interface BucketSpec {
  /** identifies the bucket within its store (rule and subject: `ip:10/60s:…:203.0.113.7`) */
  readonly key: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** The answer of a store for one request, over all the buckets it had to take from. */
export interface Decision {
  readonly allowed: boolean;
  /** refused: milliseconds until every bucket has a token again; allowed: 0 */
  readonly retryAfterMs: number;
  /** tokens left in the emptiest bucket (0 when refused) */
  readonly remaining: number;
  /** the capacity of the bucket that decided: the one that refused, or the emptiest one */
  readonly limit: number;
  /** milliseconds until that bucket is full again (refused: until it has a token) */
  readonly resetMs: number;
}

/**
 * Where buckets live. `take` is all or nothing: a token is taken from every bucket, or, if one
 * of them is empty, from none (a request refused by the per-IP limit does not spend the role's
 * budget).
 */
export interface BucketStore {
  take(buckets: readonly BucketSpec[]): Promise<Decision>;
  /** releases connections and timers */
  close(): Promise<void>;
}

/** A bucket's state: its tokens as of `updatedAt` (ms). */
export interface BucketState {
  readonly tokens: number;
  readonly updatedAt: number;
}

/** The tokens a bucket holds at `now` (a clock that went back refills nothing). */
export function tokensAt(state: BucketState | undefined, spec: BucketSpec, now: number): number {
  if (state === undefined) return spec.capacity;
  const elapsedMs = Math.max(0, now - state.updatedAt);
  return Math.min(spec.capacity, state.tokens + (elapsedMs * spec.refillPerSecond) / 1000);
}

/** Milliseconds for `spec` to go from `tokens` to `target` tokens. */
export function msUntil(tokens: number, target: number, spec: BucketSpec): number {
  return tokens >= target ? 0 : ((target - tokens) * 1000) / spec.refillPerSecond;
}

/**
 * Takes one token from each bucket if all have one. `tokens[i]` are the buckets' tokens now,
 * refilled; the result has the new token counts to store (unchanged when refused).
 */
export function takeAll(specs: readonly BucketSpec[], tokens: readonly number[]): { readonly decision: Decision; readonly tokens: readonly number[] } {
  let refused: { index: number; waitMs: number } | undefined;
  specs.forEach((spec, i) => {
    const have = tokens[i] ?? spec.capacity;
    if (have >= 1) return;
    const waitMs = msUntil(have, 1, spec);
    if (refused === undefined || waitMs > refused.waitMs) refused = { index: i, waitMs };
  });
  if (refused !== undefined) {
    const waitMs = Math.ceil(refused.waitMs);
    return {
      decision: { allowed: false, retryAfterMs: waitMs, remaining: 0, limit: specs[refused.index]?.capacity ?? 0, resetMs: waitMs },
      tokens,
    };
  }
  const after = specs.map((spec, i) => (tokens[i] ?? spec.capacity) - 1);
  let emptiest = 0;
  after.forEach((left, i) => {
    if (left < (after[emptiest] ?? Infinity)) emptiest = i;
  });
  const spec = specs[emptiest];
  const left = after[emptiest] ?? 0;
  return {
    decision: {
      allowed: true,
      retryAfterMs: 0,
      remaining: Math.floor(left),
      limit: spec?.capacity ?? 0,
      resetMs: spec === undefined ? 0 : Math.ceil(msUntil(left, spec.capacity, spec)),
    },
    tokens: after,
  };
}
