import { describe, expect, it } from 'vitest';
import { graphqlDefaultGraph, graphqlNaming, isCustomName, snakeToCamel } from '../../src/graphql/naming.js';
import { buildGraphqlSchema } from '../../src/graphql/index.js';
import { buildTypeGraph } from '../../src/model/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/** Hasura's naming conventions as pure functions (src/graphql/naming.ts). */

const hasura = graphqlNaming('hasura-default');
const graphql = graphqlNaming('graphql-default');

describe('graphqlNaming', () => {
  it('hasura-default joins snake_case parts as they are', () => {
    expect(hasura.type({ name: 'film_actor', custom: false }, 'bool_exp')).toBe('film_actor_bool_exp');
    expect(hasura.field('insert', { name: 'Film', custom: true }, 'one')).toBe('insert_Film_one');
    expect(hasura.field('_is_null')).toBe('_is_null');
    expect(hasura.enumValue('asc_nulls_first')).toBe('asc_nulls_first');
  });

  it('graphql-default: PascalCase types, camelCase fields, upper-case enum values', () => {
    expect(graphql.type({ name: 'film_actor', custom: false }, 'bool_exp')).toBe('FilmActorBoolExp');
    expect(graphql.type('Int', 'comparison_exp')).toBe('IntComparisonExp');
    expect(graphql.type('String_array', 'comparison_exp')).toBe('StringArrayComparisonExp');
    expect(graphql.type('order_by')).toBe('OrderBy');
    expect(graphql.field({ name: 'film_actor', custom: false }, 'by_pk')).toBe('filmActorByPk');
    expect(graphql.field('insert', { name: 'film_actor', custom: false }, 'one')).toBe('insertFilmActorOne');
    expect(graphql.field('affected_rows')).toBe('affectedRows');
    expect(graphql.field('stddev_pop')).toBe('stddevPop');
    expect(graphql.field('film_actors', 'aggregate')).toBe('filmActorsAggregate');
    expect(graphql.enumValue('desc_nulls_last')).toBe('DESC_NULLS_LAST');
  });

  it('keeps a leading underscore on its word, as Hasura\'s fromSnake', () => {
    expect(graphql.field('_is_null')).toBe('_isNull');
    expect(graphql.field('_has_keys_any')).toBe('_hasKeysAny');
    expect(graphql.field('_eq')).toBe('_eq');
    expect(graphql.type('_group_concat', 'args')).toBe('_groupConcatArgs');
    // nothing left to spell: the name stays
    expect(graphql.field('_')).toBe('_');
    expect(graphql.field('a__b_')).toBe('aB');
  });

  it('keeps a custom name as written where it comes first, capitalized after a prefix (Hasura issue 8828)', () => {
    const custom = { name: 'table_one', custom: true };
    expect(graphql.field(custom)).toBe('table_one');
    expect(graphql.field(custom, 'by_pk')).toBe('table_oneByPk');
    expect(graphql.field('insert', custom, 'one')).toBe('insertTable_oneOne');
    expect(graphql.type(custom)).toBe('table_one');
    expect(graphql.type({ name: 'TableOne', custom: true }, 'bool_exp')).toBe('TableOneBoolExp');
  });

  it('tells custom names from derived ones, and camelCases as Hasura does', () => {
    expect(isCustomName('film_actor', 'film_actor')).toBe(false);
    expect(isCustomName('filmActor', 'film_actor')).toBe(false);
    expect(isCustomName('movie', 'film')).toBe(true);
    expect(snakeToCamel('release_year')).toBe('releaseYear');
    expect(snakeToCamel('Title')).toBe('title');
  });
});

describe('graphqlDefaultGraph', () => {
  const catalog = new CatalogBuilder(['public'])
    .table('language', { language_id: 'int4', name: 'text' }, { pk: ['language_id'] })
    .table('film', { film_id: 'int4', release_year: 'int4', releaseYear: 'int4', language_id: 'int4' }, {
      pk: ['film_id'],
      fks: [{ columns: ['language_id'], target: 'language', targetColumns: ['language_id'] }],
    });
  const { graph } = buildTypeGraph(catalog.build(), 'fp', { naming: 'database', tables: { 'public.language': { columns: { name: { name: 'language_name' } } } }, functions: {}, relationships: [] });

  it('renames columns and relationships, keeps database names, custom names and colliding names', () => {
    const renamed = graphqlDefaultGraph(graph);
    const film = renamed.entities.find((e) => e.dbName === 'film');
    // `releaseYear` is a column already: `release_year` keeps its name rather than take it
    expect(film?.columns.map((c) => [c.dbName, c.name])).toEqual([
      ['film_id', 'filmId'],
      ['release_year', 'release_year'],
      ['releaseYear', 'releaseYear'],
      ['language_id', 'languageId'],
    ]);
    expect(film?.relations.map((r) => r.name)).toEqual(['language']);
    const language = renamed.entities.find((e) => e.dbName === 'language');
    expect(language?.columns.map((c) => c.name)).toEqual(['languageId', 'language_name']);
    expect(language?.relations.map((r) => r.name)).toEqual(['films']);
    // the original graph is not touched
    expect(graph.entities.find((e) => e.dbName === 'film')?.columns.map((c) => c.name)).toEqual(['film_id', 'release_year', 'releaseYear', 'language_id']);
  });

  it('gives the same schema whatever naming.case the type graph was built with', () => {
    const camel = buildTypeGraph(catalog.build(), 'fp', { naming: 'camel', tables: { 'public.language': { columns: { name: { name: 'language_name' } } } }, functions: {}, relationships: [] }).graph;
    const sdl = (g: typeof graph) => Object.keys(buildGraphqlSchema(g, graphql).schema.getTypeMap()).sort();
    expect(sdl(camel)).toEqual(sdl(graph));
    const fields = (g: typeof graph) => Object.keys(buildGraphqlSchema(g, graphql).schema.getQueryType()?.getFields() ?? {});
    expect(fields(camel)).toEqual(fields(graph));
  });

  it('builds a valid schema with the same number of types as hasura-default', () => {
    const a = buildGraphqlSchema(graph, hasura);
    const b = buildGraphqlSchema(graph, graphql);
    expect(Object.keys(b.schema.getTypeMap()).length).toBe(Object.keys(a.schema.getTypeMap()).length);
    expect(b.schema.getQueryType()?.getFields()['filmByPk']).toBeDefined();
  });
});
