/**
 * The TypeGraph: what the database offers, in PostgreSQL's terms, with the names the APIs
 * show. Plain, JSON-serializable data (no classes, no maps, no functions), so it can be
 * written to `schema-cache/` and read back unchanged. Both the GraphQL and the REST surface
 * are derived from it; neither looks at the catalog.
 *
 * Every object carries two names: `name` (what clients see, after `@name`, config renames
 * and the naming convention) and `dbName` (what SQL uses). Arrays are sorted, so the same
 * catalog and config always give the same JSON.
 */

export const TYPE_GRAPH_VERSION = 1;

/** Identifies a relation or a function in the database: schema + database name. */
export interface DbRef {
  readonly schema: string;
  readonly dbName: string;
}

/**
 * A PostgreSQL type as the APIs need it. Domains are resolved to their base type (the
 * domain's own name is kept in `domain`); arrays name their element type.
 */
export type TypeRef =
  | { readonly kind: 'scalar'; readonly schema: string; readonly name: string; readonly domain?: DbRef }
  | { readonly kind: 'enum'; readonly schema: string; readonly name: string; readonly domain?: DbRef }
  | { readonly kind: 'composite'; readonly schema: string; readonly name: string; readonly domain?: DbRef }
  | {
      readonly kind: 'range';
      readonly schema: string;
      readonly name: string;
      readonly subtype: TypeRef;
      readonly domain?: DbRef;
    }
  | { readonly kind: 'array'; readonly element: TypeRef; readonly domain?: DbRef }
  /** a type the APIs cannot express (pseudo-types such as `anyelement`, `internal`) */
  | { readonly kind: 'unsupported'; readonly schema: string; readonly name: string };

export interface Column {
  readonly name: string;
  readonly dbName: string;
  readonly type: TypeRef;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  /** the default expression as PostgreSQL prints it (`nextval('film_film_id_seq'::regclass)`) */
  readonly default?: string;
  readonly identity?: 'always' | 'by_default';
  /** a stored generated column: read-only */
  readonly generated: boolean;
  readonly description?: string;
  /** a foreign key to an enum table's `value`: the column takes that table's values (Hasura's enum tables) */
  readonly enumTable?: DbRef;
}

export interface KeyConstraint {
  readonly name: string;
  /** database column names, in key order */
  readonly columns: readonly string[];
}

export interface ForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly target: DbRef;
  readonly targetColumns: readonly string[];
  /** a base table's foreign key seen through a view's columns (PostgREST infers these; Hasura does not) */
  readonly viaView?: boolean;
}

export interface CheckConstraint {
  readonly name: string;
  readonly definition: string;
}

/** A column pair of a join: `from` on the source side, `to` on the target side (db names). */
export interface ColumnPair {
  readonly from: string;
  readonly to: string;
}

/**
 * A relationship from one entity to another.
 * - `object`: at most one related row (many-to-one, or one-to-one when the key is unique).
 * - `array`: any number of related rows (one-to-many, or many-to-many through a junction).
 */
export interface Relation {
  readonly name: string;
  readonly type: 'object' | 'array';
  readonly cardinality: 'many_to_one' | 'one_to_one' | 'one_to_many' | 'many_to_many';
  readonly target: DbRef;
  /** join columns source → target; for many-to-many, source → junction */
  readonly mapping: readonly ColumnPair[];
  /** many-to-many only: the junction entity and its join columns junction → target */
  readonly through?: {
    readonly junction: DbRef;
    readonly targetMapping: readonly ColumnPair[];
    readonly sourceConstraint: string;
    readonly targetConstraint: string;
  };
  /** the foreign key it comes from (absent for manual relationships) */
  readonly constraint?: string;
  /**
   * Which side's columns hold that foreign key: `source` for a many-to-one (and the owning
   * side of a one-to-one), `target` for a one-to-many (and the far side of a one-to-one).
   * A nested insert writes the holder second. Absent for many-to-many and manual ones.
   */
  readonly foreignKeyOn?: 'source' | 'target';
  readonly origin: 'foreign_key' | 'manual';
  /** from a foreign key seen through a view (REST embeds it, as PostgREST does; GraphQL leaves it out, as Hasura does) */
  readonly viaView?: boolean;
}

export type EntityKind = 'table' | 'partitioned_table' | 'view' | 'materialized_view' | 'foreign_table';

/** The root fields of a table, by Hasura's names for them (its `custom_root_fields` keys, and `select_groups`). */
export const ROOT_FIELD_KINDS = ['select', 'select_by_pk', 'select_aggregate', 'select_stream', 'select_groups', 'insert', 'insert_one', 'update', 'update_by_pk', 'update_many', 'delete', 'delete_by_pk'] as const;
export type RootFieldKind = (typeof ROOT_FIELD_KINDS)[number];

export interface Entity extends DbRef {
  readonly name: string;
  readonly kind: EntityKind;
  readonly description?: string;
  readonly columns: readonly Column[];
  /** empty when the entity has none (views, unless the config declares one) */
  readonly primaryKey: readonly string[];
  /** the primary key constraint's name (ON CONFLICT needs it); absent for declared keys */
  readonly primaryKeyConstraint?: string;
  readonly uniqueKeys: readonly KeyConstraint[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly checks: readonly CheckConstraint[];
  readonly relations: readonly Relation[];
  /**
   * An enum table (config `isEnum`, Hasura's `is_enum`): its rows' `value`s (with their
   * `comment`s), read when the graph is loaded; columns referencing it take these values.
   */
  readonly enumValues?: readonly EnumTableValue[];
  /** root fields named in the config (`tables.<t>.rootFields`, Hasura's `custom_root_fields`), used as written */
  readonly rootFields?: Readonly<Partial<Record<RootFieldKind, string>>>;
  /** what the entity accepts; views as PostgreSQL reports them updatable */
  readonly operations: {
    readonly select: boolean;
    readonly insert: boolean;
    readonly update: boolean;
    readonly delete: boolean;
  };
}

export interface EnumTableValue {
  readonly value: string;
  readonly comment?: string;
}

export interface FunctionArgument {
  /** the argument's name; `null` for unnamed arguments (`$1`) */
  readonly name: string | null;
  readonly type: TypeRef;
  readonly mode: 'in' | 'inout' | 'variadic';
  readonly hasDefault: boolean;
}

/** What a function returns. */
export type FunctionReturn =
  /** a single value (scalar, enum, array, composite) or, with `set`, a set of them */
  | { readonly kind: 'value'; readonly type: TypeRef; readonly set: boolean }
  /** rows of an exposed entity (`RETURNS SETOF film` or `RETURNS film`) */
  | { readonly kind: 'entity'; readonly entity: DbRef; readonly set: boolean }
  /** rows of named columns (`RETURNS TABLE (…)` or OUT parameters) */
  | {
      readonly kind: 'columns';
      readonly columns: readonly { readonly name: string; readonly type: TypeRef }[];
      readonly set: boolean;
    }
  /** procedures and `RETURNS void` */
  | { readonly kind: 'void' };

export interface FunctionDef extends DbRef {
  readonly name: string;
  readonly oid: string;
  readonly kind: 'function' | 'procedure';
  readonly description?: string;
  readonly args: readonly FunctionArgument[];
  readonly returns: FunctionReturn;
  readonly volatility: 'immutable' | 'stable' | 'volatile';
  readonly strict: boolean;
  readonly securityDefiner: boolean;
  readonly language: string;
  /** set when the first argument is an exposed entity's row type: a computed field of it */
  readonly computedFieldOf?: DbRef;
}

export interface EnumDef extends DbRef {
  readonly name: string;
  /** in PostgreSQL's sort order (enumsortorder), not alphabetical */
  readonly values: readonly string[];
  readonly description?: string;
}

export interface CompositeDef extends DbRef {
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly type: TypeRef; readonly nullable: boolean }[];
  readonly description?: string;
}

export interface TypeGraph {
  readonly version: typeof TYPE_GRAPH_VERSION;
  /** hash of the catalog it was built from: changes when the catalog changes */
  readonly fingerprint: string;
  /** hash of the config that shaped names and relationships */
  readonly configDigest: string;
  readonly serverVersionNum: number;
  readonly schemas: readonly string[];
  readonly entities: readonly Entity[];
  readonly functions: readonly FunctionDef[];
  readonly enums: readonly EnumDef[];
  readonly composites: readonly CompositeDef[];
}
