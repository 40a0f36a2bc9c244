export { introspect, fingerprintOf } from './introspect.js';
export type { IntrospectionResult, Queryable } from './introspect.js';
export type {
  Catalog,
  CatalogColumn,
  CatalogConstraint,
  CatalogFunction,
  CatalogRelation,
  CatalogType,
  CatalogTypeAttribute,
  Oid,
} from './catalog.js';
