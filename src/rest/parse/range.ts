import { RequestError } from '../../errors/index.js';
import type { RangeRequest } from './types.js';

/**
 * The `Range` request header: `0-24`, `items=0-24`, or open-ended `10-`. PostgREST silently
 * ignores a malformed one; pgduet refuses it (PGRST103, 416) so a typo does not quietly return
 * every row. `unit` is the unit a `unit=first-last` header must name (`Range-Unit`, by
 * default `items`).
 */
export function parseRange(header: string | undefined, unit = 'items'): RangeRequest | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  let text = header.trim();
  const equals = text.indexOf('=');
  if (equals !== -1) {
    const given = text.slice(0, equals).trim();
    if (given.toLowerCase() !== unit.toLowerCase()) {
      throw notSatisfiable(`unsupported range unit ${JSON.stringify(given)}, expecting ${JSON.stringify(unit)}`);
    }
    text = text.slice(equals + 1).trim();
  }
  const match = /^([0-9]+)\s*-\s*([0-9]*)$/.exec(text);
  if (match === null) {
    throw notSatisfiable(`invalid Range header ${JSON.stringify(header)}, expecting "first-last" or "first-" (as in 0-24)`);
  }
  const first = Number(match[1]);
  const last = match[2] === '' || match[2] === undefined ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(first) || (last !== undefined && !Number.isSafeInteger(last))) {
    throw notSatisfiable(`the Range header ${JSON.stringify(header)} is out of bounds`);
  }
  if (last === undefined) return { offset: first };
  if (first > last) {
    throw notSatisfiable('The lower boundary must be lower than or equal to the upper boundary in the Range header.');
  }
  return { offset: first, limit: last - first + 1 };
}

function notSatisfiable(details: string): RequestError {
  return new RequestError('PGD103', 'Requested range not satisfiable', { postgrest: 'PGRST103', details });
}
