/**
 * Every name pgduet shows to clients is made here, by a table of small functions that a
 * caller (and later a plugin) can override one by one — the way PostGraphile's inflection
 * works. The rules are documented in the README under "Naming".
 *
 * Relationship names are made from database names first (`language_id` → `language`) and
 * only then put in the configured case, so the rules read the same in both conventions.
 */
export interface Inflection {
  /** applies the naming convention to a database name */
  readonly convention: (dbName: string) => string;
  /** `language_id` → `language`; a composite or un-suffixed key → the referenced table */
  readonly objectRelation: (fkColumns: readonly string[], targetTable: string) => string;
  /** the one-to-one reverse side: the referencing table's name */
  readonly oneToOneReverse: (sourceTable: string) => string;
  /** one-to-many: the plural of the referencing table (`film_actor` → `film_actors`) */
  readonly arrayRelation: (sourceTable: string) => string;
  /** many-to-many: the plural of the far table (`film` → `actors` through `film_actor`) */
  readonly manyToManyRelation: (targetTable: string) => string;
  /** the suffix that separates a later colliding name: `_by_<fk columns>` */
  readonly disambiguate: (name: string, discriminator: readonly string[]) => string;
  readonly pluralize: (word: string) => string;
}

export type NamingCase = 'database' | 'camel';

export function pluralize(word: string): string {
  // Only the last word of a snake_case name is pluralized: film_actor → film_actors.
  const match = /^(.*?)([A-Za-z]+)$/.exec(word);
  if (match === null) return `${word}s`;
  const [, head = '', last = ''] = match;
  return head + pluralizeWord(last);
}

const IRREGULAR: Readonly<Record<string, string>> = {
  person: 'people',
  child: 'children',
  man: 'men',
  woman: 'women',
  mouse: 'mice',
  goose: 'geese',
  foot: 'feet',
  tooth: 'teeth',
};

const UNCOUNTABLE = new Set(['staff', 'data', 'info', 'information', 'equipment', 'series', 'species', 'news', 'metadata', 'sheep', 'fish']);

function pluralizeWord(word: string): string {
  const lower = word.toLowerCase();
  if (UNCOUNTABLE.has(lower)) return word;
  const irregular = IRREGULAR[lower];
  if (irregular !== undefined) return word === lower ? irregular : word.slice(0, 1) + irregular.slice(1);
  // already plural (users, posts, categories): a plural of a plural helps nobody
  // (a consonant or "e" before the final s; not alias, status, class, analysis)
  if (/([^aeiosu]|e)s$/i.test(word)) return word;
  if (/is$/i.test(word)) return `${word.slice(0, -2)}es`;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

/**
 * `first_name` → `firstName`; `film_actors_by_film_id` → `filmActorsByFilmId`. Leading
 * underscores stay (`_group_concat` → `_groupConcat`): they often mark something private.
 */
export function camelCase(name: string): string {
  return name.replace(/(?<=[A-Za-z0-9])_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function defaultInflection(naming: NamingCase): Inflection {
  return {
    convention: naming === 'camel' ? camelCase : (s) => s,
    objectRelation: (fkColumns, targetTable) => {
      const only = fkColumns.length === 1 ? fkColumns[0] : undefined;
      if (only !== undefined && /.+_id$/i.test(only)) return only.slice(0, -3);
      return targetTable;
    },
    oneToOneReverse: (sourceTable) => sourceTable,
    arrayRelation: (sourceTable) => pluralize(sourceTable),
    manyToManyRelation: (targetTable) => pluralize(targetTable),
    disambiguate: (name, discriminator) => `${name}_by_${discriminator.join('_and_')}`,
    pluralize,
  };
}
