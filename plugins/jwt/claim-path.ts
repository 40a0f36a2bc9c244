/**
 * Claim paths in PostgREST's JSPath style (its `jwt-role-claim-key`): `.role`, `role`,
 * `.app.role`, `."https://hasura.io/jwt/claims"."x-hasura-default-role"`, `.roles[0]`.
 * Parsing happens once, at start-up; resolving happens per token and never throws.
 */

/** One step of a claim path. */
export type ClaimPathStep =
  /** an object key; `bare` when written without quotes (it may then stand for a key with dots in it) */
  | { readonly kind: 'key'; readonly name: string; readonly bare: boolean }
  /** an array index, 0 first */
  | { readonly kind: 'index'; readonly index: number };

/** A parsed claim path: the text as configured, and its steps. */
export interface ClaimPath {
  readonly text: string;
  readonly steps: readonly ClaimPathStep[];
}

/**
 * Parses a claim path. Grammar: `step+`, where a step is `.key`, `."quoted key"` (with `\"` and
 * `\\` escapes) or `[n]`; the leading dot of the first key may be left out. Throws an Error
 * that says where the path is wrong.
 */
export function parseClaimPath(text: string): ClaimPath {
  const steps: ClaimPathStep[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid claim path ${JSON.stringify(text)} at character ${i + 1}: ${why}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '[') {
      const match = /^\[(\d{1,9})\]/.exec(text.slice(i));
      if (match?.[1] === undefined) fail('expected an array index such as [0]');
      else {
        steps.push({ kind: 'index', index: Number(match[1]) });
        i += match[0].length;
      }
      continue;
    }
    if (c === '.') i += 1;
    else if (steps.length > 0) fail('expected "." or "["');
    if (text[i] === '"') {
      let name = '';
      i += 1;
      for (;;) {
        const d = text[i];
        if (d === undefined) fail('unterminated quoted key');
        if (d === '"') break;
        if (d === '\\') {
          const escaped = text[i + 1];
          if (escaped !== '"' && escaped !== '\\') fail('only \\" and \\\\ may be escaped in a quoted key');
          name += escaped;
          i += 2;
        } else {
          name += d;
          i += 1;
        }
      }
      i += 1;
      if (name === '') fail('empty key');
      steps.push({ kind: 'key', name, bare: false });
      continue;
    }
    const match = /^[^."[\]]+/.exec(text.slice(i));
    if (match === null) fail('expected a key');
    else {
      steps.push({ kind: 'key', name: match[0], bare: true });
      i += match[0].length;
    }
  }
  if (steps.length === 0) fail('empty path');
  return { text, steps };
}

/**
 * The value at `path` in `value`, or undefined when any step is missing. Consecutive bare keys
 * may name one key with dots in it: `https://hasura.io/jwt/claims.x-hasura-default-role` finds
 * the key `https://hasura.io/jwt/claims` and then `x-hasura-default-role` in it. The longest key
 * that exists wins, and a shorter one is tried if the rest of the path is not found below it.
 */
export function resolveClaimPath(value: unknown, path: ClaimPath): unknown {
  return resolveFrom(value, path.steps, 0);
}

function resolveFrom(value: unknown, steps: readonly ClaimPathStep[], at: number): unknown {
  const step = steps[at];
  if (step === undefined) return value;
  if (step.kind === 'index') {
    return Array.isArray(value) && step.index < value.length ? resolveFrom(value[step.index], steps, at + 1) : undefined;
  }
  if (!isPlainObject(value)) return undefined;
  if (!step.bare) return Object.hasOwn(value, step.name) ? resolveFrom(value[step.name], steps, at + 1) : undefined;
  let last = at;
  while (isBare(steps[last + 1])) last += 1;
  for (let end = last; end >= at; end -= 1) {
    const name = steps
      .slice(at, end + 1)
      .map((s) => (s.kind === 'key' ? s.name : ''))
      .join('.');
    if (!Object.hasOwn(value, name)) continue;
    const found = resolveFrom(value[name], steps, end + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isBare(step: ClaimPathStep | undefined): boolean {
  return step !== undefined && step.kind === 'key' && step.bare;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
