/**
 * Config keys name objects as `schema.name` or just `name` (looked up in the exposed
 * schemas, in order). A key that names nothing is a warning, not an error: the database may
 * have dropped the table, and a reload must still succeed.
 */
export function resolveConfigKeys<V>(
  entries: Readonly<Record<string, V>>,
  objects: readonly { readonly oid: string; readonly schema: string; readonly name: string }[],
  schemas: readonly string[],
  section: string,
  warnings: string[],
): Map<string, V> {
  const out = new Map<string, V>();
  for (const [key, value] of Object.entries(entries)) {
    const found = findByQualifiedName(key, objects, schemas);
    if (found.length === 0) warnings.push(`${section}.${key}: nothing of that name in schemas ${schemas.join(', ')}`);
    for (const object of found) out.set(object.oid, value);
  }
  return out;
}

export function findByQualifiedName<T extends { readonly schema: string; readonly name: string }>(
  key: string,
  objects: readonly T[],
  schemas: readonly string[],
): T[] {
  const dot = key.indexOf('.');
  if (dot > 0) {
    const schema = key.slice(0, dot);
    const name = key.slice(dot + 1);
    return objects.filter((o) => o.schema === schema && o.name === name);
  }
  for (const schema of schemas) {
    const found = objects.filter((o) => o.schema === schema && o.name === key);
    if (found.length > 0) return found;
  }
  return [];
}
