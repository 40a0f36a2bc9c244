import type { DbRef } from '../model/index.js';
import { qualified, quoteIdentifier, type CompiledQuery } from './fragments.js';

/**
 * The rows of an enum table (Hasura's `is_enum`): `value` and, when the table has one,
 * `comment`, as text, in the order of the values.
 */
export function compileEnumTableRows(table: DbRef, withComment: boolean): CompiledQuery {
  const value = quoteIdentifier('value');
  const comment = withComment ? `${quoteIdentifier('comment')}::text` : 'null::text';
  return { text: `select ${value}::text as value, ${comment} as comment from ${qualified(table)} order by ${value}`, values: [] };
}
