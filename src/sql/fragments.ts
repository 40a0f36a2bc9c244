import type { DbRef, TypeRef } from '../model/index.js';
import { quoteIdentifier, quoteQualified } from './identifier.js';

/** One parameterized statement: SQL text with $n placeholders and their values. */
export interface CompiledQuery {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** `"schema"."table"` of an entity or function. */
export function qualified(ref: DbRef): string {
  return quoteQualified(ref.schema, ref.dbName);
}

/**
 * The SQL name of a type, for casts. Domains are cast to their base type (a domain's check
 * applies where the value is stored, not where it is compared).
 */
export function sqlType(type: TypeRef): string {
  switch (type.kind) {
    case 'array':
      return `${sqlType(type.element)}[]`;
    case 'unsupported':
      throw new Error(`cannot use a value of type ${type.schema}.${type.name}`);
    default:
      return quoteQualified(type.schema, type.name);
  }
}

const JSON_TYPES = new Set(['json', 'jsonb']);

/** json or jsonb (their values are JSON text, not parsed here) */
export function isJsonType(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.schema === 'pg_catalog' && JSON_TYPES.has(type.name);
}

/**
 * The parameters of one statement. `add` returns the placeholder, cast to the value's type,
 * so that PostgreSQL never has to guess (overloaded functions, `= ANY`, unknown literals).
 */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown, type: TypeRef): string {
    this.values.push(toDriverValue(value, type));
    return `$${this.values.length}::${sqlType(type)}`;
  }

  /** a value whose type is the array of `element` (for `= ANY($n)`, batches) */
  addArray(values: readonly unknown[], element: TypeRef): string {
    return this.add(values, { kind: 'array', element });
  }
}

/**
 * JSON values as `pg` should send them: json/jsonb as their JSON text (pg would send a JS
 * array as a PostgreSQL array literal), everything else as it is.
 */
function toDriverValue(value: unknown, type: TypeRef): unknown {
  if (value === null || value === undefined) return null;
  if (isJsonType(type)) return JSON.stringify(value);
  if (type.kind === 'array' && isJsonType(type.element) && Array.isArray(value)) {
    return value.map((v: unknown) => (v === null ? null : JSON.stringify(v)));
  }
  return value;
}

/** Hands out table aliases that cannot collide within one statement. */
export class Aliases {
  #next = 0;
  next(prefix = 't'): string {
    return quoteIdentifier(`${prefix}${this.#next++}`);
  }
}

export { quoteIdentifier };
