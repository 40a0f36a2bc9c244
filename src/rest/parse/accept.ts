import { invalidRequest } from '../../errors/index.js';
import type { ResponseFormat } from './types.js';

/**
 * Content negotiation on `Accept`: the media ranges by decreasing q (then the more specific
 * first, then in the order written), and the first one that names an offered format — or a
 * wildcard that covers one — wins. q=0 means "not this": it removes the type, even from what a
 * wildcard would match. No header, or `*∕*`, gives the first offer. Nothing acceptable is
 * PostgREST's 406 `PGRST107` "None of these media types are available: …".
 */

const FORMATS = new Map<string, ResponseFormat>([
  ['application/json', 'json'],
  // vnd.pgrst.array is PostgREST's name for a plain JSON array (with `;nulls=stripped` optional)
  ['application/vnd.pgrst.array+json', 'json'],
  ['application/vnd.pgrst.array', 'json'],
  ['application/vnd.pgrst.object+json', 'object'],
  ['application/vnd.pgrst.object', 'object'],
  ['text/csv', 'csv'],
  ['application/geo+json', 'geojson'],
  ['application/openapi+json', 'openapi'],
]);

const MEDIA_TYPE: Readonly<Record<ResponseFormat, string>> = {
  json: 'application/json',
  object: 'application/vnd.pgrst.object+json',
  csv: 'text/csv',
  geojson: 'application/geo+json',
  openapi: 'application/openapi+json',
};

interface MediaRange {
  /** `type/subtype`, lower-cased, parameters dropped */
  readonly essence: string;
  readonly q: number;
  /** 2 for `type/subtype`, 1 for `type/*`, 0 for `*∕*` */
  readonly specificity: number;
  readonly index: number;
}

/** The offers a media range covers, in the order offered. */
function covers(range: MediaRange, offers: readonly ResponseFormat[]): ResponseFormat[] {
  if (range.essence === '*/*') return [...offers];
  if (range.essence.endsWith('/*')) {
    const type = range.essence.slice(0, -1);
    return offers.filter((offer) => MEDIA_TYPE[offer].startsWith(type));
  }
  const format = FORMATS.get(range.essence);
  return format !== undefined && offers.includes(format) ? [format] : [];
}

function parseRange(text: string, index: number): MediaRange {
  const [type = '', ...params] = text.split(';');
  const essence = type.trim().toLowerCase().replace(/\s+/g, '');
  let q = 1;
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'q') continue;
    const parsed = Number(value.trim());
    // an unreadable q is ignored (the range keeps q=1) rather than failing the request
    if (value.trim() !== '' && Number.isFinite(parsed) && parsed >= 0 && parsed <= 1) q = parsed;
    break;
  }
  const specificity = essence === '*/*' ? 0 : essence.endsWith('/*') ? 1 : 2;
  return { essence, q, specificity, index };
}

export function negotiateFormat(accept: string | undefined, offers: readonly ResponseFormat[]): ResponseFormat {
  const ranges = (accept ?? '')
    .split(',')
    .filter((text) => text.trim() !== '')
    .map(parseRange);
  const first = offers[0];
  if (ranges.length === 0 && first !== undefined) return first;
  const refused = new Set(ranges.filter((range) => range.q === 0).flatMap((range) => covers(range, offers)));
  const ordered = ranges
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.index - b.index);
  for (const range of ordered) {
    const format = covers(range, offers).find((offer) => range.specificity === 2 || !refused.has(offer));
    if (format !== undefined) return format;
  }
  const asked = ranges.map((range) => range.essence).join(', ');
  throw invalidRequest(`None of these media types are available: ${asked}`, { postgrest: 'PGRST107' });
}
