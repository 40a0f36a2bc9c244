import type { OperationObject, ParameterObject, PathItemObject, ReferenceObject } from 'openapi3-ts/oas31';
import type { Entity } from '../../model/index.js';
import { PARAMETER, RESERVED_QUERY_NAMES } from './common-parameters.js';
import { errorResponseRefs, HEADER } from './common-responses.js';
import { ref } from './refs.js';
import { MEDIA, rowsContent } from './rows-content.js';

/** The names an entity's operations refer to, allocated by `renderOpenApi`. */
export interface EntityKeys {
  /** component key of the row schema */
  readonly schema: string;
  /** component key of the PATCH body; absent when the entity cannot be updated */
  readonly patch?: string;
  /** component keys of the per-column filter parameters */
  readonly filters: readonly string[];
  readonly tag: string;
  readonly operationId: (method: 'get' | 'post' | 'patch' | 'put' | 'delete') => string;
}

type Parameter = ParameterObject | ReferenceObject;

const NO_CONTENT = { description: 'Done; nothing returned (`Prefer: return=minimal`, the default).' };

/**
 * `/<entity>`: one operation per thing the entity accepts. HEAD goes with GET and is not
 * listed; PUT (upsert one row by its primary key) needs both insert and update, and a key.
 */
export function entityPathItem(entity: Entity, keys: EntityKeys): PathItemObject {
  const row = ref.schema(keys.schema);
  // the shared parameters first, then one filter per column: Swagger UI lists them in this order
  const filters = keys.filters.map((key) => ref.parameter(key));
  const common = (summary: string, method: Parameters<EntityKeys['operationId']>[0], parameters: Parameter[]): OperationObject => ({
    tags: [keys.tag],
    summary,
    ...(entity.description === undefined ? {} : { description: entity.description }),
    operationId: keys.operationId(method),
    parameters,
  });
  const changed = { description: 'The rows changed (`Prefer: return=representation`).', content: rowsContent(row) };
  const item: PathItemObject = {};
  const { operations } = entity;

  if (operations.select) {
    const rows = { headers: { [HEADER.contentRange]: ref.header(HEADER.contentRange) }, content: rowsContent(row) };
    item.get = {
      ...common(`Read rows of ${entity.name}`, 'get', [
        ...[PARAMETER.select, PARAMETER.order, PARAMETER.limit, PARAMETER.offset, PARAMETER.range, PARAMETER.rangeUnit, PARAMETER.prefer('read')].map((k) => ref.parameter(k)),
        ...filters,
      ]),
      responses: {
        '200': { description: 'The rows.', ...rows },
        '206': { description: 'Some of the rows: a range that ends before the last one.', ...rows },
        ...errorResponseRefs([400, 401, 403, 404, 406, 416]),
      },
    };
  }
  if (operations.insert) {
    const keyed = entity.primaryKey.length > 0 || entity.uniqueKeys.length > 0;
    item.post = {
      ...common(`Insert rows into ${entity.name}`, 'post', [
        ref.parameter(PARAMETER.select),
        ref.parameter(PARAMETER.columns),
        ...(keyed ? [ref.parameter(PARAMETER.onConflict)] : []),
        ref.parameter(PARAMETER.prefer('insert')),
      ]),
      requestBody: {
        description: 'One row, or an array of rows.',
        required: true,
        content: {
          [MEDIA.json]: { schema: { oneOf: [row, { type: 'array', items: row }] } },
          [MEDIA.csv]: { schema: { type: 'string', description: 'a header line of column names, then one line per row' } },
        },
      },
      responses: {
        '201': {
          description: 'Created. The rows come back with `Prefer: return=representation`.',
          headers: { [HEADER.location]: ref.header(HEADER.location) },
          content: rowsContent(row),
        },
        ...errorResponseRefs([400, 401, 403, 404, 406, 409]),
      },
    };
  }
  if (operations.update && keys.patch !== undefined) {
    item.patch = {
      ...common(`Update rows of ${entity.name}`, 'patch', [
        ...[PARAMETER.select, PARAMETER.columns, PARAMETER.order, PARAMETER.limit, PARAMETER.prefer('update')].map((k) => ref.parameter(k)),
        ...filters,
      ]),
      requestBody: { description: 'The new values; every row the filters match gets them.', required: true, content: { [MEDIA.json]: { schema: ref.schema(keys.patch) } } },
      responses: { '200': changed, '204': NO_CONTENT, ...errorResponseRefs([400, 401, 403, 404, 406, 409]) },
    };
  }
  const key = primaryKeyParameters(entity);
  if (operations.insert && operations.update && key !== undefined) {
    item.put = {
      ...common(`Insert or replace one row of ${entity.name}`, 'put', [
        ...key,
        ...[PARAMETER.select, PARAMETER.columns, PARAMETER.prefer('upsert')].map((k) => ref.parameter(k)),
      ]),
      requestBody: { description: 'The whole row, its primary key equal to the filters.', required: true, content: { [MEDIA.json]: { schema: row } } },
      responses: { '200': changed, '204': NO_CONTENT, ...errorResponseRefs([400, 401, 403, 404, 406, 409]) },
    };
  }
  if (operations.delete) {
    item.delete = {
      ...common(`Delete rows of ${entity.name}`, 'delete', [
        ...[PARAMETER.select, PARAMETER.order, PARAMETER.limit, PARAMETER.prefer('delete')].map((k) => ref.parameter(k)),
        ...filters,
      ]),
      responses: {
        '200': { description: 'The rows deleted (`Prefer: return=representation`).', content: rowsContent(row) },
        '204': NO_CONTENT,
        ...errorResponseRefs([400, 401, 403, 404, 406, 409]),
      },
    };
  }
  return item;
}

/**
 * PUT names its row by `eq` filters on every primary key column, all required; undefined
 * when there is no key, or a key column's name means something else in a query string.
 */
function primaryKeyParameters(entity: Entity): ParameterObject[] | undefined {
  const columns = entity.primaryKey.map((dbName) => entity.columns.find((c) => c.dbName === dbName));
  if (columns.length === 0 || columns.some((c) => c === undefined || RESERVED_QUERY_NAMES.has(c.name))) return undefined;
  return columns.flatMap((column) => {
    if (column === undefined) return [];
    return [
      {
        name: column.name,
        in: 'query',
        required: true,
        description: `\`eq.<value>\`: the ${column.name} of the row (primary key).`,
        schema: { type: 'string', pattern: '^eq\\.' },
      },
    ];
  });
}
