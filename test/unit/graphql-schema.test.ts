import { GraphQLObjectType, GraphQLScalarType, Kind, printSchema, validateSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGraphqlSchema } from '../../src/graphql/index.js';
import { buildTypeGraph } from '../../src/model/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

/** The GraphQL schema derived from hand-written catalogs: valid, and named as Hasura names things. */
function schemaOf(builder: CatalogBuilder, schemas?: readonly string[]) {
  const { graph } = buildTypeGraph(builder.build(), 'fp', { naming: 'database', tables: {}, functions: {}, relationships: [], ...(schemas ? { schemas } : {}) });
  return buildGraphqlSchema(graph);
}

describe('a custom name outside the first schema', () => {
  it('replaces the whole name, schema included, as Hasura’s custom_name does', () => {
    const catalog = new CatalogBuilder(['public', 'sales']).table('film', { id: 'int4' }, { pk: ['id'] }).table('film', { id: 'int4' }, { schema: 'sales', pk: ['id'] }).build();
    const { graph } = buildTypeGraph(catalog, 'fp', { naming: 'database', tables: { 'sales.film': { name: 'deal' } }, functions: {}, relationships: [], schemas: ['public', 'sales'] });
    const built = buildGraphqlSchema(graph);
    const fields = Object.keys(built.schema.getQueryType()?.getFields() ?? {});
    expect(fields).toEqual(expect.arrayContaining(['film', 'deal', 'deal_by_pk', 'deal_aggregate']));
    expect(fields).not.toContain('sales_deal');
    expect(built.schema.getType('deal_bool_exp')).toBeDefined();
  });
});

describe('buildGraphqlSchema', () => {
  const built = schemaOf(
    new CatalogBuilder(['public', 'sales'])
      .enumType('public.rating', ['G', 'PG-13', 'NC-17'])
      .table('language', { language_id: 'int4', name: 'text' }, { pk: ['language_id'] })
      .table('film', { film_id: 'int4', title: 'text', rating: 'public.rating', 'zip code': 'text', price: 'numeric', tags: 'text[]', doc: 'jsonb', big: 'int8', language_id: 'int4' }, {
        pk: ['film_id'],
        fks: [{ columns: ['language_id'], target: 'language', targetColumns: ['language_id'] }],
      })
      .table('film', { id: 'int4' }, { schema: 'sales', pk: ['id'] })
      .fn({ name: 'search', args: [{ name: 'q', type: 'text' }], returns: 'public.film', set: true, volatility: 's' })
      .fn({ name: 'bump', args: [{ name: 'id', type: 'int4' }], returns: 'int4', volatility: 'v' }),
  );
  const type = (name: string) => built.schema.getType(name);

  it('is a valid GraphQL schema', () => {
    expect(validateSchema(built.schema)).toEqual([]);
    expect(built.warnings).toEqual([]);
  });

  it('has the query root fields of each table, prefixed by schema outside the first one', () => {
    const query = built.schema.getQueryType();
    expect(Object.keys(query?.getFields() ?? {})).toEqual(
      expect.arrayContaining(['film', 'film_by_pk', 'film_aggregate', 'language', 'sales_film', 'sales_film_by_pk', 'search', 'search_aggregate']),
    );
    expect(Object.keys(built.schema.getMutationType()?.getFields() ?? {})).toEqual(
      expect.arrayContaining(['insert_film', 'insert_film_one', 'update_film', 'update_film_by_pk', 'update_film_many', 'delete_film', 'delete_film_by_pk', 'bump']),
    );
  });

  it('maps types as Hasura does, and makes PostgreSQL names spellable', () => {
    const film = type('film') as GraphQLObjectType;
    const fields = film.getFields();
    expect(String(fields['film_id']?.type)).toBe('Int!');
    expect(String(fields['price']?.type)).toBe('numeric');
    expect(String(fields['big']?.type)).toBe('bigint');
    expect(String(fields['doc']?.type)).toBe('jsonb');
    expect(String(fields['tags']?.type)).toBe('[String]');
    expect(String(fields['rating']?.type)).toBe('rating');
    expect(fields['zip code']).toBeUndefined();
    expect(String(fields['language']?.type)).toBe('language');
    // a native enum: a scalar named after it, whose values are its labels (Hasura's)
    const rating = type('rating') as GraphQLScalarType;
    expect(rating).toBeInstanceOf(GraphQLScalarType);
    expect(rating.parseValue('PG-13')).toBe('PG-13');
    expect(() => rating.parseValue('PG_13')).toThrow(/expected one of the values 'G', 'PG-13', 'NC-17' for type 'rating'/);
    expect(rating.parseLiteral({ kind: Kind.STRING, value: 'NC-17' })).toBe('NC-17');
    // a bare name as a label, or as GraphQL would spell it, is read too
    expect(rating.parseLiteral({ kind: Kind.ENUM, value: 'PG_13' })).toBe('PG-13');
  });

  it('has the input types of the dialect', () => {
    const sdl = printSchema(built.schema);
    for (const name of ['film_bool_exp', 'film_order_by', 'film_select_column', 'film_insert_input', 'film_on_conflict', 'film_constraint', 'film_set_input', 'film_inc_input', 'film_append_input', 'film_pk_columns_input', 'film_mutation_response', 'String_comparison_exp', 'jsonb_comparison_exp', 'String_array_comparison_exp', 'rating_comparison_exp', 'order_by', 'film_aggregate_order_by']) {
      expect(sdl, name).toMatch(new RegExp(`(input|type|enum) ${name} `));
    }
    expect(sdl).toContain('_has_keys_any: [String!]');
    expect(sdl).toContain('_ilike: String');
  });
});
