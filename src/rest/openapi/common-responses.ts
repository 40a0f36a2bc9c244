import type { HeaderObject, ResponseObject, SchemaObject } from 'openapi3-ts/oas31';
import { ref, sortedRecord } from './refs.js';

/** The error statuses the REST surface answers with, by status code. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 406 | 409 | 416;

const ERRORS: Readonly<Record<ErrorStatus, { readonly key: string; readonly description: string }>> = {
  400: { key: 'BadRequest', description: 'The request does not parse (PGRST1xx), or PostgreSQL refused a value (22P02, 23502, 23514…).' },
  401: { key: 'Unauthorized', description: 'No valid credentials (PGRST3xx), or the anonymous role may not do this (42501).' },
  403: { key: 'Forbidden', description: 'The role may not do this (42501).' },
  404: { key: 'NotFound', description: 'No such table, view or function (PGRST205, PGRST202).' },
  406: { key: 'NotAcceptable', description: 'The `Accept` type cannot be produced (PGRST406), or a single object was asked for and the rows were not one (PGRST116).' },
  409: { key: 'Conflict', description: 'A unique or foreign key constraint refused the change (23505, 23503).' },
  416: { key: 'RangeNotSatisfiable', description: 'The requested range starts past the last row (PGRST103).' },
};

/** Component keys of the shared headers. */
export const HEADER = { contentRange: 'Content-Range', location: 'Location' } as const;

/** PostgREST's error body (`code`, `message`, `details`, `hint`). */
export function errorSchema(): SchemaObject {
  return {
    type: 'object',
    description: 'An error, as PostgREST renders it.',
    required: ['code', 'details', 'hint', 'message'],
    properties: {
      code: { type: 'string', description: 'A PostgREST code (PGRSTnnn), a pgduet code (PGDnnn) or a PostgreSQL SQLSTATE.', examples: ['PGRST100'] },
      details: { type: ['string', 'null'] },
      hint: { type: ['string', 'null'] },
      message: { type: 'string' },
    },
  };
}

/** `components.responses`: one per error status, each a body of the Error schema. */
export function errorResponses(errorSchemaKey: string): Record<string, ResponseObject> {
  return sortedRecord(
    Object.values(ERRORS).map(
      ({ key, description }) => [key, { description, content: { 'application/json': { schema: ref.schema(errorSchemaKey) } } }] as const,
    ),
  );
}

/** The error responses of an operation, as `$ref`s, keyed by status. */
export function errorResponseRefs(statuses: readonly ErrorStatus[]): Record<string, ReturnType<typeof ref.response>> {
  return Object.fromEntries(statuses.map((status) => [String(status), ref.response(ERRORS[status].key)]));
}

/** `components.headers`. */
export function commonHeaders(): Record<string, HeaderObject> {
  return sortedRecord<HeaderObject>([
    [
      HEADER.contentRange,
      {
        description: 'The rows returned and, with `Prefer: count=…`, how many there are: `0-24/1000`, `0-24/*`, `*/0`.',
        schema: { type: 'string', examples: ['0-24/1000'] },
      },
    ],
    [HEADER.location, { description: 'The address of the row created, by its primary key: `/film?film_id=eq.1001`.', schema: { type: 'string' } }],
  ]);
}
