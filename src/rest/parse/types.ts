/**
 * A REST request as PostgREST's dialect spells it, parsed but not yet resolved: syntax only,
 * no database knowledge (PostgREST's `ApiRequest`). `rest/plan/` resolves these names against
 * the type graph and produces a Plan. Everything here is plain readonly data.
 */

/** One step of a JSON path: `->'key'`, `->>'key'`, `->0`. */
export interface JsonStep {
  readonly arrow: '->' | '->>';
  /** a number when the step was written as an integer (an array index), else the key */
  readonly key: string | number;
}

/** A column, optionally followed by a JSON path: `data->a->>b`. */
export interface FieldPath {
  readonly name: string;
  readonly jsonPath: readonly JsonStep[];
}

/** The filter operators of PostgREST's dialect. */
export type FilterOperator =
  | 'eq'
  | 'neq'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'like'
  | 'ilike'
  | 'match'
  | 'imatch'
  | 'in'
  | 'is'
  | 'isdistinct'
  | 'fts'
  | 'plfts'
  | 'phfts'
  | 'wfts'
  | 'cs'
  | 'cd'
  | 'ov'
  | 'sl'
  | 'sr'
  | 'nxr'
  | 'nxl'
  | 'adj';

/** The operand of a filter, shaped by its operator. */
export type FilterValue =
  /** everything after `op.`, verbatim (for like/ilike, `*` is still `*`: the planner turns it into `%`) */
  | { readonly kind: 'scalar'; readonly value: string }
  /** `in.(a,"b,c")` and the `(any)`/`(all)` forms `{a,b}`: the items, unquoted and unescaped */
  | { readonly kind: 'list'; readonly values: readonly string[] }
  /** `is.null`, `is.not_null`, `is.true`, `is.false`, `is.unknown` (any case) */
  | { readonly kind: 'is'; readonly value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' }
  /** `fts(english).cat & dog`: the query text and its optional language */
  | { readonly kind: 'fts'; readonly language?: string; readonly query: string };

/** One comparison: `col=not.eq.5`, `data->>a=like(any).{a*,b*}`. */
export interface Filter {
  readonly kind: 'filter';
  readonly field: FieldPath;
  readonly negated: boolean;
  readonly operator: FilterOperator;
  /** `like(any).{…}` / `eq(all).{…}`: the value is then a list */
  readonly quantifier?: 'any' | 'all';
  readonly value: FilterValue;
}

/** `and=(…)`, `or=(…)`, `not.or=(…)`, nested to any depth. */
export interface Logic {
  readonly kind: 'and' | 'or';
  readonly negated: boolean;
  readonly conditions: readonly Condition[];
}

export type Condition = Filter | Logic;

/** Aggregate functions allowed in `select`: `count()`, `amount.sum()`, `amount.avg()`… */
export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

/** One item of `select=`. */
export type SelectItem =
  /** `*` */
  | { readonly kind: 'star' }
  /**
   * `col`, `alias:col`, `col::text`, `data->a->>b`, `amount.sum()`, `total:amount.sum()::int`.
   * `cast` is the type name as written (validated by the planner, never pasted into SQL).
   * `aggregateCast` is a cast after the aggregate (`amount.sum()::int`), `cast` the one before.
   */
  | {
      readonly kind: 'field';
      readonly field: FieldPath;
      readonly alias?: string;
      readonly cast?: string;
      readonly aggregate?: AggregateFunction;
      readonly aggregateCast?: string;
    }
  /** `count()` with no column, optionally `alias:count()` and `count()::text` */
  | { readonly kind: 'count'; readonly alias?: string; readonly cast?: string }
  /**
   * `rel(…)`, `alias:rel(…)`, `rel!hint(…)`, `rel!inner(…)`, `rel!hint!left(…)`, `...rel(…)`.
   * `hint` disambiguates: a foreign key name or a column (`!fk_name`, `!col`).
   */
  | {
      readonly kind: 'embed';
      readonly relation: string;
      readonly alias?: string;
      readonly hint?: string;
      readonly join?: 'inner' | 'left';
      readonly spread: boolean;
      readonly select: readonly SelectItem[];
    };

/** One term of `order=`: `col.desc.nullslast`, `data->>a.asc`, `rel(col).desc`. */
export interface OrderTerm {
  /** set for `rel(col)`: order by a column of a to-one embedded resource */
  readonly relation?: string;
  readonly field: FieldPath;
  readonly direction?: 'asc' | 'desc';
  readonly nulls?: 'first' | 'last';
}

/**
 * Something addressed at a level of the embedding tree: `[]` is the top resource,
 * `['actors']` the resource embedded as `actors` (its alias or relation name),
 * `['actors', 'films']` one level deeper. Query parameter `actors.films.limit=2` gives `['actors', 'films']`.
 */
export type EmbedPath = readonly string[];

/** The query string of a request to a table, view or function, parsed. */
export interface RestQuery {
  /** `select=`; undefined when absent (which means `*`) */
  readonly select?: readonly SelectItem[];
  /** every filter and logic tree, each at its level (top-level ones are AND-ed) */
  readonly conditions: readonly { readonly path: EmbedPath; readonly condition: Condition }[];
  readonly order: readonly { readonly path: EmbedPath; readonly terms: readonly OrderTerm[] }[];
  readonly limits: readonly { readonly path: EmbedPath; readonly value: number }[];
  readonly offsets: readonly { readonly path: EmbedPath; readonly value: number }[];
  /** `columns=a,b`: the keys of the body to use */
  readonly columns?: readonly string[];
  /** `on_conflict=a,b` */
  readonly onConflict?: readonly string[];
  /** parameters classified as function arguments (RPC with GET): name → raw value(s), in order */
  readonly arguments: readonly { readonly name: string; readonly value: string }[];
}

/** The `Prefer` header, parsed (PostgREST's `Preferences.hs`). Unknown preferences are ignored. */
export interface Preferences {
  readonly return?: 'minimal' | 'headers-only' | 'representation';
  readonly count?: 'exact' | 'planned' | 'estimated';
  readonly resolution?: 'merge-duplicates' | 'ignore-duplicates';
  readonly missing?: 'default' | 'null';
  readonly tx?: 'commit' | 'rollback';
  readonly params?: 'single-object';
  readonly handling?: 'strict' | 'lenient';
  readonly maxAffected?: number;
  /** the preferences that were understood, in the order given: echoed in `Preference-Applied` */
  readonly applied: readonly string[];
  /** the preferences that were not understood (`handling=strict` turns these into an error) */
  readonly invalid: readonly string[];
}

/** A `Range: 0-24` (or `items=0-24`) request header: rows `offset` .. `offset + limit - 1`. */
export interface RangeRequest {
  readonly offset: number;
  /** absent for an open range (`10-`) */
  readonly limit?: number;
}

/** What the client accepts, resolved to what pgduet can produce. */
export type ResponseFormat = 'json' | 'object' | 'csv' | 'geojson' | 'openapi';
