import type { ParameterObject } from 'openapi3-ts/oas31';
import { sortedRecord } from './refs.js';

/** Which request a `Prefer` header belongs to: each accepts its own preferences. */
export type PreferTarget = 'read' | 'insert' | 'update' | 'upsert' | 'delete' | 'call';

/** Query parameters with a meaning of their own: a column of one of these names cannot be filtered by name. */
export const RESERVED_QUERY_NAMES: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'and', 'or', 'not.and', 'not.or']);

const RETURN = ['return=minimal', 'return=headers-only', 'return=representation'];
const COUNT = ['count=exact', 'count=planned', 'count=estimated'];
const TX = ['tx=commit', 'tx=rollback'];
const HANDLING = ['handling=lenient', 'handling=strict'];

/** The preferences PostgREST understands, per kind of request (its `Preferences.hs`). */
const PREFERENCES: Readonly<Record<PreferTarget, readonly string[]>> = {
  read: [...COUNT, ...HANDLING],
  insert: [...RETURN, ...COUNT, 'resolution=merge-duplicates', 'resolution=ignore-duplicates', 'missing=default', ...TX, ...HANDLING],
  update: [...RETURN, ...COUNT, ...TX, ...HANDLING],
  upsert: [...RETURN, 'missing=default', ...TX, ...HANDLING],
  delete: [...RETURN, ...COUNT, ...TX, ...HANDLING],
  call: [...COUNT, ...TX, ...HANDLING],
};

/** Component keys of the shared parameters. */
export const PARAMETER = {
  select: 'select',
  order: 'order',
  limit: 'limit',
  offset: 'offset',
  columns: 'columns',
  onConflict: 'on_conflict',
  range: 'Range',
  rangeUnit: 'Range-Unit',
  prefer: (target: PreferTarget): string => `Prefer.${target}`,
} as const;

/** `components.parameters` shared by every entity and function. */
export function commonParameters(): Record<string, ParameterObject> {
  const prefer = (Object.keys(PREFERENCES) as PreferTarget[]).map((target) => [PARAMETER.prefer(target), preferParameter(target)] as const);
  return sortedRecord<ParameterObject>([
    ...prefer,
    [
      PARAMETER.select,
      query('select', 'Columns to return, renamed, cast or embedded from related resources: `title,language(name)`, `id,name:title`, `*`.'),
    ],
    [PARAMETER.order, query('order', 'Sort order: `title.desc.nullslast,film_id`; `rel(col).asc` orders by a to-one embedded resource.')],
    [PARAMETER.limit, { name: 'limit', in: 'query', description: 'At most this many rows.', schema: { type: 'integer', minimum: 0 } }],
    [PARAMETER.offset, { name: 'offset', in: 'query', description: 'Skip this many rows first.', schema: { type: 'integer', minimum: 0 } }],
    [PARAMETER.columns, query('columns', 'The keys of the body to write, comma-separated; other keys are ignored and missing ones take their default.')],
    [PARAMETER.onConflict, query('on_conflict', 'The unique columns an upsert (`Prefer: resolution=…`) resolves conflicts on, comma-separated; the primary key when absent.')],
    [
      PARAMETER.range,
      {
        name: 'Range',
        in: 'header',
        description: 'Rows to return, from 0: `0-24` is the first 25; `10-` everything from the 11th. Like `offset` and `limit`.',
        schema: { type: 'string', pattern: '^[0-9]+-[0-9]*$' },
      },
    ],
    [PARAMETER.rangeUnit, { name: 'Range-Unit', in: 'header', description: 'The unit of `Range`: always `items`.', schema: { type: 'string', enum: ['items'] } }],
  ]);
}

function query(name: string, description: string): ParameterObject {
  return { name, in: 'query', description, schema: { type: 'string' } };
}

/**
 * `Prefer` as an array of allowed values, comma-separated on the wire (`style: simple`):
 * preferences combine (`return=representation,count=exact`), which an enum of single
 * strings could not say. Swagger UI shows it as a multiple choice.
 */
function preferParameter(target: PreferTarget): ParameterObject {
  const values = PREFERENCES[target];
  return {
    name: 'Prefer',
    in: 'header',
    description: `Preferences (RFC 7240), comma-separated: ${values.map((v) => `\`${v}\``).join(', ')}.`,
    style: 'simple',
    explode: false,
    schema: { type: 'array', items: { type: 'string', enum: [...values] }, uniqueItems: true },
  };
}

/** The filter on one column, named as the column: `?rating=eq.PG`. */
export function filterParameter(column: string): ParameterObject {
  return {
    name: column,
    in: 'query',
    description: 'PostgREST filter, e.g. eq.5 (also neq, gt, gte, lt, lte, like, ilike, in.(a,b), is.null, not.eq.5).',
    required: false,
    schema: { type: 'string' },
  };
}
