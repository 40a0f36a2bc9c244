import type { GraphQLFieldConfigMap } from 'graphql';
import type { GraphqlContext } from './context.js';
import type { SchemaBuilder } from './schema-builder.js';

/** The mutation root fields of every writable table (insert_, update_, delete_…). */
export function mutationFields(_builder: SchemaBuilder): GraphQLFieldConfigMap<unknown, GraphqlContext> {
  return {};
}
