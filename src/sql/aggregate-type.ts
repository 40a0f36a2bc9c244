import type { TypeRef } from '../model/index.js';
import type { AggregateFunction } from '../plan/index.js';

export const INT8: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int8' };
const NUMERIC: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'numeric' };
const FLOAT8: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'float8' };

/** The type PostgreSQL gives an aggregate's result, for rendering exact numbers and typing what it is compared with. */
export function aggregateResultType(fn: AggregateFunction, column: TypeRef): TypeRef {
  const name = column.kind === 'scalar' ? column.name : '';
  const isFloat = name === 'float4' || name === 'float8';
  switch (fn) {
    case 'count':
      return INT8;
    case 'max':
    case 'min':
      return column;
    case 'sum':
      if (name === 'int2' || name === 'int4') return INT8;
      return isFloat ? FLOAT8 : NUMERIC;
    default:
      return isFloat ? FLOAT8 : NUMERIC;
  }
}
