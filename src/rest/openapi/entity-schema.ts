import type { SchemaObject } from 'openapi3-ts/oas31';
import type { Column, Entity } from '../../model/index.js';
import { literalDefault } from './literal-default.js';
import { sortedRecord } from './refs.js';
import { isReference, orNull, schemaForType, type Schema, type TypeContext } from './schema-for-type.js';

const KIND: Readonly<Record<Entity['kind'], string>> = {
  table: 'Table',
  partitioned_table: 'Partitioned table',
  view: 'View',
  materialized_view: 'Materialized view',
  foreign_table: 'Foreign table',
};

/**
 * A row of an entity as GET returns it and POST takes it. `required` lists what an insert
 * must give (NOT NULL, no default, not generated): PostgREST's convention, which clients
 * generated from its documents expect.
 */
export function entitySchema(entity: Entity, ctx: TypeContext): SchemaObject {
  const required = entity.columns.filter(isRequired).map((c) => c.name).sort();
  return {
    type: 'object',
    description: describeEntity(entity),
    properties: sortedRecord(entity.columns.map((c) => [c.name, columnSchema(c, ctx)] as const)),
    ...(required.length === 0 ? {} : { required }),
  };
}

/** The entity's comment, else what it is: `Table public.film.` */
export function describeEntity(entity: Entity): string {
  return entity.description ?? `${KIND[entity.kind]} ${entity.schema}.${entity.dbName}.`;
}

/** The body of a PATCH: any subset of the columns a client may write. */
export function patchSchema(entity: Entity, ctx: TypeContext): SchemaObject {
  return {
    type: 'object',
    description: `The columns of ${entity.name} to change; those left out keep their value.`,
    properties: sortedRecord(entity.columns.filter((c) => !isReadOnly(c)).map((c) => [c.name, columnSchema(c, ctx)] as const)),
  };
}

export function isRequired(column: Column): boolean {
  return !column.nullable && !column.hasDefault && !column.generated && column.identity === undefined;
}

/** Generated columns and `GENERATED ALWAYS AS IDENTITY` refuse written values. */
export function isReadOnly(column: Column): boolean {
  return column.generated || column.identity === 'always';
}

export function columnSchema(column: Column, ctx: TypeContext): Schema {
  const base = schemaForType(column.type, ctx);
  const extras: SchemaObject = {};
  const description = column.description ?? (isReference(base) ? undefined : base.description);
  if (description !== undefined) extras.description = description;
  const value = column.default === undefined || isReference(base) ? undefined : literalDefault(column.default, base);
  if (value !== undefined) extras.default = value;
  if (isReadOnly(column)) extras.readOnly = true;
  const typed = column.nullable ? orNull(base) : base;
  if (Object.keys(extras).length === 0) return typed;
  // a $ref takes no siblings in tools that still read it the 3.0 way: wrap it
  return isReference(typed) ? { allOf: [typed], ...extras } : { ...typed, ...extras };
}
