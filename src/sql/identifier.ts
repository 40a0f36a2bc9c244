/**
 * The one place where identifiers are quoted. Every schema, table, column, function and
 * channel name that reaches SQL text goes through here; values never do (they are $n
 * parameters).
 */
export function quoteIdentifier(name: string): string {
  let quoted = cache.get(name);
  if (quoted === undefined) {
    if (name.length === 0) throw new Error('empty SQL identifier');
    if (name.includes('\u0000')) throw new Error('SQL identifier contains a NUL character');
    quoted = `"${name.replaceAll('"', '""')}"`;
    // identifiers come from the type graph, a bounded set: remembered, they cost nothing per request
    if (cache.size < 100_000) cache.set(name, quoted);
  }
  return quoted;
}

const cache = new Map<string, string>();

/** `"schema"."name"` */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}
