import { GraphQLObjectType, GraphQLSchema, introspectionFromSchema, parse, printSchema, validate, validateSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGraphqlSchema, buildLazyGraphqlSchema } from '../../src/graphql/build-schema.js';
import type { LazyRootType } from '../../src/graphql/lazy-root.js';
import { SCHEMA_DIRECTIVES, type LazySchema } from '../../src/graphql/lazy-schema.js';
import { validateDocument } from '../../src/graphql/validate.js';
import { buildTypeGraph, type TypeGraph } from '../../src/model/index.js';
import { CatalogBuilder } from '../support/catalog-builder.js';

const OPTIONS = { naming: 'database', tables: {}, functions: {}, relationships: [] } as const;

/** `t1 ← t2 ← … ← tn`: each table's parent_id references the one before (issue 10's chain). */
function chainGraph(n: number): TypeGraph {
  const catalog = new CatalogBuilder().table('t1', { id: 'int4', name: 'text' }, { pk: ['id'] });
  for (let i = 2; i <= n; i++) {
    catalog.table(`t${i}`, { id: 'int4', name: 'text', parent_id: 'int4' }, { pk: ['id'], fks: [{ columns: ['parent_id'], target: `t${i - 1}`, targetColumns: ['id'] }] });
  }
  return buildTypeGraph(catalog.build(), 'chain', OPTIONS).graph;
}

describe('a GraphQL schema of thousands of tables in a foreign-key chain', () => {
  const graph = chainGraph(3000);

  it('builds without running out of stack, and is valid', () => {
    const built = buildGraphqlSchema(graph);
    expect(validateSchema(built.schema)).toEqual([]);
    const t3000 = built.schema.getType('t3000');
    expect(t3000).toBeDefined();
    // its relationship to the table before it
    expect(Object.keys((built.schema.getType('t3000') as GraphQLObjectType).getFields())).toContain('parent');
    // the chain is whole: the last table reaches the first through its relationships
    expect(built.schema.getType('t1_bool_exp')).toBeDefined();
    // t, t_by_pk, t_aggregate, t_groups
    expect(Object.keys(built.schema.getQueryType()?.getFields() ?? {})).toHaveLength(4 * 3000);
  });

  it('is served lazily: a query through a relationship validates after making a few types', () => {
    const lazy = buildLazyGraphqlSchema(graph);
    const document = parse('query ($w: t2999_bool_exp) { t3000(where: {parent: {name: {_eq: "x"}}}) { id parent { id parent { name } } } t2999(where: $w) { id } }');
    expect(validate(lazy.schema, document)).toEqual([]);
    expect(validate(lazy.schema, parse('{ t3000 { nope } }')).map((e) => e.message)).toEqual(['Cannot query field "nope" on type "t3000". Did you mean "name"?']);
    // pgduet's own validation (every route's) makes no more types than the document names: graphql-js's
    // KnownTypeNamesRule would list the whole type map (every type made) for its suggestions
    const fresh = buildLazyGraphqlSchema(graph).schema as LazySchema;
    const atStart = fresh.madeCount;
    expect(atStart).toBe(0); // the root fields themselves are made when asked for (lazy-root.ts)
    expect(validateDocument(fresh, parse('{ __typename }'), undefined)).toEqual([]);
    expect(validateDocument(fresh, document, undefined)).toEqual([]);
    expect(fresh.madeCount - atStart).toBeLessThan(50);
  });

  it('refuses an unknown root field without making every root field for its suggestions', () => {
    const fresh = buildLazyGraphqlSchema(graph).schema as LazySchema;
    const errors = validateDocument(fresh, parse('{ t30001 { id } t3000(limit: 1) { id } }'), undefined);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^Cannot query field "t30001" on type "query_root"\. Did you mean "t3000"/)]);
    const root = fresh.getQueryType() as LazyRootType;
    expect(root.madeFieldCount).toBe(1); // t3000 only: the names were listed, no field made
    expect(fresh.madeCount).toBeLessThan(10);
    // reading the fields still makes them, in order (introspection)
    expect(Object.values(root.getFields()).slice(0, 2).map((f) => f.name)).toEqual(root.fieldNames.slice(0, 2));
  });

  it('finds that a type does not exist, and lists every type in graphql-js order when enumerated', () => {
    // an unknown name is looked for everywhere (the whole schema is made, once): slow at this size
    const lazy = buildLazyGraphqlSchema(graph);
    expect(validate(lazy.schema, parse('query ($w: nope_bool_exp) { t1(where: $w) { id } }')).map((e) => e.message)).toEqual([expect.stringMatching(/^Unknown type "nope_bool_exp"/)]);
    const fresh = buildLazyGraphqlSchema(graph).schema;
    expect(validateDocument(fresh, parse('query ($w: nope_bool_exp) { t1(where: $w) { id } }'), undefined).map((e) => e.message)).toEqual([expect.stringMatching(/^Unknown type "nope_bool_exp"/)]);
    // the whole map, in graphql-js's order, once something enumerates it (introspection)
    expect(Object.keys(lazy.schema.getTypeMap())).toEqual(Object.keys(buildGraphqlSchema(graph).schema.getTypeMap()));
  }, 120_000);
});

describe('the type order of a small schema', () => {
  it('is the order graphql-js finds by itself, so introspection and the SDL do not change', () => {
    const catalog = new CatalogBuilder()
      .enumType('public.rating', ['G', 'PG-13'])
      .table('language', { language_id: 'int4', name: 'text' }, { pk: ['language_id'] })
      .table('film', { film_id: 'int4', title: 'text', rating: 'public.rating', tags: 'text[]', doc: 'jsonb', language_id: 'int4' }, {
        pk: ['film_id'],
        fks: [{ columns: ['language_id'], target: 'language', targetColumns: ['language_id'] }],
      });
    const { schema } = buildGraphqlSchema(buildTypeGraph(catalog.build(), 'small', OPTIONS).graph);
    const mutation = schema.getMutationType();
    const subscription = schema.getSubscriptionType();
    expect(subscription?.getFields()['film_stream']).toBeDefined();
    // graphql-js's own recursive collection over the same root types (and directives: `@cached`)
    const recursive = new GraphQLSchema({ query: schema.getQueryType() ?? null, ...(mutation ? { mutation } : {}), ...(subscription ? { subscription } : {}), directives: SCHEMA_DIRECTIVES });
    expect(Object.keys(schema.getTypeMap())).toEqual(Object.keys(recursive.getTypeMap()));
    expect(printSchema(schema)).toEqual(printSchema(recursive));
    const lazy = buildLazyGraphqlSchema(buildTypeGraph(catalog.build(), 'small', OPTIONS).graph).schema;
    expect(printSchema(lazy)).toEqual(printSchema(recursive));
    expect(introspectionFromSchema(lazy)).toEqual(introspectionFromSchema(recursive));
  });
});
