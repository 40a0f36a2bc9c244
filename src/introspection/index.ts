export { introspect, fingerprintOf } from './introspect.js';
export { withEnumTables } from './enum-tables.js';
export type { IntrospectionResult, Queryable } from './introspect.js';
export type {
  Catalog,
  CatalogColumn,
  CatalogEnumTable,
  CatalogConstraint,
  CatalogFunction,
  CatalogRelation,
  CatalogType,
  CatalogTypeAttribute,
  Oid,
} from './catalog.js';
