import type { Preferences } from './types.js';

/**
 * The `Prefer` header (RFC 7240, PostgREST's `Preferences.hs`): comma-separated preferences;
 * several headers arrive joined by ", ". As in PostgREST, values are matched exactly and the
 * first occurrence of each preference wins (a later duplicate is understood but not applied).
 * Anything else — unknown names, unknown values, `timezone=` (which needs the database's zone
 * names) — lands in `invalid`, which `handling=strict` turns into an error.
 */

const RETURN = ['minimal', 'headers-only', 'representation'] as const;
const COUNT = ['exact', 'planned', 'estimated'] as const;
const RESOLUTION = ['merge-duplicates', 'ignore-duplicates'] as const;
const MISSING = ['default', 'null'] as const;
const TX = ['commit', 'rollback'] as const;
const PARAMS = ['single-object'] as const;
const HANDLING = ['strict', 'lenient'] as const;

type Draft = { -readonly [K in Exclude<keyof Preferences, 'applied' | 'invalid'>]?: NonNullable<Preferences[K]> };

function isOneOf<T extends string>(value: string, options: readonly T[]): value is T {
  const known: readonly string[] = options;
  return known.includes(value);
}

/** Sets a preference unless an earlier one did: true when applied, false for a duplicate. */
function setOnce<K extends keyof Draft>(draft: Draft, key: K, value: NonNullable<Draft[K]>): boolean {
  if (draft[key] !== undefined) return false;
  draft[key] = value;
  return true;
}

/** true: applied; false: understood but a duplicate; undefined: not understood. */
function apply(draft: Draft, name: string, value: string): boolean | undefined {
  switch (name) {
    case 'return':
      return isOneOf(value, RETURN) ? setOnce(draft, 'return', value) : undefined;
    case 'count':
      return isOneOf(value, COUNT) ? setOnce(draft, 'count', value) : undefined;
    case 'resolution':
      return isOneOf(value, RESOLUTION) ? setOnce(draft, 'resolution', value) : undefined;
    case 'missing':
      return isOneOf(value, MISSING) ? setOnce(draft, 'missing', value) : undefined;
    case 'tx':
      return isOneOf(value, TX) ? setOnce(draft, 'tx', value) : undefined;
    case 'params':
      return isOneOf(value, PARAMS) ? setOnce(draft, 'params', value) : undefined;
    case 'handling':
      return isOneOf(value, HANDLING) ? setOnce(draft, 'handling', value) : undefined;
    case 'max-affected': {
      const count = Number(value);
      return /^[0-9]+$/.test(value) && Number.isSafeInteger(count) ? setOnce(draft, 'maxAffected', count) : undefined;
    }
    default:
      return undefined;
  }
}

export function parsePrefer(header: string | undefined): Preferences {
  const draft: Draft = {};
  const applied: string[] = [];
  const invalid: string[] = [];
  for (const item of (header ?? '').split(',')) {
    const preference = item.trim();
    if (preference === '') continue;
    const equals = preference.indexOf('=');
    const name = equals === -1 ? preference : preference.slice(0, equals).trim();
    const value = equals === -1 ? '' : preference.slice(equals + 1).trim();
    const result = equals === -1 ? undefined : apply(draft, name, value);
    if (result === undefined) invalid.push(preference);
    else if (result) applied.push(`${name}=${name === 'max-affected' ? String(Number(value)) : value}`);
  }
  return { ...draft, applied, invalid };
}
