import { findByQualifiedName } from '../model/index.js';
import { compileEnumTableRows } from '../sql/index.js';
import type { Catalog, CatalogEnumTable } from './catalog.js';
import { fingerprintOf, type IntrospectionResult, type Queryable } from './introspect.js';

/**
 * Hasura's enum tables: the rows of the tables the config marks `isEnum`, read right after the
 * catalog (they are data, but they shape the schema as much as the catalog does). A table
 * that is not shaped like one (a primary key that is exactly a column `value`) is left out
 * here, and the graph build warns about it. The fingerprint covers the rows, so a reload
 * notices a new value.
 */
export async function withEnumTables(
  db: Queryable,
  result: IntrospectionResult,
  tables: Readonly<Record<string, { readonly isEnum?: boolean | undefined }>>,
  schemas: readonly string[],
): Promise<IntrospectionResult> {
  const keys = Object.entries(tables).filter(([, t]) => t.isEnum === true).map(([key]) => key);
  if (keys.length === 0) return result;
  const { catalog } = result;
  const enumTables: CatalogEnumTable[] = [];
  for (const key of keys) {
    for (const rel of findByQualifiedName(key, catalog.relations, schemas)) {
      const columns = catalog.columns.filter((c) => c.relid === rel.oid);
      const value = columns.find((c) => c.name === 'value');
      const pk = catalog.constraints.find((c) => c.relid === rel.oid && c.contype === 'p');
      if (value === undefined || pk?.columns?.length !== 1 || pk.columns[0] !== value.attnum) continue;
      const query = compileEnumTableRows({ schema: rel.schema, dbName: rel.name }, columns.some((c) => c.name === 'comment'));
      const { rows } = await db.query<{ value: string; comment: string | null }>(query.text, [...query.values]);
      enumTables.push({ schema: rel.schema, name: rel.name, rows });
    }
  }
  const withRows: Catalog = { ...catalog, enum_tables: enumTables };
  return { catalog: withRows, fingerprint: fingerprintOf(`${result.fingerprint}${JSON.stringify(enumTables)}`) };
}
