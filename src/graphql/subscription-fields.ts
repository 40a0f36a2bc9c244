import { GraphQLList, GraphQLNonNull, type GraphQLInputFieldConfigMap } from 'graphql';
import { HasuraInt } from './scalars.js';
import type { Entity } from '../model/index.js';
import type { FieldThunks } from './lazy-root.js';
import { rootResolver } from './resolvers.js';
import { listOf, type SchemaBuilder } from './schema-builder.js';

/**
 * subscription_root as Hasura v2 has it:
 * - every query root field again, as a live query (`subscription { film(where: …) { … } }`):
 *   the same arguments and type, the same RootMeta, so it is planned by the same code;
 * - `<table>_stream(batch_size: Int!, cursor: [<table>_stream_cursor_input]!, where:)` for
 *   every table: the rows past a cursor, in batches, then new rows as they arrive.
 * The resolvers are never called for a subscription (the live machinery answers from the
 * authorized Plans); they are the query fields' own, kept for a schema that validates.
 */
export function subscriptionFields(builder: SchemaBuilder, query: FieldThunks): readonly FieldThunks[] {
  // every query root field (each has its RootMeta; the placeholder of a role that may read
  // nothing is not among them), as it is: the root type looks there first (lazy-root.ts)
  const fields: FieldThunks = new Map();
  for (const entity of builder.entities) {
    const name = builder.rootField(entity, undefined, 'stream');
    if (query.has(name) || builder.columns(entity).length === 0) continue;
    fields.set(name, () => ({
      type: listOf(builder.objectType(entity)),
      args: {
        [builder.naming.field('batch_size')]: { type: new GraphQLNonNull(HasuraInt), description: 'maximum number of rows returned in a single batch' },
        cursor: { type: new GraphQLNonNull(new GraphQLList(cursorInput(builder, entity))), description: 'cursor to stream the results returned by the query' },
        where: { type: builder.boolExpType(entity), description: 'filter the rows returned' },
      },
      resolve: rootResolver,
      description: `fetch data from the table in a streaming manner: "${entity.schema}.${entity.dbName}"`,
      extensions: { pgduetRoot: { kind: 'select_stream', entity } },
    }));
  }
  return [query, fields];
}

/** `<table>_stream_cursor_input { initial_value: <table>_stream_cursor_value_input!, ordering: cursor_ordering }` */
function cursorInput(builder: SchemaBuilder, entity: Entity) {
  const table = builder.typeName(entity);
  const value = builder.input(builder.entityType(entity, 'stream_cursor_value_input'), () => {
    const fields: GraphQLInputFieldConfigMap = {};
    for (const column of builder.columns(entity)) fields[column.name] = { type: builder.columnInputType(column) };
    return { description: 'Initial value of the column from where the streaming should start', fields };
  });
  return builder.input(builder.entityType(entity, 'stream_cursor_input'), () => ({
    description: `Streaming cursor of the table "${table}"`,
    fields: {
      [builder.naming.field('initial_value')]: { type: new GraphQLNonNull(value), description: 'Stream column input with initial value' },
      ordering: { type: cursorOrdering(builder), description: 'cursor ordering' },
    },
  }));
}

/** Hasura's `cursor_ordering` enum. */
export function cursorOrdering(builder: SchemaBuilder) {
  return builder.namedEnum(builder.naming.type('cursor_ordering'), () => ({
    description: 'ordering argument of a cursor',
    values: { ASC: { value: 'ASC', description: 'ascending ordering of the cursor' }, DESC: { value: 'DESC', description: 'descending ordering of the cursor' } },
  }));
}
