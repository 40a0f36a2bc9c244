import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import type { Column, Entity } from '../model/index.js';
import type { FieldMeta } from './meta.js';
import { toGraphqlName } from './names.js';
import { byResponseKey, rootResolver } from './resolvers.js';
import type { RootMeta } from './meta.js';
import { isJson, isNumeric, HasuraInt } from './scalars.js';
import type { FieldThunks } from './lazy-root.js';
import { listOf, type SchemaBuilder } from './schema-builder.js';

/**
 * The mutation root fields of every table (and updatable view) that accepts them, in
 * Hasura's shape: insert_<t>, insert_<t>_one, update_<t>, update_<t>_by_pk, update_<t>_many,
 * delete_<t>, delete_<t>_by_pk.
 */
export function mutationFields(builder: SchemaBuilder): FieldThunks {
  const fields: FieldThunks = new Map();
  for (const entity of builder.entities) {
    const pk = pkColumns(builder, entity);
    const root = (kind: 'insert' | 'insert_one' | 'update' | 'update_by_pk' | 'update_many' | 'delete' | 'delete_by_pk'): RootMeta => ({ kind, entity });
    if (entity.operations.insert && writableColumns(builder, entity).length > 0) {
      fields.set(builder.rootField(entity, 'insert'), () => ({
        type: mutationResponseType(builder, entity),
        args: {
          objects: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(insertInputType(builder, entity)))), description: 'the rows to be inserted' },
          ...onConflictArg(builder, entity),
        },
        resolve: rootResolver,
        extensions: { pgduetRoot: root('insert') },
        description: `insert data into the table: "${entity.schema}.${entity.dbName}"`,
      }));
      fields.set(builder.rootField(entity, 'insert', 'one'), () => ({
        type: builder.objectType(entity),
        args: {
          object: { type: new GraphQLNonNull(insertInputType(builder, entity)), description: 'the row to be inserted' },
          ...onConflictArg(builder, entity),
        },
        resolve: rootResolver,
        extensions: { pgduetRoot: root('insert_one') },
        description: `insert a single row into the table: "${entity.schema}.${entity.dbName}"`,
      }));
    }
    if (entity.operations.update && writableColumns(builder, entity).length > 0) {
      const operators = () => updateOperatorArgs(builder, entity);
      fields.set(builder.rootField(entity, 'update'), () => ({
        type: mutationResponseType(builder, entity),
        args: { ...operators(), where: { type: new GraphQLNonNull(builder.boolExpType(entity)), description: 'filter the rows which have to be updated' } },
        resolve: rootResolver,
        extensions: { pgduetRoot: root('update') },
        description: `update data of the table: "${entity.schema}.${entity.dbName}"`,
      }));
      if (pk !== undefined) {
        fields.set(builder.rootField(entity, 'update', 'by_pk'), () => ({
          type: builder.objectType(entity),
          args: { ...operators(), [builder.naming.field('pk_columns')]: { type: new GraphQLNonNull(pkColumnsInput(builder, entity, pk)) } },
          resolve: rootResolver,
        extensions: { pgduetRoot: root('update_by_pk') },
          description: `update single row of the table: "${entity.schema}.${entity.dbName}"`,
        }));
      }
      fields.set(builder.rootField(entity, 'update', 'many'), () => ({
        type: new GraphQLList(mutationResponseType(builder, entity)),
        args: {
          updates: {
            type: new GraphQLNonNull(
              new GraphQLList(
                new GraphQLNonNull(
                  builder.input(builder.entityType(entity, 'updates'), () => ({
                    fields: () => ({ ...operators(), where: { type: new GraphQLNonNull(builder.boolExpType(entity)) } }) as GraphQLInputFieldConfigMap,
                  })),
                ),
              ),
            ),
            description: 'updates to execute, in order',
          },
        },
        resolve: rootResolver,
        extensions: { pgduetRoot: root('update_many') },
        description: `update multiples rows of table: "${entity.schema}.${entity.dbName}"`,
      }));
    }
    if (entity.operations.delete) {
      fields.set(builder.rootField(entity, 'delete'), () => ({
        type: mutationResponseType(builder, entity),
        args: { where: { type: new GraphQLNonNull(builder.boolExpType(entity)), description: 'filter the rows which have to be deleted' } },
        resolve: rootResolver,
        extensions: { pgduetRoot: root('delete') },
        description: `delete data from the table: "${entity.schema}.${entity.dbName}"`,
      }));
      if (pk !== undefined) {
        fields.set(builder.rootField(entity, 'delete', 'by_pk'), () => ({
          type: builder.objectType(entity),
          args: Object.fromEntries(pk.map((c) => [c.name, { type: new GraphQLNonNull(builder.columnInputType(c)) }])),
          resolve: rootResolver,
        extensions: { pgduetRoot: root('delete_by_pk') },
          description: `delete single row from the table: "${entity.schema}.${entity.dbName}"`,
        }));
      }
    }
  }
  return fields;
}

function pkColumns(builder: SchemaBuilder, entity: Entity): Column[] | undefined {
  if (entity.primaryKey.length === 0) return undefined;
  const columns = builder.columns(entity);
  const pk = entity.primaryKey.map((dbName) => columns.find((c) => c.dbName === dbName));
  return pk.every((c) => c !== undefined) ? (pk as Column[]) : undefined;
}

/** Columns an INSERT or UPDATE may name: not generated, not GENERATED ALWAYS AS IDENTITY. */
export function writableColumns(builder: SchemaBuilder, entity: Entity): Column[] {
  return builder.columns(entity).filter((c) => !c.generated && c.identity !== 'always');
}

export function insertInputType(builder: SchemaBuilder, entity: Entity): GraphQLInputObjectType {
  return builder.input(builder.entityType(entity, 'insert_input'), () => ({
    description: `input type for inserting data into table "${entity.schema}.${entity.dbName}"`,
    fields: () => {
      const fields: GraphQLInputFieldConfigMap = {};
      for (const column of writableColumns(builder, entity)) fields[column.name] = { type: builder.columnInputType(column) };
      for (const { relation, target } of builder.relations(entity)) {
        // nested inserts need a real foreign key to fill, and a target that accepts inserts
        if (relation.origin !== 'foreign_key' || relation.through !== undefined || !target.operations.insert) continue;
        if (relation.type === 'object') {
          fields[relation.name] = {
            type: builder.input(builder.entityType(target, 'obj_rel_insert_input'), () => ({
              description: `input type for inserting object relation for remote table "${target.schema}.${target.dbName}"`,
              fields: () => ({ data: { type: new GraphQLNonNull(insertInputType(builder, target)) }, ...onConflictArg(builder, target) }),
            })),
          };
        } else {
          fields[relation.name] = {
            type: builder.input(builder.entityType(target, 'arr_rel_insert_input'), () => ({
              description: `input type for inserting array relation for remote table "${target.schema}.${target.dbName}"`,
              fields: () => ({ data: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(insertInputType(builder, target)))) }, ...onConflictArg(builder, target) }),
            })),
          };
        }
      }
      return fields;
    },
  }));
}

/** The `on_conflict` argument or input field (a nested insert's), when the table has a unique key. */
function onConflictArg(builder: SchemaBuilder, target: Entity): GraphQLInputFieldConfigMap {
  const type = onConflictType(builder, target);
  return type === undefined ? {} : { [builder.naming.field('on_conflict')]: { type, description: 'upsert condition' } };
}

/** `on_conflict: {constraint, update_columns, where}`; undefined when the table has no unique key. */
function onConflictType(builder: SchemaBuilder, entity: Entity): GraphQLInputObjectType | undefined {
  const constraints = [...(entity.primaryKey.length > 0 ? [pkConstraintName(entity)] : []), ...entity.uniqueKeys.map((u) => u.name)].filter(
    (c): c is string => c !== undefined,
  );
  if (constraints.length === 0) return undefined;
  const constraintEnum = builder.namedEnum(builder.entityType(entity, 'constraint'), () => ({
    description: `unique or primary key constraints on table "${entity.schema}.${entity.dbName}"`,
    // graphql-default: camelCase, as Hasura since its September 2023 naming fixes (`film_pkey` → `filmPkey`)
    values: Object.fromEntries(constraints.map((c) => [builder.naming.field(toGraphqlName(c)), { value: c }])),
  }));
  const updateColumn = builder.namedEnum(builder.entityType(entity, 'update_column'), () => ({
    description: `update columns of table "${entity.schema}.${entity.dbName}"`,
    values: Object.fromEntries(writableColumns(builder, entity).map((c) => [c.name, { value: c.dbName }])),
  }));
  return builder.input(builder.entityType(entity, 'on_conflict'), () => ({
    description: `on_conflict condition type for table "${entity.schema}.${entity.dbName}"`,
    fields: () => ({
      constraint: { type: new GraphQLNonNull(constraintEnum) },
      [builder.naming.field('update_columns')]: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(updateColumn))), defaultValue: [] },
      where: { type: builder.boolExpType(entity) },
    }),
  }));
}

/** PostgreSQL names a primary key `<table>_pkey` unless told otherwise; the catalog knows. */
function pkConstraintName(entity: Entity): string | undefined {
  return entity.primaryKeyConstraint;
}

function updateOperatorArgs(builder: SchemaBuilder, entity: Entity): GraphQLFieldConfigArgumentMap {
  const columns = writableColumns(builder, entity);
  const args: GraphQLFieldConfigArgumentMap = {};
  const add = (arg: string, suffix: string, list: readonly Column[], type: (c: Column) => GraphQLInputType, description: string): void => {
    if (list.length === 0) return;
    args[builder.naming.field(arg)] = {
      description,
      type: builder.input(builder.entityType(entity, suffix), () => ({
        fields: () => Object.fromEntries(list.map((c) => [c.name, { type: type(c) }])),
      })),
    };
  };
  const ofType = (c: Column): GraphQLInputType => builder.inputType(c.type);
  // a column of an enum table's values takes the enum (`<t>_enum`), as in insert_input
  add('_set', 'set_input', columns, (c) => builder.columnInputType(c), 'sets the columns of the filtered rows to the given values');
  add('_inc', 'inc_input', columns.filter((c) => isNumeric(c.type)), ofType, 'increments the numeric columns with given value of the filtered values');
  const json = columns.filter((c) => isJson(c.type) && c.type.kind === 'scalar' && c.type.name === 'jsonb');
  add('_append', 'append_input', json, ofType, 'append existing jsonb value of filtered columns with new jsonb value');
  add('_prepend', 'prepend_input', json, ofType, 'prepend existing jsonb value of filtered columns with new jsonb value');
  add('_delete_key', 'delete_key_input', json, () => GraphQLString, 'delete key/value pair or string element. key/value pairs are matched based on their key value');
  add('_delete_elem', 'delete_elem_input', json, () => HasuraInt, 'delete the array element with specified index (negative integers count from the end). throws an error if top level container is not an array');
  add('_delete_at_path', 'delete_at_path_input', json, () => new GraphQLList(new GraphQLNonNull(GraphQLString)), 'delete the field or element with specified path (for JSON arrays, negative integers count from the end)');
  return args;
}

function pkColumnsInput(builder: SchemaBuilder, entity: Entity, pk: readonly Column[]): GraphQLInputObjectType {
  return builder.input(builder.entityType(entity, 'pk_columns_input'), () => ({
    description: `primary key columns input for table: ${entity.schema}.${entity.dbName}`,
    fields: () => Object.fromEntries(pk.map((c) => [c.name, { type: new GraphQLNonNull(builder.columnInputType(c)) }])),
  }));
}

export function mutationResponseType(builder: SchemaBuilder, entity: Entity): GraphQLObjectType {
  const meta = (m: FieldMeta): { pgduet: FieldMeta } => ({ pgduet: m });
  return builder.object(builder.entityType(entity, 'mutation_response'), () => ({
    description: `response of any mutation on the table "${entity.schema}.${entity.dbName}"`,
    fields: () => ({
      [builder.naming.field('affected_rows')]: { type: new GraphQLNonNull(HasuraInt), description: 'number of rows affected by the mutation', extensions: meta({ kind: 'affected_rows' }), resolve: byResponseKey },
      returning: { type: listOf(builder.objectType(entity)), description: 'data from the rows affected by the mutation', extensions: meta({ kind: 'returning' }), resolve: byResponseKey },
    }),
  }));
}

