import type { ContentObject } from 'openapi3-ts/oas31';
import type { Schema } from './schema-for-type.js';

/** The media types `Accept` may ask for: PostgREST's (`vnd.pgrst.object` for exactly one row). */
export const MEDIA = {
  json: 'application/json',
  object: 'application/vnd.pgrst.object+json',
  csv: 'text/csv',
} as const;

/** A response of rows: a JSON array, one object (`Accept: application/vnd.pgrst.object+json`) or CSV. */
export function rowsContent(row: Schema): ContentObject {
  return {
    [MEDIA.json]: { schema: { type: 'array', items: row } },
    [MEDIA.object]: { schema: row },
    [MEDIA.csv]: { schema: { type: 'string', description: 'a header line, then one line per row' } },
  };
}
