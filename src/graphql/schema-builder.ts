import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLError,
  GraphQLObjectType,
  GraphQLScalarType,
  Kind,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLFieldResolver,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectTypeConfig,
  type GraphQLOutputType,
  type ValueNode,
} from 'graphql';
import { findEntity, type Column, type Entity, type EnumDef, type FunctionDef, type Relation, type RootFieldKind, type TypeGraph, type TypeRef } from '../model/index.js';
import { castTargets, defaultArgumentName, type AggregateFunction } from '../plan/index.js';
import type { GraphqlContext } from './context.js';
import type { FieldMeta } from './meta.js';
import type { SelectArgs } from './to-plan.js';
import { GraphqlNames, entityKey, isComputedField, isValidName, toGraphqlName } from './names.js';
import { graphqlDefaultGraph, graphqlNaming, type GraphqlNaming, type NameBase } from './naming.js';
import { ScalarRegistry, isComparable, isJson, isNumeric, isOrdered, isTextual, HasuraInt } from './scalars.js';

/** Resolvers the builder attaches; they live in resolve-*.ts, the builder only makes types. */
export interface FieldResolvers {
  /** reads `source[responseKey]`: PostgreSQL built the objects with response keys */
  readonly byResponseKey: GraphQLFieldResolver<unknown, GraphqlContext>;
  readonly relation: GraphQLFieldResolver<unknown, GraphqlContext, SelectArgs>;
}

const INT4: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'int4' };
const BOOL: TypeRef = { kind: 'scalar', schema: 'pg_catalog', name: 'bool' };
const TEXT = { kind: 'scalar', schema: 'pg_catalog', name: 'text' } as const;
const JSONB = { kind: 'scalar', schema: 'pg_catalog', name: 'jsonb' } as const;
const NUMERIC_FUNCTIONS = ['sum', 'avg', 'stddev', 'stddev_pop', 'stddev_samp', 'var_pop', 'var_samp', 'variance'] as const;
const ORDERED_FUNCTIONS = ['max', 'min'] as const;

/** The GraphQL types of one type graph, made once and cached by name. */
export class SchemaBuilder {
  readonly graph: TypeGraph;
  readonly names: GraphqlNames;
  /** how names are spelled: hasura-default or graphql-default (naming.ts) */
  readonly naming: GraphqlNaming;
  readonly scalars = new ScalarRegistry();
  readonly warnings: string[];
  readonly #resolvers: FieldResolvers;
  readonly #objects = new Map<string, GraphQLObjectType>();
  readonly #inputs = new Map<string, GraphQLInputObjectType>();
  readonly #enums = new Map<string, GraphQLEnumType>();
  readonly #enumScalars = new Map<string, GraphQLScalarType>();

  constructor(graph: TypeGraph, resolvers: FieldResolvers, naming: GraphqlNaming = graphqlNaming()) {
    // graphql-default renames columns, relationships and functions; database names, and so Plans, stay
    this.graph = naming.convention === 'graphql-default' ? graphqlDefaultGraph(graph) : graph;
    this.naming = naming;
    this.names = new GraphqlNames(this.graph, naming);
    this.warnings = this.names.warnings;
    this.#resolvers = resolvers;
  }

  /** Entities that got a GraphQL name. */
  get entities(): Entity[] {
    return this.graph.entities.filter((e) => this.names.entity(e) !== undefined);
  }

  typeName(entity: Entity): string {
    const name = this.names.entity(entity);
    if (name === undefined) throw new Error(`${entity.schema}.${entity.dbName} has no GraphQL name`);
    return name;
  }

  /** A PostgreSQL enum or composite type's GraphQL name (before `typePrefix`): `rating`, `other_rating`. */
  pgTypeName(type: { readonly schema: string; readonly name: string }): string {
    return toGraphqlName(type.schema === this.graph.schemas[0] ? type.name : `${type.schema}_${type.name}`);
  }

  /** A type named after an entity: `entityType(film, 'bool_exp')` → `film_bool_exp` | `FilmBoolExp`. */
  entityType(entity: Entity, suffix: string): string {
    return this.naming.type(this.#base(entity), suffix);
  }

  /** A root field of an entity: `rootField(film, 'insert', 'one')` → `insert_film_one` | `insertFilmOne`. */
  rootField(entity: Entity, prefix: string | undefined, suffix?: string): string {
    // a name the config gives (Hasura's custom_root_fields) is used as written, in either convention
    if (entity.rootFields !== undefined) {
      const custom = entity.rootFields[[prefix ?? 'select', ...(suffix === undefined ? [] : [suffix])].join('_') as RootFieldKind];
      if (custom !== undefined) return custom;
    }
    const base = this.#base(entity);
    return this.naming.field(...(prefix === undefined ? [] : [prefix]), base, ...(suffix === undefined ? [] : [suffix]));
  }

  #base(entity: Entity): NameBase {
    // by the entity object: a root field name per kind and table is asked for at start-up (~120,000 at 10,000 tables)
    let base = this.#bases.get(entity);
    if (base === undefined) {
      base = this.names.entityBase(entity);
      if (base === undefined) throw new Error(`${entity.schema}.${entity.dbName} has no GraphQL name`);
      this.#bases.set(entity, base);
    }
    return base;
  }

  readonly #bases = new Map<Entity, NameBase>();

  target(relation: Relation): Entity | undefined {
    const target = findEntity(this.graph, relation.target);
    return target !== undefined && this.names.entity(target) !== undefined ? target : undefined;
  }

  readonly #columns = new Map<Entity, Column[]>();
  readonly #relations = new Map<Entity, { relation: Relation; target: Entity }[]>();

  /** Columns with a name GraphQL can spell (memoized: resolvers ask on every request). */
  columns(entity: Entity): Column[] {
    let columns = this.#columns.get(entity);
    if (columns === undefined) {
      columns = entity.columns.filter((c) => isValidName(c.name) && this.#supported(c.type));
      this.#columns.set(entity, columns);
    }
    return columns;
  }

  /** Relationships whose target is in the schema (memoized). */
  relations(entity: Entity): { relation: Relation; target: Entity }[] {
    let relations = this.#relations.get(entity);
    if (relations === undefined) {
      relations = this.#computeRelations(entity);
      this.#relations.set(entity, relations);
    }
    return relations;
  }

  #computeRelations(entity: Entity): { relation: Relation; target: Entity }[] {
    const columns = new Set(this.columns(entity).map((c) => c.name));
    const exposed = new Set(entity.columns.map((c) => c.dbName));
    return entity.relations.flatMap((relation) => {
      const target = this.target(relation);
      // Hasura infers no relationship through a view (REST does, as PostgREST)
      if (relation.viaView === true || target === undefined || !isValidName(relation.name) || columns.has(relation.name)) return [];
      // the join reads the parent's key columns: an omitted key column leaves the relationship out
      if (!relation.mapping.every((p) => exposed.has(p.from))) return [];
      return [{ relation, target }];
    });
  }

  computedFields(entity: Entity): FunctionDef[] {
    const taken = new Set([...this.columns(entity).map((c) => c.name), ...this.relations(entity).map((r) => r.relation.name)]);
    return this.graph.functions.filter(
      (fn) =>
        fn.computedFieldOf !== undefined &&
        fn.computedFieldOf.schema === entity.schema &&
        fn.computedFieldOf.dbName === entity.dbName &&
        isComputedField(fn) &&
        fn.args.slice(1).every((a) => a.name !== null && isValidName(a.name) && this.#supported(a.type)) &&
        fn.returns.kind === 'value' &&
        !fn.returns.set &&
        isValidName(fn.name) &&
        !taken.has(fn.name) &&
        this.#supported(fn.returns.type),
    );
  }

  #supported(type: TypeRef): boolean {
    if (type.kind === 'unsupported') return false;
    if (type.kind === 'array') return this.#supported(type.element);
    if (type.kind === 'enum') return this.graph.enums.some((e) => e.schema === type.schema && e.dbName === type.name);
    return true;
  }

  // ---------------------------------------------------------------- output types

  /** The GraphQL output type of a PostgreSQL type (without the non-null wrapper). */
  outputType(type: TypeRef): GraphQLOutputType {
    switch (type.kind) {
      case 'array':
        return new GraphQLList(this.outputType(type.element));
      case 'enum':
        return this.enumType(type);
      case 'composite':
        return this.compositeType(type);
      case 'scalar':
      case 'range':
        return this.scalars.scalarFor(type);
      case 'unsupported':
        throw new Error(`unsupported type ${type.schema}.${type.name}`);
    }
  }

  inputType(type: TypeRef): GraphQLInputType {
    switch (type.kind) {
      case 'array':
        return new GraphQLList(this.inputType(type.element));
      case 'enum':
        return this.enumType(type);
      case 'composite':
        // composite values are written as JSON objects
        return this.scalars.scalarFor({ kind: 'scalar', schema: 'pg_catalog', name: 'jsonb' });
      case 'scalar':
      case 'range':
        return this.scalars.scalarFor(type);
      case 'unsupported':
        throw new Error(`unsupported type ${type.schema}.${type.name}`);
    }
  }

  /**
   * A native enum as Hasura exposes it: a scalar named after the type whose values are the
   * enum's own labels (`"PG-13"`), as literals and variables, with the comparison operators
   * (`mpaa_rating_comparison_exp`). A bare name that is a label (`_eq: PG`), or a label as
   * GraphQL would spell it (`PG_13`), is taken too.
   */
  enumType(type: { readonly schema: string; readonly name: string }): GraphQLScalarType {
    const name = this.naming.typePrefix + this.pgTypeName(type);
    let scalar = this.#enumScalars.get(name);
    if (scalar !== undefined) return scalar;
    const def: EnumDef | undefined = this.graph.enums.find((e) => e.schema === type.schema && e.dbName === type.name);
    const labels = def?.values ?? [];
    const bySpelling = new Map(labels.map((label) => [toGraphqlName(label), label]));
    // a literal's error names its node, so that its `extensions.path` is the argument's (not `$`)
    const parse = (value: unknown, node?: ValueNode): string => {
      if (typeof value === 'string' && labels.includes(value)) return value;
      throw new GraphQLError(`expected one of the values ${labels.map((l) => `'${l}'`).join(', ')} for type '${name}', but found ${JSON.stringify(value)}`, node === undefined ? {} : { nodes: node });
    };
    scalar = new GraphQLScalarType({
      name,
      description: def?.description ?? `the PostgreSQL enum ${type.name}: ${labels.map((l) => JSON.stringify(l)).join(', ')}`,
      serialize: (value) => value,
      parseValue: parse,
      parseLiteral: (ast) => {
        if (ast.kind === Kind.STRING) return parse(ast.value, ast);
        if (ast.kind === Kind.ENUM) return parse(labels.includes(ast.value) ? ast.value : (bySpelling.get(ast.value.replace(/^_(true|false|null)$/, '$1')) ?? ast.value), ast);
        throw new GraphQLError(`expected a string for type '${name}'`, { nodes: ast });
      },
    });
    this.#enumScalars.set(name, scalar);
    return scalar;
  }

  /**
   * Hasura's enum tables: a column referencing an enum table's `value` is of the GraphQL enum
   * `<table>_enum`, whose values are the table's rows (described by their `comment`). When the
   * table is not in the schema, or a value is no GraphQL name, the column stays text.
   */
  enumTableType(column: Column): GraphQLEnumType | undefined {
    if (column.enumTable === undefined) return undefined;
    const table = findEntity(this.graph, column.enumTable);
    const values = table?.enumValues;
    if (table === undefined || values === undefined || this.names.entity(table) === undefined) return undefined;
    if (!values.every((v) => isValidName(v.value) && !['true', 'false', 'null'].includes(v.value))) return undefined;
    // graphql-default spells the values upper case (`SUNDAY` for 'Sunday'), as Hasura does; two that would meet stay text
    const names = values.map((v) => this.naming.enumValue(v.value));
    if (new Set(names).size !== names.length) return undefined;
    return this.namedEnum(this.entityType(table, 'enum'), () => ({
      ...(table.description === undefined ? {} : { description: table.description }),
      values: Object.fromEntries(values.map((v, i) => [names[i] as string, { value: v.value, ...(v.comment === undefined ? {} : { description: v.comment }) }])),
    }));
  }

  /** A column's output type (without non-null): its enum table's enum, or its PostgreSQL type's. */
  columnOutputType(column: Column): GraphQLOutputType {
    return this.enumTableType(column) ?? this.outputType(column.type);
  }

  columnInputType(column: Column): GraphQLInputType {
    return this.enumTableType(column) ?? this.inputType(column.type);
  }

  /** `<t>_enum_comparison_exp` (`_eq _neq _in _nin _is_null`) for an enum table's column, else its type's. */
  columnComparisonType(column: Column): GraphQLInputObjectType {
    const type = this.enumTableType(column);
    if (type === undefined) return this.comparisonType(column.type);
    return this.input(this.naming.type(this.#unprefixed(type.name), 'comparison_exp'), () => ({
      description: `Boolean expression to compare columns of type "${type.name}". All fields are combined with logical 'AND'.`,
      fields: () => ({
        _eq: { type },
        _in: { type: new GraphQLList(new GraphQLNonNull(type)) },
        [this.naming.field('_is_null')]: { type: GraphQLBoolean },
        _neq: { type },
        _nin: { type: new GraphQLList(new GraphQLNonNull(type)) },
      }),
    }));
  }

  compositeType(type: { readonly schema: string; readonly name: string }): GraphQLObjectType {
    const def = this.graph.composites.find((c) => c.schema === type.schema && c.dbName === type.name);
    const name = this.naming.typePrefix + this.pgTypeName(type);
    return this.object(name, () => ({
      ...(def?.description === undefined ? {} : { description: def.description }),
      fields: () =>
        Object.fromEntries(
          (def?.fields ?? []).filter((f) => isValidName(f.name) && this.#supported(f.type)).map((f) => [
            f.name,
            { type: this.outputType(f.type) },
          ]),
        ),
    }));
  }

  /** The object type of an entity: columns, relationships, aggregates of relationships, computed fields. */
  objectType(entity: Entity): GraphQLObjectType {
    const name = this.typeName(entity);
    return this.object(name, () => ({
      ...(entity.description === undefined ? {} : { description: entity.description }),
      fields: () => {
        const fields: GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
        for (const column of this.columns(entity)) {
          const field = this.#field(nonNullIf(this.columnOutputType(column), !column.nullable), { kind: 'column', column }, column.description);
          // Hasura's `path` of a json/jsonb column: the JSON found there
          const json = column.type.kind === 'scalar' && column.type.schema === 'pg_catalog' && (column.type.name === 'jsonb' || column.type.name === 'json');
          fields[column.name] = json ? { ...field, args: { path: { type: this.scalars.scalarFor(TEXT), description: 'JSON select path' } } } : field;
        }
        for (const { relation, target } of this.relations(entity)) {
          const meta: FieldMeta = { kind: 'relation', source: entity, relation, target };
          if (relation.type === 'object') {
            fields[relation.name] = { ...this.#field(this.objectType(target), meta), resolve: this.#resolvers.relation };
            continue;
          }
          fields[relation.name] = {
            ...this.#field(listOf(this.objectType(target)), meta),
            args: this.selectArgs(target),
            resolve: this.#resolvers.relation,
          };
          const aggregateName = this.naming.field(relation.name, 'aggregate');
          if (!(aggregateName in fields)) {
            fields[aggregateName] = {
              ...this.#field(new GraphQLNonNull(this.aggregateType(target)), { kind: 'relation_aggregate', source: entity, relation, target }),
              args: this.selectArgs(target),
              resolve: this.#resolvers.relation,
            };
          }
        }
        for (const fn of this.computedFields(entity)) {
          if (fn.returns.kind !== 'value') continue;
          const field = this.#field(this.outputType(fn.returns.type), { kind: 'computed', fn }, fn.description);
          const argsType = this.#computedArgsType(entity, fn);
          fields[fn.name] = argsType === undefined ? field : { ...field, args: { args: { type: fn.args.slice(1).some((a) => !a.hasDefault) ? new GraphQLNonNull(argsType) : argsType } } };
        }
        return fields;
      },
    }));
  }

  /** where, order_by, limit, offset, distinct_on */
  selectArgs(entity: Entity): GraphQLFieldConfigArgumentMap {
    return {
      [this.naming.field('distinct_on')]: { type: new GraphQLList(new GraphQLNonNull(this.selectColumnEnum(entity))), description: 'distinct select on columns' },
      limit: { type: HasuraInt, description: 'limit the number of rows returned' },
      offset: { type: HasuraInt, description: 'skip the first n rows. Use only with order_by' },
      [this.naming.field('order_by')]: { type: new GraphQLList(new GraphQLNonNull(this.orderByType(entity))), description: 'sort the rows by one or more columns' },
      where: { type: this.boolExpType(entity), description: 'filter the rows returned' },
    };
  }

  aggregateType(entity: Entity): GraphQLObjectType {
    const name = this.entityType(entity, 'aggregate');
    return this.object(name, () => ({
      description: `aggregated selection of "${this.typeName(entity)}"`,
      fields: () => ({
        aggregate: this.#field(this.aggregateFieldsType(entity), { kind: 'aggregate_fields' }),
        nodes: this.#field(listOf(this.objectType(entity)), { kind: 'nodes' }),
      }),
    }));
  }

  aggregateFieldsType(entity: Entity): GraphQLObjectType {
    const name = this.entityType(entity, 'aggregate_fields');
    return this.object(name, () => ({
      description: `aggregate fields of "${this.typeName(entity)}"`,
      fields: () => {
        const fields: GraphQLFieldConfigMap<unknown, GraphqlContext> = {
          count: {
            ...this.#field(new GraphQLNonNull(HasuraInt), { kind: 'count' }),
            args: {
              columns: { type: new GraphQLList(new GraphQLNonNull(this.selectColumnEnum(entity))) },
              distinct: { type: GraphQLBoolean },
            },
          },
        };
        const numeric = this.columns(entity).filter((c) => isNumeric(c.type));
        const ordered = this.columns(entity).filter((c) => isOrdered(c.type));
        for (const fn of NUMERIC_FUNCTIONS) {
          if (numeric.length > 0) fields[this.naming.field(fn)] = this.#field(this.#aggregateColumnsType(entity, fn, numeric), { kind: 'aggregate_function', fn });
        }
        for (const fn of ORDERED_FUNCTIONS) {
          if (ordered.length > 0) fields[this.naming.field(fn)] = this.#field(this.#aggregateColumnsType(entity, fn, ordered), { kind: 'aggregate_function', fn });
        }
        return fields;
      },
    }));
  }

  #aggregateColumnsType(entity: Entity, fn: Exclude<AggregateFunction, 'count'>, columns: readonly Column[]): GraphQLObjectType {
    const name = this.entityType(entity, `${fn}_fields`);
    return this.object(name, () => ({
      description: `aggregate ${fn} on columns`,
      fields: () =>
        Object.fromEntries(
          columns.map((column) => [column.name, this.#field(this.#aggregateOutput(fn, column.type), { kind: 'aggregate_column', column })]),
        ),
    }));
  }

  /** Hasura's result types: sum, max and min have the column's type (sum of an Int is an Int), avg and stddev are Float. */
  #aggregateOutput(fn: Exclude<AggregateFunction, 'count'>, type: TypeRef): GraphQLOutputType {
    if (fn === 'max' || fn === 'min' || fn === 'sum') return this.outputType(type);
    return GraphQLFloat;
  }

  // ---------------------------------------------------------------- filter and order inputs

  boolExpType(entity: Entity): GraphQLInputObjectType {
    const name = this.entityType(entity, 'bool_exp');
    return this.input(name, () => ({
      description: `Boolean expression to filter rows from the table "${this.typeName(entity)}". All fields are combined with a logical 'AND'.`,
      fields: () => {
        const self = this.boolExpType(entity);
        const fields: GraphQLInputFieldConfigMap = {
          _and: { type: new GraphQLList(new GraphQLNonNull(self)) },
          _not: { type: self },
          _or: { type: new GraphQLList(new GraphQLNonNull(self)) },
        };
        fields['_exists'] = { type: this.existsType(), description: 'some row of another table matches (Hasura\'s `_exists`)' };
        for (const column of this.columns(entity)) fields[column.name] = { type: this.columnComparisonType(column) };
        for (const fn of this.filterableComputedFields(entity)) {
          if (fn.returns.kind === 'value' && !(fn.name in fields)) fields[fn.name] = { type: this.comparisonType(fn.returns.type) };
        }
        for (const { relation, target } of this.relations(entity)) {
          fields[relation.name] = { type: this.boolExpType(target) };
          if (relation.type === 'array') fields[this.naming.field(relation.name, 'aggregate')] = { type: this.aggregateBoolExpType(target) };
        }
        return fields;
      },
    }));
  }

  /**
   * Computed fields a `where` and an `order_by` take, as Hasura: scalar ones whose function
   * takes the row alone (others need `args`, which a filter has no place for).
   */
  filterableComputedFields(entity: Entity): FunctionDef[] {
    return this.computedFields(entity).filter((fn) => fn.args.length === 1 && fn.returns.kind === 'value' && fn.returns.type.kind !== 'composite');
  }

  /** `_exists: {_table: {schema, name}, _where: {…}}`; `_where` is the named table's bool_exp, given as JSON. */
  existsType(): GraphQLInputObjectType {
    return this.input(this.#own('_exists_exp'), () => ({
      description: 'some row of the table `_table` satisfies `_where`; `["$", "col"]` in `_ceq`… names a column of the filtered row',
      fields: () => ({
        _table: {
          type: new GraphQLNonNull(this.input(this.#own('_exists_table'), () => ({
            fields: { name: { type: new GraphQLNonNull(this.scalars.scalarFor(TEXT)) }, schema: { type: this.scalars.scalarFor(TEXT) } },
          }))),
        },
        _where: { type: new GraphQLNonNull(this.scalars.scalarFor(JSONB)), description: 'a boolean expression over `_table`' },
      }),
    }));
  }

  /** Hasura's aggregate predicates over an array relationship: `count`, and `bool_and`/`bool_or` of a boolean column. */
  aggregateBoolExpType(entity: Entity): GraphQLInputObjectType {
    const t = this.names.entityBase(entity) ?? this.typeName(entity);
    const type = (...parts: string[]): string => this.naming.type(t, ...parts);
    return this.input(type('aggregate_bool_exp'), () => ({
      fields: () => {
        const common = { distinct: { type: GraphQLBoolean }, filter: { type: this.boolExpType(entity) } };
        const fields: GraphQLInputFieldConfigMap = {
          count: {
            type: this.input(type('aggregate_bool_exp_count'), () => ({
              fields: () => ({
                arguments: { type: new GraphQLList(new GraphQLNonNull(this.selectColumnEnum(entity))) },
                ...common,
                predicate: { type: new GraphQLNonNull(this.comparisonType(INT4)) },
              }),
            })),
          },
        };
        const booleans = this.columns(entity).filter((c) => c.type.kind === 'scalar' && c.type.name === 'bool');
        for (const fn of booleans.length === 0 ? [] : (['bool_and', 'bool_or'] as const)) {
          const columnsEnum = this.namedEnum(this.naming.type(t, 'select_column', t, `aggregate_bool_exp_${fn}_arguments_columns`), () => ({
            values: Object.fromEntries(booleans.map((c) => [c.name, { value: c.name }])),
          }));
          fields[this.naming.field(fn)] = {
            type: this.input(type(`aggregate_bool_exp_${fn}`), () => ({
              fields: () => ({
                arguments: { type: new GraphQLNonNull(columnsEnum) },
                ...common,
                predicate: { type: new GraphQLNonNull(this.comparisonType(BOOL)) },
              }),
            })),
          };
        }
        return fields;
      },
    }));
  }

  /** `Int_comparison_exp`, `String_comparison_exp`, `jsonb_comparison_exp`, `String_array_comparison_exp`… */
  comparisonType(type: TypeRef): GraphQLInputObjectType {
    const input = this.inputType(type);
    const base = input instanceof GraphQLList ? `${(input.ofType as GraphQLScalarType | GraphQLEnumType).name}_array` : (input as GraphQLScalarType | GraphQLEnumType).name;
    const name = this.naming.type(this.#unprefixed(base), 'comparison_exp');
    return this.input(name, () => ({
      description: `Boolean expression to compare columns of type "${base}". All fields are combined with logical 'AND'.`,
      fields: () => {
        const list = new GraphQLList(new GraphQLNonNull(input));
        const isNull = this.naming.field('_is_null');
        if (!isComparable(type)) return { [isNull]: { type: GraphQLBoolean } };
        const fields: GraphQLInputFieldConfigMap = {
          _eq: { type: input },
          _gt: { type: input },
          _gte: { type: input },
          _in: { type: list },
          [isNull]: { type: GraphQLBoolean },
          _lt: { type: input },
          _lte: { type: input },
          _neq: { type: input },
          _nin: { type: list },
        };
        if (isTextual(type)) {
          for (const op of ['_like', '_nlike', '_ilike', '_nilike', '_similar', '_nsimilar', '_regex', '_nregex', '_iregex', '_niregex']) {
            fields[op] = { type: input };
          }
        }
        if (isJson(type)) {
          const text = this.scalars.scalarFor({ kind: 'scalar', schema: 'pg_catalog', name: 'text' });
          fields['_contains'] = { type: input, description: 'does the column contain the given json value at the top level' };
          fields[this.naming.field('_contained_in')] = { type: input, description: 'is the column contained in the given json value' };
          fields[this.naming.field('_has_key')] = { type: text, description: 'does the string exist as a top-level key in the column' };
          fields[this.naming.field('_has_keys_any')] = { type: new GraphQLList(new GraphQLNonNull(text)), description: 'do any of these strings exist as top-level keys in the column' };
          fields[this.naming.field('_has_keys_all')] = { type: new GraphQLList(new GraphQLNonNull(text)), description: 'do all of these strings exist as top-level keys in the column' };
        }
        // Hasura's column comparisons: a column of this row ("col") or of the filtered root row (["$", "col"])
        const columnName = new GraphQLList(new GraphQLNonNull(this.scalars.scalarFor(TEXT)));
        for (const op of ['_ceq', '_cgt', '_cgte', '_clt', '_clte', '_cneq']) fields[op] = { type: columnName };
        const casts = Object.entries(castTargets(type));
        if (casts.length > 0) {
          fields['_cast'] = {
            type: this.input(this.naming.type(base, 'cast_exp'), () => ({
              fields: () => Object.fromEntries(casts.map(([target, to]) => [target, { type: this.comparisonType(to) }])),
            })),
          };
        }
        if (type.kind === 'array') {
          fields['_contains'] = { type: input, description: 'does the array contain all the given values' };
          fields[this.naming.field('_contained_in')] = { type: input, description: 'is the array contained in the given array' };
        }
        return fields;
      },
    }));
  }

  orderByEnum(): GraphQLEnumType {
    // the values are read back as hasura-default's (`asc_nulls_first`) whatever their spelling
    const value = (v: string, description: string) => [this.naming.enumValue(v), { value: v, description }] as const;
    return this.namedEnum(this.naming.type('order_by'), () => ({
      description: 'column ordering options',
      values: Object.fromEntries([
        value('asc', 'in ascending order, nulls last'),
        value('asc_nulls_first', 'in ascending order, nulls first'),
        value('asc_nulls_last', 'in ascending order, nulls last'),
        value('desc', 'in descending order, nulls first'),
        value('desc_nulls_first', 'in descending order, nulls first'),
        value('desc_nulls_last', 'in descending order, nulls last'),
      ]),
    }));
  }

  orderByType(entity: Entity): GraphQLInputObjectType {
    const name = this.entityType(entity, 'order_by');
    return this.input(name, () => ({
      description: `Ordering options when selecting data from "${this.typeName(entity)}".`,
      fields: () => {
        const fields: GraphQLInputFieldConfigMap = {};
        for (const column of this.columns(entity)) fields[column.name] = { type: this.orderByEnum() };
        for (const fn of this.filterableComputedFields(entity)) if (!(fn.name in fields)) fields[fn.name] = { type: this.orderByEnum() };
        for (const { relation, target } of this.relations(entity)) {
          if (relation.type === 'object') fields[relation.name] = { type: this.orderByType(target) };
          else fields[this.naming.field(relation.name, 'aggregate')] = { type: this.aggregateOrderByType(target) };
        }
        return fields;
      },
    }));
  }

  aggregateOrderByType(entity: Entity): GraphQLInputObjectType {
    const name = this.entityType(entity, 'aggregate_order_by');
    return this.input(name, () => ({
      description: `order by aggregate values of table "${this.typeName(entity)}"`,
      fields: () => {
        const fields: GraphQLInputFieldConfigMap = { count: { type: this.orderByEnum() } };
        const numeric = this.columns(entity).filter((c) => isNumeric(c.type));
        const ordered = this.columns(entity).filter((c) => isOrdered(c.type));
        for (const fn of [...NUMERIC_FUNCTIONS, ...ORDERED_FUNCTIONS]) {
          const columns = (ORDERED_FUNCTIONS as readonly string[]).includes(fn) ? ordered : numeric;
          if (columns.length === 0) continue;
          fields[this.naming.field(fn)] = {
            type: this.input(this.entityType(entity, `${fn}_order_by`), () => ({
              fields: () => Object.fromEntries(columns.map((c) => [c.name, { type: this.orderByEnum() }])),
            })),
          };
        }
        return fields;
      },
    }));
  }

  selectColumnEnum(entity: Entity): GraphQLEnumType {
    const name = this.entityType(entity, 'select_column');
    return this.namedEnum(name, () => ({
      description: `select columns of table "${this.typeName(entity)}"`,
      values: Object.fromEntries(this.columns(entity).map((c) => [c.name, { value: c.name, description: 'column name' }])),
    }));
  }

  /** A function argument's field in `args`: its name (`arg_1` when it has none), spelled as the convention wants (`pFilmId`). */
  argumentName(name: string | null, index: number): string {
    return this.naming.field(defaultArgumentName(name, index));
  }

  /** The aggregate function an aggregate field or order_by key names (`stddev_pop` | `stddevPop`). */
  aggregateFunctionNamed(key: string): Exclude<AggregateFunction, 'count'> | undefined {
    return [...NUMERIC_FUNCTIONS, ...ORDERED_FUNCTIONS].find((fn) => this.naming.field(fn) === key);
  }

  /** a type name this builder made, without its `typePrefix` (a name other names are made from) */
  #unprefixed(name: string): string {
    const prefix = this.naming.typePrefix;
    return prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
  }

  /** pgduet's own `_exists` types: `_exists_exp` | `ExistsExp` */
  #own(name: string): string {
    return this.naming.convention === 'hasura-default' ? this.naming.typePrefix + name : this.naming.type(name.slice(1));
  }

  // ---------------------------------------------------------------- cache plumbing: one type per name

  /** `<table>_<fn>_args`: the arguments of a computed field after the row (Hasura's `args`). */
  #computedArgsType(entity: Entity, fn: FunctionDef): GraphQLInputObjectType | undefined {
    const rest = fn.args.slice(1);
    if (rest.length === 0) return undefined;
    return this.input(this.entityType(entity, `${fn.name}_args`), () => ({
      fields: Object.fromEntries(rest.map((arg) => {
        const type = this.inputType(arg.type);
        return [this.naming.field(arg.name as string), { type: arg.hasDefault ? type : new GraphQLNonNull(type) }];
      })),
    }));
  }

  #field(type: GraphQLOutputType, meta: FieldMeta, description?: string): GraphQLFieldConfig<unknown, GraphqlContext> {
    return {
      type,
      resolve: this.#resolvers.byResponseKey,
      extensions: { pgduet: meta },
      ...(description === undefined ? {} : { description }),
    };
  }

  /** the type of that name made so far, if any (a lazy schema's lookup: lazy-schema.ts) */
  madeType(name: string): GraphQLNamedType | undefined {
    return this.#objects.get(name) ?? this.#inputs.get(name) ?? this.#enums.get(name) ?? this.#enumScalars.get(name) ?? this.scalars.named(name);
  }

  /** how many object and input types were made so far (tests of the lazy schema) */
  get madeCount(): number {
    return this.#objects.size + this.#inputs.size;
  }

  /** the cached type of that name, made on first use */
  object(name: string, make: () => Omit<GraphQLObjectTypeConfig<unknown, GraphqlContext>, 'name'>): GraphQLObjectType {
    let type = this.#objects.get(name);
    if (type === undefined) {
      type = new GraphQLObjectType<unknown, GraphqlContext>({ name, ...make() });
      this.#objects.set(name, type);
    }
    return type;
  }

  input(name: string, make: () => Omit<ConstructorParameters<typeof GraphQLInputObjectType>[0], 'name'>): GraphQLInputObjectType {
    let type = this.#inputs.get(name);
    if (type === undefined) {
      type = new GraphQLInputObjectType({ name, ...make() });
      this.#inputs.set(name, type);
    }
    return type;
  }

  namedEnum(name: string, make: () => Omit<ConstructorParameters<typeof GraphQLEnumType>[0], 'name'>): GraphQLEnumType {
    let type = this.#enums.get(name);
    if (type === undefined) {
      type = new GraphQLEnumType({ name, ...make() });
      this.#enums.set(name, type);
    }
    return type;
  }
}

export function listOf(type: GraphQLObjectType): GraphQLNonNull<GraphQLList<GraphQLNonNull<GraphQLObjectType>>> {
  return new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
}

export function nonNullIf<T extends GraphQLOutputType | GraphQLInputType>(type: T, nonNull: boolean): T | GraphQLNonNull<T> {
  return nonNull ? new GraphQLNonNull(type) : type;
}

export { entityKey };
