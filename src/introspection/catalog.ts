/**
 * Raw rows of the catalog query (`catalog.sql`), named as in pg_catalog. Nothing here is
 * interpreted: `model/` decides what a relkind or a contype means for the API.
 * Object ids are strings, as PostgreSQL's JSON renders the `oid` type.
 */

export type Oid = string;

export interface CatalogRelation {
  readonly oid: Oid;
  readonly schema: string;
  readonly name: string;
  /** r table, p partitioned table, v view, m materialized view, f foreign table */
  readonly relkind: 'r' | 'p' | 'v' | 'm' | 'f';
  readonly type_oid: Oid;
  readonly comment: string | null;
  /** pg_relation_is_updatable(oid, true) for views and foreign tables, else null. */
  readonly updatable_mask: number | null;
  /** views: the columns that are a base table's column as it is (from the view's query tree) */
  readonly view_columns?: readonly { readonly attnum: number; readonly table_oid: Oid; readonly table_attnum: number }[] | null;
}

export interface CatalogColumn {
  readonly relid: Oid;
  readonly attnum: number;
  readonly name: string;
  readonly type_oid: Oid;
  readonly typmod: number;
  readonly not_null: boolean;
  readonly has_default: boolean;
  readonly default_expr: string | null;
  /** '' none, 'a' generated always as identity, 'd' by default */
  readonly identity: '' | 'a' | 'd';
  /** '' none, 's' stored generated column */
  readonly generated: '' | 's';
  readonly comment: string | null;
}

export interface CatalogConstraint {
  readonly oid: Oid;
  readonly name: string;
  readonly relid: Oid;
  /** p primary key, u unique, f foreign key, c check */
  readonly contype: 'p' | 'u' | 'f' | 'c';
  /** attnums of the constrained columns (null for some check constraints) */
  readonly columns: readonly number[] | null;
  readonly foreign_relid: Oid | null;
  readonly foreign_columns: readonly number[] | null;
  readonly definition: string | null;
  readonly comment: string | null;
}

export interface CatalogFunction {
  readonly oid: Oid;
  readonly schema: string;
  readonly name: string;
  /** f function, p procedure */
  readonly prokind: 'f' | 'p';
  readonly arg_names: readonly string[] | null;
  /** all argument types (including OUT/TABLE ones when any exist) */
  readonly arg_types: readonly Oid[];
  /** i in, o out, b inout, v variadic, t table; null when all are IN */
  readonly arg_modes: readonly ('i' | 'o' | 'b' | 'v' | 't')[] | null;
  readonly num_in_args: number;
  readonly num_defaults: number;
  readonly variadic_type_oid: Oid;
  readonly return_type_oid: Oid;
  readonly returns_set: boolean;
  /** i immutable, s stable, v volatile */
  readonly volatility: 'i' | 's' | 'v';
  readonly strict: boolean;
  readonly security_definer: boolean;
  readonly language: string;
  readonly comment: string | null;
}

export interface CatalogTypeAttribute {
  readonly name: string;
  readonly type_oid: Oid;
  readonly not_null: boolean;
}

export interface CatalogType {
  readonly oid: Oid;
  readonly schema: string;
  readonly name: string;
  /** b base, c composite, d domain, e enum, r range, m multirange, p pseudo */
  readonly typtype: 'b' | 'c' | 'd' | 'e' | 'r' | 'm' | 'p';
  readonly category: string;
  readonly element_oid: Oid | null;
  readonly base_oid: Oid | null;
  readonly domain_not_null: boolean;
  readonly relid: Oid | null;
  readonly range_subtype_oid: Oid | null;
  readonly enum_values: readonly string[] | null;
  /** attributes of a standalone composite type (tables describe theirs as columns) */
  readonly attributes: readonly CatalogTypeAttribute[] | null;
  readonly comment: string | null;
}

/** The whole answer of the catalog query. */
export interface Catalog {
  readonly server_version_num: number;
  readonly schemas: readonly string[];
  readonly relations: readonly CatalogRelation[];
  readonly columns: readonly CatalogColumn[];
  readonly constraints: readonly CatalogConstraint[];
  readonly functions: readonly CatalogFunction[];
  readonly types: readonly CatalogType[];
  /** the rows of the tables configured as enum tables (not the catalog query's: read after it) */
  readonly enum_tables?: readonly CatalogEnumTable[];
}

export interface CatalogEnumTable {
  readonly schema: string;
  readonly name: string;
  readonly rows: readonly { readonly value: string; readonly comment: string | null }[];
}
