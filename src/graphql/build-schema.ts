import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLNamedType,
} from 'graphql';
import { findEntity, type Entity, type FunctionDef, type TypeGraph } from '../model/index.js';
import { collectNamedTypes } from './collect-types.js';
import { LazyRootType, type FieldThunks } from './lazy-root.js';
import { LazySchema, SCHEMA_DIRECTIVES } from './lazy-schema.js';
import { groupsRootField, groupTypeNames } from './group-types.js';
import { isComputedField, isValidName } from './names.js';
import { graphqlNaming, SAME_ROOT_FIELD, type GraphqlNaming, type NameBase } from './naming.js';
import { byResponseKey, relationResolver, rootResolver } from './resolvers.js';
import { listOf, SchemaBuilder } from './schema-builder.js';
import { mutationFields } from './mutation-fields.js';
import { subscriptionFields } from './subscription-fields.js';

export interface BuiltSchema {
  readonly schema: GraphQLSchema;
  readonly builder: SchemaBuilder;
  /** objects left out of the GraphQL schema, and why */
  readonly warnings: readonly string[];
}

/**
 * TypeGraph → GraphQL schema in Hasura's dialect. Pure: the same graph gives the same
 * schema; the server builds it once per graph (and again after a reload).
 */
export function buildGraphqlSchema(graph: TypeGraph, naming: GraphqlNaming = graphqlNaming()): BuiltSchema {
  const roots = buildRoots(graph, naming);
  return finishSchema(roots, collectNamedTypes(roots.types));
}

/**
 * The same schema for serving: only the root types are made now, the others when a request
 * needs them (lazy-schema.ts). Not validated here: `buildGraphqlSchema` makes the same types
 * and validates them (the CLI's `sdl`, the unit tests).
 */
export function buildLazyGraphqlSchema(graph: TypeGraph, naming: GraphqlNaming = graphqlNaming()): BuiltSchema {
  const roots = buildRoots(graph, naming);
  const { query, mutation, subscription } = roots;
  return { schema: new LazySchema(roots.builder, query, mutation, subscription), builder: roots.builder, warnings: roots.builder.warnings };
}

interface Roots {
  readonly builder: SchemaBuilder;
  readonly query: GraphQLObjectType;
  readonly mutation: GraphQLObjectType | undefined;
  readonly subscription: GraphQLObjectType | undefined;
  /** the root types there are: query_root, mutation_root, subscription_root */
  readonly types: readonly GraphQLObjectType[];
}

/**
 * The root types. The other types are made as graphql-js asks for their fields (thunks):
 * building a root field's type does not build the types of related tables yet.
 */
function buildRoots(graph: TypeGraph, naming: GraphqlNaming): Roots {
  const builder = new SchemaBuilder(graph, { byResponseKey, relation: relationResolver }, naming);
  const query: FieldThunks = new Map();
  for (const entity of builder.entities) {
    query.set(builder.rootField(entity, undefined), () => ({
      type: listOf(builder.objectType(entity)),
      args: builder.selectArgs(entity),
      resolve: rootResolver,
      description: `fetch data from the table: "${entity.schema}.${entity.dbName}"`,
      extensions: { pgduetRoot: { kind: 'select', entity } },
    }));
    query.set(builder.rootField(entity, undefined, 'aggregate'), () => ({
      type: new GraphQLNonNull(builder.aggregateType(entity)),
      args: builder.selectArgs(entity),
      resolve: rootResolver,
      description: `fetch aggregated fields from the table: "${entity.schema}.${entity.dbName}"`,
      extensions: { pgduetRoot: { kind: 'select_aggregate', entity } },
    }));
    if (hasUsablePk(builder, entity)) {
      query.set(builder.rootField(entity, undefined, 'by_pk'), () => ({
        type: builder.objectType(entity),
        args: pkArgs(builder, entity) ?? {},
        resolve: rootResolver,
        description: `fetch data from the table: "${entity.schema}.${entity.dbName}" using primary key columns`,
        extensions: { pgduetRoot: { kind: 'select_by_pk', entity } },
      }));
    }
  }
  const mutation = mutationFields(builder);
  for (const fn of graph.functions) addFunction(builder, fn, fn.volatility === 'volatile' ? mutation : query);
  addGroups(builder, query);

  // Hasura: every query root field is also a live query, and each table has a `_stream` field
  const subscription = subscriptionFields(builder, query).map((fields) => affixed(fields, naming));
  // a role that may read nothing still gets a valid schema (GraphQL needs one query field), as in Hasura
  const queryRoot = new LazyRootType(naming.roots.query, query.size > 0 ? affixed(query, naming) : NO_QUERIES);
  const mutationRoot = mutation.size > 0 ? new LazyRootType(naming.roots.mutation, affixed(mutation, naming)) : undefined;
  const subscriptionRoot = subscription.some((fields) => fields.size > 0) ? new LazyRootType(naming.roots.subscription, subscription) : undefined;
  const types = [queryRoot, ...(mutationRoot === undefined ? [] : [mutationRoot]), ...(subscriptionRoot === undefined ? [] : [subscriptionRoot])];
  return { builder, query: queryRoot, mutation: mutationRoot, subscription: subscriptionRoot, types };
}

/** Root fields under the names the schema shows (a source's root field prefix and suffix), once every name is made. */
function affixed(fields: FieldThunks, naming: GraphqlNaming): FieldThunks {
  if (naming.rootField === SAME_ROOT_FIELD) return fields;
  return new Map([...fields].map(([name, thunk]) => [naming.rootField(name), thunk]));
}

/**
 * `<t>_groups` for every table (group-types.ts), after the other root fields: left out, with a
 * warning, where a table or function already has a name it would make (`film_group`…).
 */
function addGroups(builder: SchemaBuilder, query: FieldThunks): void {
  const tables = new Set(builder.entities.map((e) => builder.typeName(e)));
  for (const entity of builder.entities) {
    const names = groupTypeNames(builder, entity);
    const taken = names.all.find((n) => tables.has(n) || query.has(n));
    if (taken !== undefined) {
      builder.warnings.push(`${entity.schema}.${entity.dbName}: "${taken}" is taken; its ${names.field} field is left out`);
      continue;
    }
    const field = groupsRootField(builder, entity, { byResponseKey, root: rootResolver });
    if (field !== undefined) query.set(names.field, field);
  }
}

/**
 * The schema of the roots and every type they reach (`types`, from TypeWalk): given them all,
 * graphql-js's own collection does not recurse along relationships (see collect-types.ts).
 */
function finishSchema(roots: Roots, types: readonly GraphQLNamedType[]): BuiltSchema {
  const { query, mutation, subscription } = roots;
  const schema = new GraphQLSchema({ query, ...(mutation === undefined ? {} : { mutation }), ...(subscription === undefined ? {} : { subscription }), types, directives: SCHEMA_DIRECTIVES });
  return { schema, builder: roots.builder, warnings: roots.builder.warnings };
}

/** Whether the primary key's columns are all in the schema (`<t>_by_pk` exists): its arguments are made with the field. */
function hasUsablePk(builder: SchemaBuilder, entity: Entity): boolean {
  if (entity.primaryKey.length === 0) return false;
  const columns = builder.columns(entity);
  return entity.primaryKey.every((dbName) => columns.some((c) => c.dbName === dbName));
}

/** The primary key columns as non-null arguments, or undefined when there is no usable key. */
export function pkArgs(builder: SchemaBuilder, entity: Entity): GraphQLFieldConfigArgumentMap | undefined {
  if (entity.primaryKey.length === 0) return undefined;
  const columns = builder.columns(entity);
  const args: GraphQLFieldConfigArgumentMap = {};
  for (const dbName of entity.primaryKey) {
    const column = columns.find((c) => c.dbName === dbName);
    if (column === undefined) return undefined;
    args[column.name] = { type: new GraphQLNonNull(builder.columnInputType(column)) };
  }
  return args;
}

/**
 * Functions: a stable function returning rows of a table is a query field (with the table's
 * where/order_by/limit and an `_aggregate` twin); a stable scalar function is a query field;
 * a volatile one is a mutation field. Arguments come in one `args` object, as in Hasura.
 */
function addFunction(builder: SchemaBuilder, fn: FunctionDef, fields: FieldThunks): void {
  const name = builder.names.function(fn);
  const base = builder.names.functionBase(fn);
  if (name === undefined || base === undefined || fn.kind === 'procedure') return;
  if (isComputedField(fn)) return;
  const argsType = functionArgsType(builder, fn, base);
  const args: GraphQLFieldConfigArgumentMap = argsType === undefined ? {} : { args: { type: fn.args.some((a) => !a.hasDefault) ? new GraphQLNonNull(argsType) : argsType } };
  const description = fn.description ?? `${fn.volatility} function "${fn.schema}.${fn.dbName}"`;
  if (fn.returns.kind === 'entity') {
    const entity = findEntity(builder.graph, fn.returns.entity);
    if (entity === undefined || builder.names.entity(entity) === undefined) return;
    if (!fn.returns.set) {
      fields.set(name, () => ({ type: builder.objectType(entity), args, resolve: rootResolver, description, extensions: { pgduetRoot: { kind: 'function_rows', fn, entity } } }));
      return;
    }
    fields.set(name, () => ({
      type: listOf(builder.objectType(entity)),
      args: { ...args, ...builder.selectArgs(entity) },
      resolve: rootResolver,
      description,
      extensions: { pgduetRoot: { kind: 'function_rows', fn, entity } },
    }));
    if (fn.volatility !== 'volatile') {
      fields.set(builder.naming.field(base, 'aggregate'), () => ({
        type: new GraphQLNonNull(builder.aggregateType(entity)),
        args: { ...args, ...builder.selectArgs(entity) },
        resolve: rootResolver,
        description,
        extensions: { pgduetRoot: { kind: 'function_aggregate', fn, entity } },
      }));
    }
    return;
  }
  if (fn.returns.kind === 'value') {
    const type = builder.outputType(fn.returns.type);
    const set = fn.returns.set;
    fields.set(name, () => ({ type: set ? new GraphQLList(type) : type, args, resolve: rootResolver, description, extensions: { pgduetRoot: { kind: 'function_value', fn } } }));
  }
}

function functionArgsType(builder: SchemaBuilder, fn: FunctionDef, base: NameBase) {
  if (fn.args.length === 0) return undefined;
  const fields: GraphQLInputFieldConfigMap = {};
  fn.args.forEach((arg, i) => {
    if (!isValidName(arg.name ?? `arg_${i + 1}`)) return;
    const type = builder.inputType(arg.type);
    fields[builder.argumentName(arg.name, i)] = { type: arg.hasDefault ? type : new GraphQLNonNull(type) };
  });
  return builder.input(builder.naming.type(base, 'args'), () => ({ fields }));
}

const NO_QUERIES: FieldThunks = new Map([
  ['no_queries_available', () => ({ type: new GraphQLNonNull(GraphQLString), description: 'this role may read nothing', resolve: () => '' })],
]);
