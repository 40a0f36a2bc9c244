/**
 * The one place where identifiers are quoted. Every schema, table, column, function and
 * channel name that reaches SQL text goes through here; values never do (they are $n
 * parameters).
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new Error('empty SQL identifier');
  if (name.includes('\u0000')) throw new Error('SQL identifier contains a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"` */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}
