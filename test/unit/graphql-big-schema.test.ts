import { GraphQLSchema, printSchema, validateSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGraphqlSchema, buildGraphqlSchemaInSteps } from '../../src/graphql/build-schema.js';
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
    // the chain is whole: the last table reaches the first through its relationships
    expect(built.schema.getType('t1_bool_exp')).toBeDefined();
    expect(Object.keys(built.schema.getQueryType()?.getFields() ?? {})).toHaveLength(3 * 3000);
  });

  it('builds the same schema in steps (the background build)', async () => {
    let pauses = 0;
    const inSteps = await buildGraphqlSchemaInSteps(graph, async () => {
      pauses++;
      await new Promise((resolve) => setImmediate(resolve));
    }, 5);
    expect(pauses).toBeGreaterThan(1);
    expect(Object.keys(inSteps.schema.getTypeMap())).toEqual(Object.keys(buildGraphqlSchema(graph).schema.getTypeMap()));
  });
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
    // graphql-js's own recursive collection over the same root types
    const recursive = new GraphQLSchema({ query: schema.getQueryType() ?? null, ...(mutation ? { mutation } : {}) });
    expect(Object.keys(schema.getTypeMap())).toEqual(Object.keys(recursive.getTypeMap()));
    expect(printSchema(schema)).toEqual(printSchema(recursive));
  });
});
