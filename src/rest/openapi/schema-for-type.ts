import type { ReferenceObject, SchemaObject } from 'openapi3-ts/oas31';
import type { CompositeDef, DbRef, EnumDef, TypeRef } from '../../model/index.js';
import { ref, sortedRecord } from './refs.js';

export type Schema = SchemaObject | ReferenceObject;

/** What turning a TypeRef into a JSON Schema needs to know besides the type itself. */
export interface TypeContext {
  /** by `schema.dbName` */
  readonly enums: ReadonlyMap<string, EnumDef>;
  /** by `schema.dbName` */
  readonly composites: ReadonlyMap<string, CompositeDef>;
  /** the component key of an entity's schema, for a column or argument of its row type */
  readonly entitySchema: (entity: DbRef) => string | undefined;
  /** how int8 and numeric appear in JSON (the config's `output.exactNumbers`) */
  readonly exactNumbers: 'string' | 'number';
}

const TEXT: SchemaObject = { type: 'string' };

/**
 * Scalars by PostgreSQL name. Formats follow what PostgreSQL's JSON functions print, since
 * REST builds its JSON inside PostgreSQL; `timestamp` and `time` carry no offset, so their
 * values are looser than RFC 3339 (the format still tells generators "a date-time").
 */
const SCALARS: Readonly<Record<string, SchemaObject>> = {
  int2: { type: 'integer', format: 'int32', minimum: -32768, maximum: 32767 },
  int4: { type: 'integer', format: 'int32' },
  oid: { type: 'integer', format: 'int64', minimum: 0 },
  float4: { type: 'number', format: 'float' },
  float8: { type: 'number', format: 'double' },
  bool: { type: 'boolean' },
  text: TEXT,
  varchar: TEXT,
  bpchar: TEXT,
  char: TEXT,
  name: TEXT,
  citext: TEXT,
  uuid: { type: 'string', format: 'uuid', examples: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'] },
  date: { type: 'string', format: 'date', examples: ['2024-05-31'] },
  timestamptz: { type: 'string', format: 'date-time', examples: ['2024-05-31T14:30:00+00:00'] },
  timestamp: { type: 'string', format: 'date-time', description: 'without time zone: no offset' },
  time: { type: 'string', format: 'time', description: 'without time zone: no offset' },
  timetz: { type: 'string', format: 'time' },
  interval: { type: 'string', examples: ['1 day 02:00:00'] },
  json: {},
  jsonb: {},
  bytea: { type: 'string', description: 'bytes in PostgreSQL hex format', examples: ['\\xdeadbeef'] },
  inet: { type: 'string', examples: ['192.168.0.1'] },
  cidr: { type: 'string', examples: ['192.168.0.0/24'] },
  macaddr: { type: 'string', examples: ['08:00:2b:01:02:03'] },
  money: { type: 'string', examples: ['$12.50'] },
  tsvector: TEXT,
  tsquery: TEXT,
  xml: TEXT,
};

/** int8 and numeric: JSON strings by default, so no digit is lost to a double. */
const EXACT: Readonly<Record<'string' | 'number', Readonly<Record<string, SchemaObject>>>> = {
  string: {
    int8: {
      type: 'string',
      format: 'int64',
      pattern: '^-?[0-9]+$',
      description: 'int8, as a string so that every digit survives JSON',
      examples: ['9007199254740993'],
    },
    numeric: { type: 'string', format: 'decimal', description: 'numeric, as a string so that every digit survives JSON', examples: ['12.50'] },
  },
  number: {
    int8: { type: 'integer', format: 'int64' },
    numeric: { type: 'number' },
  },
};

/** How deep composite types are inlined; PostgreSQL forbids cycles, this guards a bad graph. */
const MAX_DEPTH = 8;

/**
 * The JSON Schema of values of a PostgreSQL type, as pgduet's REST surface writes and
 * reads them. Never null: callers add `null` with `orNull` where the column allows it.
 */
export function schemaForType(type: TypeRef, ctx: TypeContext, depth = 0): Schema {
  switch (type.kind) {
    case 'scalar':
      return { ...(EXACT[ctx.exactNumbers][type.name] ?? SCALARS[type.name] ?? TEXT) };
    case 'enum': {
      const values = ctx.enums.get(`${type.schema}.${type.name}`)?.values;
      return values === undefined ? { type: 'string' } : { type: 'string', enum: [...values] };
    }
    case 'range':
      return { type: 'string', description: `a ${type.name} range`, examples: ['[1,10)'] };
    case 'array':
      return { type: 'array', items: schemaForType(type.element, ctx, depth + 1) };
    case 'composite':
      return compositeSchema(type, ctx, depth);
    case 'unsupported':
      return {};
  }
}

function compositeSchema(type: { readonly schema: string; readonly name: string }, ctx: TypeContext, depth: number): Schema {
  // a table's row type (`f(film)`, a column of type film) is that entity's schema
  const entity = ctx.entitySchema({ schema: type.schema, dbName: type.name });
  if (entity !== undefined) return ref.schema(entity);
  const composite = ctx.composites.get(`${type.schema}.${type.name}`);
  if (composite === undefined || depth > MAX_DEPTH) return { type: 'object' };
  return {
    type: 'object',
    ...(composite.description === undefined ? {} : { description: composite.description }),
    properties: sortedRecord(
      composite.fields.map((f) => {
        const field = schemaForType(f.type, ctx, depth + 1);
        return [f.name, f.nullable ? orNull(field) : field] as const;
      }),
    ),
  };
}

/** The schema, also accepting `null` (3.1 style: `type: ['string', 'null']`). */
export function orNull(schema: Schema): Schema {
  if (isReference(schema)) return { anyOf: [schema, { type: 'null' }] };
  const { type } = schema;
  // no `type` ({} for json, or a combinator): null is already allowed, or added below
  if (type === undefined) return schema.anyOf === undefined ? schema : { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('null')) return schema;
  const withNull: SchemaObject = { ...schema, type: [...types, 'null'] };
  // `enum` restricts every value, null included
  if (schema.enum !== undefined) withNull.enum = [...(schema.enum as unknown[]), null];
  return withNull;
}

export function isReference(schema: Schema): schema is ReferenceObject {
  return typeof schema.$ref === 'string';
}
