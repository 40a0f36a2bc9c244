import { describe, expect, it } from 'vitest';
import { buildTypeGraph, type Entity, type ModelOptions, type TypeGraph } from '../../src/model/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

const options = (partial: Partial<ModelOptions> = {}): ModelOptions => ({
  naming: 'database',
  tables: {},
  functions: {},
  relationships: [],
  ...partial,
});

function entity(graph: TypeGraph, name: string): Entity {
  const found = graph.entities.find((e) => e.dbName === name);
  if (found === undefined) throw new Error(`no entity ${name}`);
  return found;
}

function relationNames(graph: TypeGraph, table: string): string[] {
  return entity(graph, table).relations.map((r) => r.name);
}

/** A small film database: the relation kinds of Pagila, by hand. */
function films(): CatalogBuilder {
  return new CatalogBuilder()
    .table('language', { language_id: 'int4', name: 'text' }, { pk: ['language_id'] })
    .table('actor', { actor_id: 'int4', first_name: 'text' }, { pk: ['actor_id'] })
    .table(
      'film',
      { film_id: 'int4', title: 'text', language_id: 'int4', original_language_id: 'int4' },
      {
        pk: ['film_id'],
        fks: [
          { columns: ['language_id'], target: 'language', targetColumns: ['language_id'] },
          { columns: ['original_language_id'], target: 'language', targetColumns: ['language_id'] },
        ],
      },
    )
    .table(
      'film_actor',
      { actor_id: 'int4', film_id: 'int4' },
      {
        pk: ['actor_id', 'film_id'],
        fks: [
          { columns: ['actor_id'], target: 'actor', targetColumns: ['actor_id'] },
          { columns: ['film_id'], target: 'film', targetColumns: ['film_id'] },
        ],
      },
    );
}

describe('relations derived from foreign keys', () => {
  const { graph, warnings } = buildTypeGraph(films().build(), 'fp');

  it('names a many-to-one after the FK column without _id', () => {
    const language = entity(graph, 'film').relations.find((r) => r.name === 'language');
    expect(language).toMatchObject({
      type: 'object',
      cardinality: 'many_to_one',
      target: { schema: 'public', dbName: 'language' },
      mapping: [{ from: 'language_id', to: 'language_id' }],
      constraint: 'film_language_id_fkey',
      origin: 'foreign_key',
    });
    expect(relationNames(graph, 'film')).toContain('original_language');
  });

  it('names a one-to-many after the plural of the referencing table', () => {
    const rel = entity(graph, 'actor').relations.find((r) => r.name === 'film_actors');
    expect(rel).toMatchObject({ type: 'array', cardinality: 'one_to_many', mapping: [{ from: 'actor_id', to: 'actor_id' }] });
  });

  it('gives the later of two colliding names the _by_<fk columns> suffix', () => {
    expect(relationNames(graph, 'language')).toEqual(['films', 'films_by_original_language_id']);
    const later = entity(graph, 'language').relations.find((r) => r.name === 'films_by_original_language_id');
    expect(later?.mapping).toEqual([{ from: 'language_id', to: 'original_language_id' }]);
  });

  it('derives many-to-many through a junction whose primary key is two foreign keys', () => {
    const actors = entity(graph, 'film').relations.find((r) => r.name === 'actors');
    expect(actors).toMatchObject({
      type: 'array',
      cardinality: 'many_to_many',
      target: { dbName: 'actor' },
      mapping: [{ from: 'film_id', to: 'film_id' }],
      through: {
        junction: { dbName: 'film_actor' },
        targetMapping: [{ from: 'actor_id', to: 'actor_id' }],
        sourceConstraint: 'film_actor_film_id_fkey',
        targetConstraint: 'film_actor_actor_id_fkey',
      },
    });
    expect(relationNames(graph, 'actor')).toEqual(['film_actors', 'films']);
  });

  it('has no warnings and is plain JSON', () => {
    expect(warnings).toEqual([]);
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });

  it('is deterministic', () => {
    expect(buildTypeGraph(films().build(), 'fp').graph).toEqual(graph);
  });
});

describe('more relation kinds', () => {
  it('derives one-to-one both ways when the FK columns are unique', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('author', { id: 'int4' }, { pk: ['id'] })
        .table('author_profile', { id: 'int4', author_id: 'int4' }, {
          pk: ['id'],
          unique: [['author_id']],
          fks: [{ columns: ['author_id'], target: 'author', targetColumns: ['id'] }],
        })
        .build(),
      'fp',
    );
    expect(entity(graph, 'author_profile').relations).toMatchObject([{ name: 'author', type: 'object', cardinality: 'one_to_one' }]);
    expect(entity(graph, 'author').relations).toMatchObject([{ name: 'author_profile', type: 'object', cardinality: 'one_to_one' }]);
  });

  it('maps a composite foreign key column by column and names it after the target table', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('edition', { book_id: 'int4', edition_no: 'int4' }, { pk: ['book_id', 'edition_no'] })
        .table('printing', { id: 'int4', book_id: 'int4', edition_no: 'int4' }, {
          pk: ['id'],
          fks: [{ columns: ['book_id', 'edition_no'], target: 'edition', targetColumns: ['book_id', 'edition_no'] }],
        })
        .build(),
      'fp',
    );
    expect(entity(graph, 'printing').relations).toMatchObject([
      { name: 'edition', mapping: [{ from: 'book_id', to: 'book_id' }, { from: 'edition_no', to: 'edition_no' }] },
    ]);
    expect(entity(graph, 'edition').relations).toMatchObject([{ name: 'printings', cardinality: 'one_to_many' }]);
  });

  it('takes the referenced table name when the FK column has no _id suffix', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('person', { id: 'int4' }, { pk: ['id'] })
        .table('post', { id: 'int4', author: 'int4' }, { pk: ['id'], fks: [{ columns: ['author'], target: 'person', targetColumns: ['id'] }] })
        .build(),
      'fp',
    );
    expect(relationNames(graph, 'post')).toEqual(['person']);
    expect(relationNames(graph, 'person')).toEqual(['posts']);
  });

  it('never lets a relationship shadow a column', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('language', { id: 'int4' }, { pk: ['id'] })
        .table('film', { id: 'int4', language: 'int4' }, { pk: ['id'], fks: [{ columns: ['language'], target: 'language', targetColumns: ['id'] }] })
        .build(),
      'fp',
    );
    expect(relationNames(graph, 'film')).toEqual(['language_by_language']);
    expect(entity(graph, 'film').columns.map((c) => c.name)).toEqual(['id', 'language']);
  });

  it('handles a self-referencing foreign key', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('category', { id: 'int4', parent_id: 'int4' }, { pk: ['id'], fks: [{ columns: ['parent_id'], target: 'category', targetColumns: ['id'] }] })
        .build(),
      'fp',
    );
    expect(entity(graph, 'category').relations).toMatchObject([
      { name: 'categories', type: 'array', mapping: [{ from: 'id', to: 'parent_id' }] },
      { name: 'parent', type: 'object', mapping: [{ from: 'parent_id', to: 'id' }] },
    ]);
  });

  it('detects a junction by a unique key of two foreign keys, not only the primary key', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('student', { id: 'int4' }, { pk: ['id'] })
        .table('course', { id: 'int4' }, { pk: ['id'] })
        .table('enrollment', { id: 'int4', student_id: 'int4', course_id: 'int4' }, {
          pk: ['id'],
          unique: [['student_id', 'course_id']],
          fks: [
            { columns: ['student_id'], target: 'student', targetColumns: ['id'] },
            { columns: ['course_id'], target: 'course', targetColumns: ['id'] },
          ],
        })
        .build(),
      'fp',
    );
    expect(relationNames(graph, 'student')).toEqual(['courses', 'enrollments']);
    expect(relationNames(graph, 'course')).toEqual(['enrollments', 'students']);
  });

  it('is not fooled by a table with two foreign keys that are not a key', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('a', { id: 'int4' }, { pk: ['id'] })
        .table('b', { id: 'int4' }, { pk: ['id'] })
        .table('link', { id: 'int4', a_id: 'int4', b_id: 'int4' }, {
          pk: ['id'],
          fks: [
            { columns: ['a_id'], target: 'a', targetColumns: ['id'] },
            { columns: ['b_id'], target: 'b', targetColumns: ['id'] },
          ],
        })
        .build(),
      'fp',
    );
    expect(relationNames(graph, 'a')).toEqual(['links']);
  });

  it('disambiguates a self many-to-many and numbers what still collides', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('person', { id: 'int4' }, { pk: ['id'] })
        .table('friendship', { person_a_id: 'int4', person_b_id: 'int4' }, {
          pk: ['person_a_id', 'person_b_id'],
          fks: [
            { columns: ['person_a_id'], target: 'person', targetColumns: ['id'] },
            { columns: ['person_b_id'], target: 'person', targetColumns: ['id'] },
          ],
        })
        .build(),
      'fp',
    );
    expect(relationNames(graph, 'person')).toEqual([
      'friendships',
      'friendships_by_person_b_id',
      'people',
      'people_by_friendship',
    ]);
  });
});

describe('naming convention', () => {
  it('camelCases columns, entities and relationship names', () => {
    const { graph } = buildTypeGraph(films().build(), 'fp', options({ naming: 'camel' }));
    expect(entity(graph, 'film_actor').name).toBe('filmActor');
    expect(entity(graph, 'film').columns.map((c) => c.name)).toEqual(['filmId', 'title', 'languageId', 'originalLanguageId']);
    expect(relationNames(graph, 'film')).toEqual(['actors', 'filmActors', 'language', 'originalLanguage']);
    expect(relationNames(graph, 'language')).toEqual(['films', 'filmsByOriginalLanguageId']);
    // SQL keeps database names
    expect(entity(graph, 'film').relations.find((r) => r.name === 'language')?.mapping).toEqual([{ from: 'language_id', to: 'language_id' }]);
  });
});

describe('omit and rename', () => {
  it('follows @omit and @name in comments and keeps the rest as the description', () => {
    const catalog = new CatalogBuilder()
      .table('secret', { id: 'int4' }, { pk: ['id'], comment: '@omit' })
      .table('person', { id: 'int4', notes: 'text', full_name: 'text', secret_id: 'int4' }, {
        pk: ['id'],
        comment: '@name people\nEveryone we know.',
        columnComments: { notes: '@omit\nInternal.', full_name: '@name name\nThe whole name.' },
        fks: [{ columns: ['secret_id'], target: 'secret', targetColumns: ['id'] }],
      })
      .fn({ name: 'hidden', returns: 'int4', comment: '@omit' })
      .fn({ name: 'shown', returns: 'int4', comment: 'Shown.\n@name visible' })
      .build();
    const { graph } = buildTypeGraph(catalog, 'fp');
    expect(graph.entities.map((e) => e.name)).toEqual(['people']);
    const person = entity(graph, 'person');
    expect(person.description).toBe('Everyone we know.');
    expect(person.columns.map((c) => [c.name, c.dbName])).toEqual([
      ['id', 'id'],
      ['name', 'full_name'],
      ['secret_id', 'secret_id'],
    ]);
    expect(person.columns[1]?.description).toBe('The whole name.');
    // no relationship to an omitted table
    expect(person.relations).toEqual([]);
    expect(graph.functions.map((f) => [f.name, f.description])).toEqual([['visible', 'Shown.']]);
  });

  it('follows omit and rename in the config, by schema.table or table', () => {
    const { graph, warnings } = buildTypeGraph(
      films().build(),
      'fp',
      options({
        tables: {
          'public.actor': { omit: true },
          film: { name: 'movie', columns: { title: { name: 'headline' }, original_language_id: { omit: true } }, relationships: { language: 'spoken_language' } },
          nothing_here: { omit: true },
        },
      }),
    );
    expect(graph.entities.map((e) => e.name)).toEqual(['movie', 'film_actor', 'language']);
    const film = entity(graph, 'film');
    expect(film.columns.map((c) => c.name)).toEqual(['film_id', 'headline', 'language_id']);
    // the FK still yields the relationship: the column is hidden, the key is not gone
    expect(film.relations.map((r) => r.name)).toEqual(['film_actors', 'original_language', 'spoken_language']);
    // relationship names follow the explicit rename of a table
    expect(relationNames(graph, 'language')).toEqual(['movies', 'movies_by_original_language_id']);
    expect(warnings).toEqual(['tables.nothing_here: nothing of that name in schemas public']);
  });

  it('warns about a rename of a relationship that does not exist, or to a taken name', () => {
    const { graph, warnings } = buildTypeGraph(
      films().build(),
      'fp',
      options({ tables: { film: { relationships: { nope: 'x', language: 'title' } } } }),
    );
    expect(relationNames(graph, 'film')).toContain('language');
    expect(warnings).toEqual([
      'tables.film.relationships.nope: no relationship of that name (it has: actors, film_actors, language, original_language)',
      'tables.film.relationships.language: cannot rename to "title", the name is taken',
    ]);
  });

  it('drops functions that take or return an omitted table', () => {
    const catalog = new CatalogBuilder()
      .table('secret', { id: 'int4' }, { pk: ['id'], comment: '@omit' })
      .fn({ name: 'list_secrets', returns: 'public.secret', set: true, volatility: 's' })
      .fn({ name: 'secret_label', args: [{ name: 's', type: 'public.secret' }], returns: 'text', volatility: 's' })
      .build();
    expect(buildTypeGraph(catalog, 'fp').graph.functions).toEqual([]);
  });
});

describe('manual relationships', () => {
  const catalog = (): CatalogBuilder =>
    films().table('film_list', { fid: 'int4', title: 'text', lang: 'int4' }, { kind: 'v' });

  it('adds object and array relationships to views', () => {
    const { graph, warnings } = buildTypeGraph(
      catalog().build(),
      'fp',
      options({
        relationships: [
          { table: 'film_list', name: 'film', type: 'object', target: 'public.film', mapping: { fid: 'film_id' } },
          { table: 'language', name: 'film_list_entries', type: 'array', target: 'film_list', mapping: { language_id: 'lang' } },
        ],
      }),
    );
    expect(warnings).toEqual([]);
    expect(entity(graph, 'film_list').relations).toEqual([
      { name: 'film', type: 'object', cardinality: 'many_to_one', target: { schema: 'public', dbName: 'film' }, mapping: [{ from: 'fid', to: 'film_id' }], origin: 'manual' },
    ]);
    expect(entity(graph, 'language').relations.find((r) => r.name === 'film_list_entries')).toMatchObject({ type: 'array', cardinality: 'one_to_many', origin: 'manual' });
  });

  it('warns about unknown columns, targets and taken names, and skips them', () => {
    const { graph, warnings } = buildTypeGraph(
      catalog().build(),
      'fp',
      options({
        relationships: [
          { table: 'film_list', name: 'a', type: 'object', target: 'film', mapping: { nope: 'film_id' } },
          { table: 'film_list', name: 'b', type: 'object', target: 'missing', mapping: { fid: 'film_id' } },
          { table: 'film_list', name: 'title', type: 'object', target: 'film', mapping: { fid: 'film_id' } },
          { table: 'no_such_view', name: 'film', type: 'object', target: 'film', mapping: { fid: 'film_id' } },
        ],
      }),
    );
    expect(entity(graph, 'film_list').relations).toEqual([]);
    expect(warnings).toEqual([
      'relationships[no_such_view.film]: table no_such_view not found',
      'relationships[film_list.a]: unknown column film_list.nope',
      'relationships[film_list.b]: target missing not found',
      'relationships[film_list.title]: the name "title" is taken by a column or relationship',
    ]);
  });
});

describe('entities', () => {
  it('reads view operations from pg_relation_is_updatable, and keeps materialized views read-only', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .table('t', { id: 'int4' }, { pk: ['id'] })
        .table('simple_view', { id: 'int4' }, { kind: 'v', updatable: 8 | 4 | 16 })
        .table('insert_only_view', { id: 'int4' }, { kind: 'v', updatable: 8 })
        .table('stats', { n: 'int8' }, { kind: 'm' })
        .build(),
      'fp',
    );
    expect(graph.entities.map((e) => [e.name, e.kind, e.operations])).toEqual([
      ['insert_only_view', 'view', { select: true, insert: true, update: false, delete: false }],
      ['simple_view', 'view', { select: true, insert: true, update: true, delete: true }],
      ['stats', 'materialized_view', { select: true, insert: false, update: false, delete: false }],
      ['t', 'table', { select: true, insert: true, update: true, delete: true }],
    ]);
  });

  it('takes a view primary key from the config', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder().table('v', { id: 'int4' }, { kind: 'v' }).build(),
      'fp',
      options({ tables: { v: { primaryKey: ['id'] } } }),
    );
    expect(entity(graph, 'v').primaryKey).toEqual(['id']);
  });

  it('resolves domains to their base type, arrays to their element, and keeps enums in catalog order', () => {
    const { graph } = buildTypeGraph(
      new CatalogBuilder()
        .enumType('public.mood', ['sad', 'ok', 'happy'])
        .domain('public.year', 'int4')
        .table('t', { id: 'int4', y: 'public.year', tags: 'text[]', mood: 'public.mood', moods: 'public.mood[]' }, { pk: ['id'] })
        .build(),
      'fp',
    );
    const types = Object.fromEntries(entity(graph, 't').columns.map((c) => [c.name, c.type]));
    expect(types['y']).toEqual({ kind: 'scalar', schema: 'pg_catalog', name: 'int4', domain: { schema: 'public', dbName: 'year' } });
    expect(types['tags']).toEqual({ kind: 'array', element: { kind: 'scalar', schema: 'pg_catalog', name: 'text' } });
    expect(types['moods']).toEqual({ kind: 'array', element: { kind: 'enum', schema: 'public', name: 'mood' } });
    expect(graph.enums).toEqual([{ schema: 'public', dbName: 'mood', name: 'mood', values: ['sad', 'ok', 'happy'] }]);
  });
});

describe('functions', () => {
  const catalog = films()
    .fn({ name: 'search_films', args: [{ name: 'q', type: 'text' }], returns: 'public.film', set: true, volatility: 's' })
    .fn({ name: 'film_count', returns: 'int8', volatility: 's' })
    .fn({ name: 'add_film', args: [{ name: 'title', type: 'text' }, { name: 'lang', type: 'int4' }], returns: 'public.film', volatility: 'v', defaults: 1 })
    .fn({ name: 'film_label', args: [{ name: 'f', type: 'public.film' }], returns: 'text', volatility: 's' })
    .fn({
      name: 'film_stats',
      args: [{ name: 'since', type: 'date' }, { name: 'n', type: 'int8', mode: 't' }, { name: 'title', type: 'text', mode: 't' }],
      returns: 'record',
      set: true,
      volatility: 's',
    })
    .fn({ name: 'total', args: [{ name: 'xs', type: 'int4[]', mode: 'v' }], returns: 'int4', volatility: 'i' })
    .fn({ name: 'touch', returns: 'trigger' })
    .fn({ name: 'poly', args: [{ name: 'x', type: 'anyelement' }], returns: 'anyelement' })
    .fn({ name: 'do_it', args: [{ name: 'n', type: 'int4' }], returns: 'void', procedure: true })
    .build();
  const { graph } = buildTypeGraph(catalog, 'fp');
  const fn = (name: string) => graph.functions.find((f) => f.name === name);

  it('keeps callable functions and leaves out triggers and polymorphic ones', () => {
    expect(graph.functions.map((f) => f.name)).toEqual(['add_film', 'do_it', 'film_count', 'film_label', 'film_stats', 'search_films', 'total']);
  });

  it('records volatility, what is returned and argument defaults', () => {
    expect(fn('search_films')).toMatchObject({ volatility: 'stable', returns: { kind: 'entity', entity: { dbName: 'film' }, set: true } });
    expect(fn('film_count')).toMatchObject({ volatility: 'stable', returns: { kind: 'value', set: false, type: { name: 'int8' } } });
    expect(fn('add_film')?.volatility).toBe('volatile');
    expect(fn('add_film')?.args.map((a) => [a.name, a.hasDefault])).toEqual([['title', false], ['lang', true]]);
    expect(fn('film_stats')?.returns).toEqual({
      kind: 'columns',
      set: true,
      columns: [
        { name: 'n', type: { kind: 'scalar', schema: 'pg_catalog', name: 'int8' } },
        { name: 'title', type: { kind: 'scalar', schema: 'pg_catalog', name: 'text' } },
      ],
    });
    expect(fn('film_stats')?.args.map((a) => a.name)).toEqual(['since']);
    expect(fn('total')?.args[0]).toMatchObject({ mode: 'variadic', type: { kind: 'array' } });
    expect(fn('do_it')).toMatchObject({ kind: 'procedure', returns: { kind: 'void' } });
  });

  it('marks a function whose first argument is a row type as a computed field', () => {
    expect(fn('film_label')?.computedFieldOf).toEqual({ schema: 'public', dbName: 'film' });
    expect(fn('film_count')?.computedFieldOf).toBeUndefined();
  });
});

describe('what must not leak or clash', () => {
  it('hides columns and functions that use an omitted row type inside arrays too, and FKs to it', () => {
    const catalog = new CatalogBuilder()
      .table('secret', { id: 'int4' }, { pk: ['id'], comment: '@omit' })
      .table('holder', { id: 'int4', secret_id: 'int4', copy: 'public.secret', copies: 'public.secret[]' }, {
        pk: ['id'],
        fks: [{ columns: ['secret_id'], target: 'secret', targetColumns: ['id'] }],
      })
      .fn({ name: 'all_secrets', returns: 'public.secret[]', volatility: 's' })
      .fn({ name: 'count_them', args: [{ name: 'xs', type: 'public.secret[]' }], returns: 'int4', volatility: 's' })
      .build();
    const { graph, warnings } = buildTypeGraph(catalog, 'fp');
    const holder = entity(graph, 'holder');
    expect(holder.columns.map((c) => c.name)).toEqual(['id', 'secret_id']);
    expect(holder.foreignKeys).toEqual([]);
    expect(graph.functions).toEqual([]);
    expect(warnings).toEqual([
      "public.holder.copy: its type is an omitted table's row type; not exposed",
      "public.holder.copies: its type is an omitted table's row type; not exposed",
    ]);
  });

  it('keeps the first of two columns whose names collide after camelCasing', () => {
    const { graph, warnings } = buildTypeGraph(
      new CatalogBuilder().table('t', { id: 'int4', first_name: 'text', firstName: 'text' }, { pk: ['id'] }).build(),
      'fp',
      options({ naming: 'camel' }),
    );
    expect(entity(graph, 't').columns.map((c) => [c.name, c.dbName])).toEqual([
      ['id', 'id'],
      ['firstName', 'first_name'],
    ]);
    expect(warnings).toEqual(['public.t.firstName: the name "firstName" is taken by another column; not exposed']);
  });

  it('exposes a later column under its database name when its new name is taken', () => {
    const { graph, warnings } = buildTypeGraph(
      new CatalogBuilder().table('t', { id: 'int4', a: 'text', b: 'text' }, { pk: ['id'] }).build(),
      'fp',
      options({ tables: { t: { columns: { b: { name: 'a' } } } } }),
    );
    expect(entity(graph, 't').columns.map((c) => c.name)).toEqual(['id', 'a', 'b']);
    expect(warnings).toEqual(['public.t.b: the name "a" is taken by another column; exposed as "b"']);
  });

  it('leaves out a table whose name is taken by another table of its schema', () => {
    const { graph, warnings } = buildTypeGraph(
      new CatalogBuilder().table('a', { id: 'int4' }, { pk: ['id'] }).table('b', { id: 'int4' }, { pk: ['id'], comment: '@name a' }).build(),
      'fp',
    );
    expect(graph.entities.map((e) => e.dbName)).toEqual(['a']);
    expect(warnings).toEqual(['public.b: the name "a" is taken by another table of schema public; not exposed']);
  });

  it('checks a declared primary key', () => {
    const { graph, warnings } = buildTypeGraph(
      new CatalogBuilder().table('v', { id: 'int4' }, { kind: 'v' }).table('t', { id: 'int4' }, { pk: ['id'] }).build(),
      'fp',
      options({ tables: { v: { primaryKey: ['nope'] }, t: { primaryKey: ['id'] } } }),
    );
    expect(entity(graph, 'v').primaryKey).toEqual([]);
    expect(warnings).toEqual([
      'tables.public.t.primaryKey: the table has a primary key (id); ignored',
      'tables.public.v.primaryKey: no column nope; ignored',
    ]);
  });

  it('warns about a schema that does not exist, and digests the schema list', () => {
    const catalog = new CatalogBuilder(['public']).build();
    const { graph, warnings } = buildTypeGraph(catalog, 'fp', options({ schemas: ['public', 'pubic'] }));
    expect(warnings).toEqual(['schema "pubic" does not exist (or is not visible to this user)']);
    expect(graph.configDigest).not.toBe(buildTypeGraph(catalog, 'fp', options({ schemas: ['public'] })).graph.configDigest);
  });
});
