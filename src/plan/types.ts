import type { ColumnPair, DbRef, TypeRef } from '../model/index.js';

/**
 * The Plan: what a request asks of the database, in neither protocol's words. GraphQL
 * (`graphql/`) and REST (`rest/`) both produce these; the chain (`chain/`) authorizes and
 * may rewrite them; only `sql/` turns them into SQL. Names here are database names (`dbName`),
 * because the Plan is resolved against the type graph already. Values are plain JSON values
 * that `sql/` always sends as parameters.
 */

/** How to get from one entity to a related one: the join of a Relation, without its name. */
export interface JoinPath {
  readonly target: DbRef;
  /** source column → target column; for many-to-many, source column → junction column */
  readonly mapping: readonly ColumnPair[];
  /** many-to-many: the junction and its columns → the target's */
  readonly through?: { readonly junction: DbRef; readonly targetMapping: readonly ColumnPair[] };
}

/** One step into a json/jsonb value: `->` keeps JSON, `->>` gives text; a number indexes an array. */
export interface JsonPathStep {
  readonly arrow: '->' | '->>';
  readonly key: string | number;
}

/**
 * A column of the row being filtered or ordered, with the type needed to cast values to it.
 * With a `path`, the value compared is the JSON found there (`data->'a'->>'b'`) and `type` is
 * that expression's type: text after `->>`, the column's json/jsonb after `->`.
 */
export interface ColumnRef {
  readonly column: string;
  readonly type: TypeRef;
  readonly path?: readonly JsonPathStep[];
  /** a computed field (a function of the row, `fn(row)`) instead of a column; `column` is its name */
  readonly computed?: DbRef;
  /**
   * Hasura's `_cast`: the value (after `path`) converted to this type before it is compared
   * (`geometry` → `geography`, jsonb → text); `type` is then this type.
   */
  readonly castAs?: TypeRef;
}

/** The comparisons of one column with another (Hasura's `_ceq`, `_cgt`…). */
export type ColumnCompareOperator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';

/** The comparisons a condition can make; each protocol maps its own operator names onto these. */
export type CompareOperator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'in'
  | 'nin'
  /** value true: IS NULL; false: IS NOT NULL */
  | 'is_null'
  | 'like'
  | 'nlike'
  | 'ilike'
  | 'nilike'
  | 'similar'
  | 'nsimilar'
  | 'regex'
  | 'nregex'
  | 'iregex'
  | 'niregex'
  /** jsonb and arrays: @> */
  | 'contains'
  /** jsonb and arrays: <@ */
  | 'contained_in'
  /** jsonb: ? */
  | 'has_key'
  /** jsonb: ?| */
  | 'has_keys_any'
  /** jsonb: ?& */
  | 'has_keys_all'
  /** IS DISTINCT FROM */
  | 'is_distinct'
  /** value 'true' | 'false' | 'unknown': IS TRUE, IS FALSE, IS UNKNOWN */
  | 'is'
  /** arrays and ranges: && */
  | 'overlaps'
  /** ranges: << */
  | 'strictly_left'
  /** ranges: >> */
  | 'strictly_right'
  /** ranges: &< */
  | 'not_extends_right'
  /** ranges: &> */
  | 'not_extends_left'
  /** ranges: -|- */
  | 'adjacent';

/** The text-search functions a `text_search` condition can turn its query into a tsquery with. */
export type TextSearchParser = 'to_tsquery' | 'plainto_tsquery' | 'phraseto_tsquery' | 'websearch_to_tsquery';

/** A boolean expression over the current row (and, through joins, related rows). */
export type Condition =
  | { readonly kind: 'and'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition }
  /**
   * `column <operator> value`. With a `quantifier`, `value` is a list and the comparison is
   * against ANY or ALL of it (`like any ('{a%,b%}')`).
   */
  | {
      readonly kind: 'compare';
      readonly column: ColumnRef;
      readonly operator: CompareOperator;
      readonly value: unknown;
      readonly quantifier?: 'any' | 'all';
    }
  /** full-text search: `column @@ parser(language, query)`; a non-tsvector column is converted with to_tsvector */
  | {
      readonly kind: 'text_search';
      readonly column: ColumnRef;
      readonly parser: TextSearchParser;
      readonly language?: string;
      readonly query: string;
    }
  /**
   * `column <operator> other`: a column compared with another column of the same row, or
   * (`root`) of the row the enclosing `root` condition was written for (Hasura's `["$", "col"]`).
   */
  | {
      readonly kind: 'compare_column';
      readonly column: ColumnRef;
      readonly operator: ColumnCompareOperator;
      readonly other: { readonly column: string; readonly root?: boolean };
    }
  /**
   * Some row of `entity`, any row, related to this one or not, satisfies `condition` (Hasura's
   * `_exists`); `condition` may name this row's columns only through `root` references.
   */
  | { readonly kind: 'exists'; readonly entity: DbRef; readonly condition: Condition }
  /** the row `condition` is read over is "the root": `compare_column`s with `root` inside name its columns */
  | { readonly kind: 'root'; readonly condition: Condition }
  /** some related row satisfies `condition` (EXISTS); for an object relationship: the related row does */
  | { readonly kind: 'related'; readonly join: JoinPath; readonly condition: Condition }
  /**
   * An aggregate of the related rows (an array relationship's, those satisfying `condition`)
   * compared: Hasura's aggregate predicates, `count` (of `columns`, `distinct`) or a boolean
   * column's `bool_and` / `bool_or`, compared by every entry of `predicate`.
   */
  | {
      readonly kind: 'related_aggregate';
      readonly join: JoinPath;
      readonly fn: 'count' | 'bool_and' | 'bool_or';
      readonly columns?: readonly string[];
      readonly distinct?: boolean;
      readonly condition?: Condition;
      readonly predicate: readonly { readonly operator: CompareOperator; readonly value: unknown }[];
    }
  /**
   * An aggregate of the rows of one group of a grouped read (its `having`, HAVING in SQL),
   * compared by every entry of `predicate`: `count` (of `columns`, `distinct`), or another
   * function of its one column; only the rows that satisfy `condition` are aggregated
   * (`FILTER (WHERE …)`). Meaningful in a grouped read's `having` only.
   */
  | {
      readonly kind: 'group_aggregate';
      readonly fn: AggregateFunction;
      readonly columns?: readonly { readonly column: string; readonly type: TypeRef }[];
      readonly distinct?: boolean;
      readonly condition?: Condition;
      readonly predicate: readonly { readonly operator: CompareOperator; readonly value: unknown }[];
    };

export type SortDirection = 'asc' | 'desc';

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'max' | 'min' | 'stddev' | 'stddev_pop' | 'stddev_samp' | 'variance' | 'var_pop' | 'var_samp';

/** What a row is ordered by. */
export type OrderTarget =
  | { readonly kind: 'column'; readonly column: string; readonly path?: readonly JsonPathStep[]; readonly computed?: DbRef }
  /** a column of the row an object relationship points at */
  | { readonly kind: 'related_column'; readonly join: JoinPath; readonly column: string }
  /** an aggregate over the rows an array relationship points at (count: column absent) */
  | { readonly kind: 'related_aggregate'; readonly join: JoinPath; readonly fn: AggregateFunction; readonly column?: string }
  /** any order target of the row an object relationship points at (ordering through several relationships) */
  | { readonly kind: 'related'; readonly join: JoinPath; readonly target: OrderTarget }
  /** an aggregate of the rows of a group, in a grouped read (count: column absent) */
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunction; readonly column?: string };

export interface OrderItem {
  readonly target: OrderTarget;
  readonly direction: SortDirection;
  /** PostgreSQL's default when absent: NULLS LAST for asc, NULLS FIRST for desc */
  readonly nulls?: 'first' | 'last';
}

/** One key of an output object. */
export type Selection =
  /**
   * A column's value. With a `path`, the JSON found there (`->` JSON, `->>` text); with a
   * `cast`, converted to that type (`type` is then the cast's, or the path's result type).
   */
  | {
      readonly kind: 'column';
      readonly key: string;
      readonly column: string;
      readonly type: TypeRef;
      readonly path?: readonly JsonPathStep[];
      readonly cast?: TypeRef;
    }
  /**
   * An aggregate over the rows (REST `amount.sum()`, `count()`): a ReadPlan with one is grouped
   * by its `column` selections. `column` absent: `count(*)`. `cast` applies to the result.
   */
  | {
      readonly kind: 'aggregate';
      readonly key: string;
      readonly fn: 'count' | 'sum' | 'avg' | 'max' | 'min';
      readonly column?: { readonly column: string; readonly type: TypeRef; readonly path?: readonly JsonPathStep[]; readonly cast?: TypeRef };
      readonly cast?: TypeRef;
    }
  /**
   * the columns of a related row, as keys of this object (REST's spread `...rel(cols)`); of
   * to-many related rows (`many`), each key holds the array of their values
   */
  | { readonly kind: 'spread'; readonly join: JoinPath; readonly plan: ReadPlan; readonly many?: boolean }
  /**
   * A column carried as text, to join on later (a relationship loaded for many parents at
   * once): text keeps every digit and every type round-trips through a cast back.
   */
  | { readonly kind: 'key'; readonly key: string; readonly column: string }
  /** a constant text (GraphQL's `__typename`) */
  | { readonly kind: 'literal'; readonly key: string; readonly value: string }
  /** a computed field: `fn(row, args…)` for a function whose first argument is the row type */
  | { readonly kind: 'computed'; readonly key: string; readonly fn: DbRef; readonly type: TypeRef; readonly args?: readonly FunctionArgumentValue[] }
  /** a related row (object) or rows (array), each shaped by its own ReadPlan, nested in this one */
  | {
      readonly kind: 'relation';
      readonly key: string;
      readonly join: JoinPath;
      readonly cardinality: 'one' | 'many';
      readonly plan: ReadPlan;
    }
  /** aggregates over related rows, nested in this one */
  | { readonly kind: 'relation_aggregate'; readonly key: string; readonly join: JoinPath; readonly plan: AggregatePlan }
  /** an object of further keys of this same row (GraphQL's `keys { … }` of a group) */
  | { readonly kind: 'object'; readonly key: string; readonly selection: readonly Selection[] }
  /**
   * Hasura's aggregate object (`{ count, sum { length } … }`) over the rows of each group: a
   * ReadPlan with one is grouped, as with an `aggregate` selection (GraphQL's `<t>_groups`).
   */
  | { readonly kind: 'aggregates'; readonly key: string; readonly aggregates: readonly AggregateSelection[] };

/** Where the rows come from. */
export type Source =
  | { readonly kind: 'entity'; readonly entity: DbRef }
  /** a set-returning function; arguments by name (or position, name null), typed for overloads */
  | { readonly kind: 'function'; readonly fn: DbRef; readonly args: readonly FunctionArgumentValue[] };

export interface FunctionArgumentValue {
  readonly name: string | null;
  readonly type: TypeRef;
  readonly value: unknown;
  /** a VARIADIC argument, passed as its array (`variadic "v" => $1::int4[]`) */
  readonly variadic?: boolean;
}

/**
 * A batch: the rows for many parents at once, grouped by the parent's key. This is how a
 * relationship is loaded for a whole level of a response in one statement (GraphQL's
 * DataLoader), with `limit`/`offset` applied per parent, not to the whole batch.
 */
export interface Batch {
  readonly join: JoinPath;
  /** `one`: each parent gets an object or null (object relationship); `many`: a list */
  readonly cardinality: 'one' | 'many';
  /** one entry per parent: the values of the join's source columns, in `join.mapping` order */
  readonly keys: readonly (readonly unknown[])[];
  /** the source-side column types, in `join.mapping` order, to cast the keys */
  readonly keyTypes: readonly TypeRef[];
  /** keys still to be filled from rows a nested insert's statements wrote (then `keys` is empty) */
  readonly keysFrom?: readonly (readonly RowRef[])[];
}

/** Rows of one entity (or function), filtered, ordered, paginated, shaped. */
export interface ReadPlan {
  readonly kind: 'read';
  readonly source: Source;
  readonly selection: readonly Selection[];
  readonly where?: Condition;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: number;
  readonly offset?: number;
  /** DISTINCT ON these columns (they lead the ORDER BY, as PostgreSQL requires) */
  readonly distinctOn?: readonly string[];
  readonly batch?: Batch;
  /**
   * GROUP BY these columns, whatever the selection shows (GraphQL's `<t>_groups(group_by:)`):
   * each row of the answer is a group; `where` filters rows before grouping, `limit`/`offset`
   * and `orderBy` apply to the groups. Without it, a read with aggregates is grouped by its
   * other selected values (REST's `select=rating,count()`).
   */
  readonly groupBy?: readonly string[];
  /** which groups are kept (HAVING): a condition whose leaves are `group_aggregate`s (and columns of `groupBy`) */
  readonly having?: Condition;
}

/** One aggregate output: `count`, a function over columns (`sum: { amount }`), or a constant (`__typename`). */
export type AggregateSelection =
  | { readonly kind: 'count'; readonly key: string; readonly columns?: readonly string[]; readonly distinct: boolean }
  | {
      readonly kind: 'function';
      readonly key: string;
      readonly fn: Exclude<AggregateFunction, 'count'>;
      readonly columns: readonly AggregateColumn[];
    }
  | { readonly kind: 'literal'; readonly key: string; readonly value: string };

/** One key of a function's object (`sum { amount }`): a column's aggregate, or a constant (`__typename`). */
export type AggregateColumn =
  | { readonly kind: 'column'; readonly key: string; readonly column: string; readonly type: TypeRef }
  | { readonly kind: 'literal'; readonly key: string; readonly value: string };

/**
 * One key of an aggregate's answer object, in the order asked: the aggregates (GraphQL: an
 * alias of `aggregate`), the rows (an alias of `nodes`: the rows shaped by `rows.selection`),
 * or a constant (`__typename`). Several of each may be asked under different keys.
 */
export type AggregateOutput =
  | { readonly kind: 'aggregate'; readonly key: string; readonly aggregates: readonly AggregateSelection[] }
  | { readonly kind: 'nodes'; readonly key: string }
  | { readonly kind: 'literal'; readonly key: string; readonly value: string };

/** Aggregates over the rows a ReadPlan would return, and optionally the rows themselves. */
export interface AggregatePlan {
  readonly kind: 'aggregate';
  /** the rows: its selection shapes each `nodes` output, its where/order/limit bound what is aggregated */
  readonly rows: ReadPlan;
  /** the keys of the answer, in order (empty: `{}`) */
  readonly outputs: readonly AggregateOutput[];
}

/** A value for one column of a write. */
export interface ColumnValue {
  readonly column: string;
  readonly type: TypeRef;
  readonly value: unknown;
  /**
   * A nested insert's statements (plan/split-nested-insert.ts): the value is a column of the
   * row an earlier statement wrote (a new key), filled in when that statement has run.
   */
  readonly from?: RowRef;
}

/** The column `column` of the one row that statement `step` of a nested insert wrote. */
export interface RowRef {
  readonly step: number;
  readonly column: string;
  /** what the row is to the one that needs its key, for the error when it was not written */
  readonly relation: 'parent' | 'row';
}

/**
 * What a write gives back: `affectedRowsKey` (the number of rows written) and/or
 * `returningKey` (the written rows, shaped by `selection`, which may nest relationships).
 * With `single`, the answer is the one written row object (or null) instead; with `rowsOnly`
 * the array of written rows.
 */
export interface Returning {
  readonly selection: readonly Selection[];
  readonly affectedRowsKey?: string;
  readonly returningKey?: string;
  readonly single?: boolean;
  /** the answer is the JSON array of the written rows, nothing around it (REST) */
  readonly rowsOnly?: boolean;
  /**
   * with `rowsOnly`, on an insert: `{"inserted": n, "rows": [...]}`, where n counts the rows
   * inserted rather than merged by ON CONFLICT DO UPDATE (REST answers 200 when none was)
   */
  readonly countInserted?: boolean;
  /** only the written rows that satisfy it are returned (a role's select filter); the count is of all */
  readonly where?: Condition;
  /** constant keys of the response object (GraphQL's `__typename` of `<t>_mutation_response`) */
  readonly literals?: readonly { readonly key: string; readonly value: string }[];
}

/**
 * One row to insert. `values` are its own columns (absent columns get their DEFAULT).
 * `parents` are object relationships inserted first, whose keys then fill this row's
 * foreign-key columns; `children` are array relationships inserted after, with this row's
 * key filled into their foreign-key columns.
 */
export interface InsertRow {
  readonly values: readonly ColumnValue[];
  /** each with its own ON CONFLICT (an upserted parent still gives its key to this row) */
  readonly parents?: readonly { readonly join: JoinPath; readonly entity: DbRef; readonly row: InsertRow; readonly onConflict?: OnConflict }[];
  readonly children?: readonly { readonly join: JoinPath; readonly entity: DbRef; readonly rows: readonly InsertRow[]; readonly onConflict?: OnConflict }[];
}

/** ON CONFLICT: do nothing, or update some columns (optionally only where a condition holds). */
export type OnConflict =
  | { readonly action: 'ignore'; readonly constraint?: string; readonly columns?: readonly string[] }
  | {
      readonly action: 'update';
      /** the constraint name, or the conflict target columns */
      readonly constraint?: string;
      readonly columns?: readonly string[];
      readonly updateColumns: readonly string[];
      readonly where?: Condition;
    };

export interface InsertPlan {
  readonly kind: 'insert';
  readonly entity: DbRef;
  readonly rows: readonly InsertRow[];
  readonly onConflict?: OnConflict;
  /** every written row must satisfy it, or the statement fails and writes nothing (a role's check) */
  readonly check?: Condition;
  readonly returning: Returning;
}

/** One assignment of an UPDATE. */
export type Assignment =
  | { readonly op: 'set'; readonly column: string; readonly type: TypeRef; readonly value: unknown }
  /** column = column + value */
  | { readonly op: 'inc'; readonly column: string; readonly type: TypeRef; readonly value: unknown }
  /** jsonb: column || value */
  | { readonly op: 'append'; readonly column: string; readonly type: TypeRef; readonly value: unknown }
  /** jsonb: value || column */
  | { readonly op: 'prepend'; readonly column: string; readonly type: TypeRef; readonly value: unknown }
  /** jsonb: column - key */
  | { readonly op: 'delete_key'; readonly column: string; readonly type: TypeRef; readonly value: string }
  /** jsonb: column - index */
  | { readonly op: 'delete_elem'; readonly column: string; readonly type: TypeRef; readonly value: number }
  /** jsonb: column #- path */
  | { readonly op: 'delete_at_path'; readonly column: string; readonly type: TypeRef; readonly value: readonly string[] };

export interface UpdatePlan {
  readonly kind: 'update';
  readonly entity: DbRef;
  readonly assignments: readonly Assignment[];
  /** absent: every row (protocols refuse that unless configured to allow it) */
  readonly where?: Condition;
  /** bounded updates (REST `order` + `limit`): only the first rows in this order */
  readonly orderBy?: readonly OrderItem[];
  readonly limit?: number;
  /** every updated row must satisfy it afterwards, or the statement fails and writes nothing */
  readonly check?: Condition;
  readonly returning: Returning;
}

export interface DeletePlan {
  readonly kind: 'delete';
  readonly entity: DbRef;
  readonly where?: Condition;
  readonly orderBy?: readonly OrderItem[];
  readonly limit?: number;
  readonly returning: Returning;
}

/** A call of a function that is not read as rows: scalar, void, or a volatile one. */
export interface CallPlan {
  readonly kind: 'call';
  readonly fn: DbRef;
  readonly args: readonly FunctionArgumentValue[];
  /** `value`: the function's result as JSON; `rows`: shape the returned rows like a ReadPlan does */
  readonly returns: { readonly kind: 'value'; readonly type: TypeRef; readonly set: boolean } | { readonly kind: 'rows'; readonly plan: ReadPlan; readonly single: boolean } | { readonly kind: 'void' };
}

/** The Plans a request can make. */
export type Plan = ReadPlan | AggregatePlan | InsertPlan | UpdatePlan | DeletePlan | CallPlan;
