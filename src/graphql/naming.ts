import { camelCase, type Column, type Entity, type FunctionDef, type Relation, type TypeGraph } from '../model/index.js';

/**
 * Hasura's naming conventions (its `naming_convention` source customization and
 * `HASURA_GRAPHQL_DEFAULT_NAMING_CONVENTION`):
 *
 * - `hasura-default`: every name snake_case, as the database has it (`film_by_pk`,
 *   `film_bool_exp`, `order_by`, `affected_rows`, `asc`);
 * - `graphql-default`: type names PascalCase (`FilmBoolExp`, `IntComparisonExp`, `OrderBy`),
 *   field and argument names camelCase (`filmByPk`, `insertFilmOne`, `releaseYear`, `orderBy`,
 *   `affectedRows`, `_isNull`), the values of the `order_by` enum upper case (`ASC_NULLS_LAST`).
 *
 * Names are made from snake_case parts, as Hasura's `GQLNameIdentifier`s are: `film` +
 * `bool_exp` → `film_bool_exp` or `FilmBoolExp`. A part split on `_` keeps a leading
 * underscore (`_is_null` → `_isNull`, as Hasura's `fromSnake`). A custom table name
 * (`tables.<t>.name`) is one word that is never split: it stays as written where it stands
 * first (`authorDetails`, `authorDetailsByPk`, the type `authorDetails`, `authorDetailsBoolExp`)
 * and only gets its first letter upper-cased after a prefix (`insertAuthorDetailsOne`), as in
 * Hasura since v2.11 (graphql-engine issue 8828).
 *
 * The object made here is the one place GraphQL names are spelled: the schema is built with
 * it and arguments are read back with it (to-plan.ts, write-plan.ts, stream-plan.ts), so both
 * directions agree.
 */
export type NamingConvention = 'hasura-default' | 'graphql-default';

/** A table's (or function's) name as GraphQL names start from it: `film`, `other_film`, a custom name. */
export interface NameBase {
  /** the hasura-default spelling: the name, after its schema unless the schema is the first */
  readonly name: string;
  /** set in the configuration (or a smart comment): kept as written */
  readonly custom: boolean;
}

export interface GraphqlNaming {
  readonly convention: NamingConvention;
  /**
   * what begins every type name the schema makes (not GraphQL's or PostgreSQL's scalars, which
   * every schema shares): another source's types under its namespace (`archive_film`), as
   * Hasura's `type_names.prefix`; empty otherwise
   */
  readonly typePrefix: string;
  /** the root types' names: `query_root`…, or a namespace's `archive_archive_query`… */
  readonly roots: RootTypeNames;
  /** a root field's name as the schema shows it: as made, or with a source's prefix and suffix (Hasura's `root_fields.prefix`) */
  rootField(name: string): string;
  /** a type name: `type('film', 'bool_exp')` → `film_bool_exp` | `FilmBoolExp` (after `typePrefix`) */
  type(...parts: readonly (string | NameBase)[]): string;
  /** a field or argument name pgduet makes: `field('affected_rows')` → `affected_rows` | `affectedRows` */
  field(...parts: readonly (string | NameBase)[]): string;
  /** a value of a built-in enum (order_by): `asc_nulls_first` → `asc_nulls_first` | `ASC_NULLS_FIRST` */
  enumValue(value: string): string;
}

/** What begins and ends every root field name of a source (Hasura's `root_fields.prefix` and `.suffix`). */
export interface RootFieldAffixes {
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface RootTypeNames {
  readonly query: string;
  readonly mutation: string;
  readonly subscription: string;
}

const ROOTS: RootTypeNames = { query: 'query_root', mutation: 'mutation_root', subscription: 'subscription_root' };

/** root field names as made */
export const SAME_ROOT_FIELD = (name: string): string => name;

type Word = { readonly text: string; readonly custom: boolean };

/** `_hello_world` → `_hello`, `world` (Hasura's fromSnake: a leading underscore stays on its word) */
function fromSnake(text: string): string[] {
  const words = text.split('_');
  if (words.length > 1 && words[0] === '' && words[1] !== '') return [`_${words[1]}`, ...words.slice(2)].filter((w) => w !== '');
  return words.filter((w) => w !== '');
}

function wordsOf(parts: readonly (string | NameBase)[]): Word[] {
  return parts.flatMap((part): Word[] => {
    if (typeof part !== 'string' && part.custom) return [{ text: part.name, custom: true }];
    return fromSnake(typeof part === 'string' ? part : part.name).map((text) => ({ text, custom: false }));
  });
}

const upperFirst = (s: string): string => s.slice(0, 1).toUpperCase() + s.slice(1);
const lowerFirst = (s: string): string => s.slice(0, 1).toLowerCase() + s.slice(1);
const joinSnake = (parts: readonly (string | NameBase)[]): string => parts.map((p) => (typeof p === 'string' ? p : p.name)).join('_');

const HASURA_DEFAULT: GraphqlNaming = {
  convention: 'hasura-default',
  typePrefix: '',
  roots: ROOTS,
  rootField: SAME_ROOT_FIELD,
  type: (...parts) => joinSnake(parts),
  field: (...parts) => joinSnake(parts),
  enumValue: (value) => value,
};

/** What GraphQL can spell: else the name stays as hasura-default has it (Hasura's transformNameWith does the same). */
const orSnake = (name: string, parts: readonly (string | NameBase)[]): string => (/^[_A-Za-z][_0-9A-Za-z]*$/.test(name) ? name : joinSnake(parts));

/** Fields and arguments are spelled on every request (arguments read back, operators): each once. */
const spelledFields = new Map<string, string>();
const MAX_SPELLED = 100_000;

const GRAPHQL_DEFAULT: GraphqlNaming = {
  convention: 'graphql-default',
  typePrefix: '',
  roots: ROOTS,
  rootField: SAME_ROOT_FIELD,
  type: (...parts) => orSnake(wordsOf(parts).map((w, i) => (i === 0 && w.custom ? w.text : upperFirst(w.text))).join(''), parts),
  field: (...parts) => {
    const key = parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
    const known = key === undefined ? undefined : spelledFields.get(key);
    if (known !== undefined) return known;
    const name = orSnake(wordsOf(parts).map((w, i) => (i === 0 ? (w.custom ? w.text : lowerFirst(w.text)) : upperFirst(w.text))).join(''), parts);
    if (key !== undefined && spelledFields.size < MAX_SPELLED) spelledFields.set(key, name);
    return name;
  },
  enumValue: (value) => value.toUpperCase(),
};

export function graphqlNaming(convention: NamingConvention = 'hasura-default'): GraphqlNaming {
  return convention === 'graphql-default' ? GRAPHQL_DEFAULT : HASURA_DEFAULT;
}

/**
 * The naming of another source's schema under a namespace root field (Hasura's source
 * customization `root_fields.namespace` and `type_names.prefix`): every type it makes begins
 * with `typePrefix`, so that it can stand in one schema beside the first source's; its root
 * types are `<typePrefix><namespace>_query`, `…_mutation_frontend` and `…_subscription`, as
 * Hasura names a namespace's types. Field names do not change.
 */
export function namespacedNaming(naming: GraphqlNaming, namespace: string | null, typePrefix: string, rootFields: RootFieldAffixes = {}): GraphqlNaming {
  // without a namespace its root fields stand in the first source's roots: its own root types are never shown
  const stem = namespace === null ? typePrefix : `${typePrefix}${namespace}_`;
  const { prefix = '', suffix = '' } = rootFields;
  // graphql-default: the words after a prefix begin upper case (`old_` + `filmByPk` → `old_FilmByPk`)
  const word = naming.convention === 'graphql-default' ? (s: string): string => upperFirst(s) : (s: string): string => s;
  return {
    ...naming,
    typePrefix,
    rootField: prefix === '' && suffix === '' ? SAME_ROOT_FIELD : (name) => `${prefix}${prefix === '' ? name : word(name)}${suffix === '' ? '' : word(suffix)}`,
    roots: { query: `${stem}query`, mutation: `${stem}mutation_frontend`, subscription: `${stem}subscription` },
    type: (...parts) => `${typePrefix}${naming.type(...parts)}`,
  };
}

/**
 * Whether a name of the type graph was given by the user (`tables.<t>.name`, a column's
 * `name`, a smart comment) rather than derived from the database name in either `naming.case`.
 */
export function isCustomName(name: string, dbName: string): boolean {
  return name !== dbName && name !== camelCase(dbName);
}

/** Hasura's snakeToCamel: `release_year` → `releaseYear`, `ID` → `iD`, `_private_x` → `_privateX`. */
export function snakeToCamel(name: string): string {
  return GRAPHQL_DEFAULT.field(name);
}

/**
 * The type graph as graphql-default shows it: the names of columns, relationships and
 * functions camelCased unless they are custom. Only names change; database names, and so
 * every Plan made from it, stay the same. A name that would collide with another of the same
 * table keeps its own spelling. (Function arguments keep theirs here: calls pass them by name;
 * their GraphQL spelling is SchemaBuilder.argumentName's.)
 */
export function graphqlDefaultGraph(graph: TypeGraph): TypeGraph {
  const renameFunction = (fn: FunctionDef): FunctionDef => (isCustomName(fn.name, fn.dbName) ? fn : { ...fn, name: snakeToCamel(fn.name) });
  return {
    ...graph,
    entities: graph.entities.map((entity) => renameEntity(entity)),
    functions: graph.functions.map(renameFunction),
  };
}

function renameEntity(entity: Entity): Entity {
  const columnNames = entity.columns.map((c) => (isCustomName(c.name, c.dbName) ? c.name : snakeToCamel(c.name)));
  const relationNames = entity.relations.map((r) => snakeToCamel(r.name));
  // names that do not change are kept first; a new name that meets one keeps its old spelling
  const taken = new Set([...entity.columns.filter((c, i) => c.name === columnNames[i]).map((c) => c.name), ...entity.relations.filter((r, i) => r.name === relationNames[i]).map((r) => r.name)]);
  const claim = (original: string, renamed: string): string => {
    if (original === renamed) return original;
    const name = taken.has(renamed) ? original : renamed;
    taken.add(name);
    return name;
  };
  const columns = entity.columns.map((c, i): Column => ({ ...c, name: claim(c.name, columnNames[i] as string) }));
  const relations = entity.relations.map((r, i): Relation => ({ ...r, name: claim(r.name, relationNames[i] as string) }));
  return { ...entity, columns, relations };
}
