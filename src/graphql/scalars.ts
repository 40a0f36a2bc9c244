import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLFloat,
  GraphQLInt,
  GraphQLScalarType,
  GraphQLString,
  Kind,
  type ValueNode,
} from 'graphql';
import type { TypeRef } from '../model/index.js';

/**
 * PostgreSQL types as GraphQL scalars, with Hasura's names (`bigint`, `numeric`,
 * `timestamptz`, `jsonb`, `uuid`…). Output values arrive already rendered by PostgreSQL's
 * JSON functions (timestamps in ISO 8601 with offset; int8 and numeric as strings unless
 * configured otherwise), so serialization passes them through. Input values are checked
 * only as far as GraphQL can; PostgreSQL checks the rest (and its errors become
 * `data-exception`).
 */

/**
 * GraphQL's `Int`, but sending any integer PostgreSQL computed (the `sum` of an int column is
 * a bigint; Hasura sends it as a JSON number however large): graphql-js's own refuses more
 * than 32 bits on output. Input stays as strict as the specification's. It replaces
 * GraphQLInt everywhere in the schema (one type per name).
 */
export const HasuraInt = new GraphQLScalarType({
  ...GraphQLInt.toConfig(),
  serialize: (value) => {
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number)) return number;
    return GraphQLInt.serialize(value);
  },
});

/** Hasura's choice: integer, real, boolean and text are GraphQL's own; smallint, float8, bpchar… are scalars of those names. */
const BUILT_IN: Readonly<Record<string, GraphQLScalarType>> = {
  int4: HasuraInt,
  float4: GraphQLFloat,
  bool: GraphQLBoolean,
  text: GraphQLString,
  varchar: GraphQLString,
  char: GraphQLString,
  name: GraphQLString,
};

/** Hasura calls some types by other names. */
const RENAMED: Readonly<Record<string, string>> = { int8: 'bigint', int2: 'smallint', bpchar: 'bpchar' };

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * bigint, numeric, float8: JSON numbers, as Hasura sends them, or strings with
 * `graphql.stringifyNumericTypes` (PostgreSQL renders either: serialization passes it on).
 * Input: a number, or a string of one (so that no digit is lost on the way in).
 */
function exactNumber(name: string): GraphQLScalarType {
  const parse = (value: unknown): string => {
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) return value.trim();
    if (typeof value === 'string' && name !== 'bigint' && /^(NaN|[+-]?Infinity)$/.test(value)) return value;
    throw new GraphQLError(`${name}: expected a number or a string of digits, got ${JSON.stringify(value)}`);
  };
  return new GraphQLScalarType({
    name,
    description: `PostgreSQL ${name}: a JSON number (a string with graphql.stringifyNumericTypes); a number or a string of digits as input.`,
    serialize: (value) => value,
    parseValue: parse,
    parseLiteral: (ast) => {
      if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT || ast.kind === Kind.STRING) return parse(ast.value);
      throw new GraphQLError(`${name}: expected a number or a string of digits`);
    },
  });
}

/** smallint: an Int of 16 bits, named as Hasura names it. */
function smallint(): GraphQLScalarType {
  const parse = (value: unknown): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= -32768 && value <= 32767) return value;
    throw new GraphQLError(`smallint: expected an integer from -32768 to 32767, got ${JSON.stringify(value)}`);
  };
  return new GraphQLScalarType({
    name: 'smallint',
    description: 'PostgreSQL smallint: an integer from -32768 to 32767.',
    serialize: (value) => value,
    parseValue: parse,
    parseLiteral: (ast) => {
      if (ast.kind === Kind.INT) return parse(Number(ast.value));
      throw new GraphQLError('smallint: expected an integer');
    },
  });
}

function stringLike(name: string, description: string): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => value,
    parseValue: (value) => {
      if (typeof value !== 'string') throw new GraphQLError(`${name}: expected a string, got ${JSON.stringify(value)}`);
      return value;
    },
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`${name}: expected a string`);
      return ast.value;
    },
  });
}

function jsonLike(name: string): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    description: `PostgreSQL ${name}: any JSON value.`,
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (ast, variables) => literalToJson(ast, variables ?? undefined),
  });
}

/** A GraphQL literal as the JSON value it spells (objects and lists too). */
function literalToJson(ast: ValueNode, variables: Readonly<Record<string, unknown>> | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
  }
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  uuid: 'A UUID, as text.',
  date: 'A date, ISO 8601 (2024-05-01).',
  time: 'A time of day without time zone (10:00:00).',
  timetz: 'A time of day with time zone (10:00:00+00).',
  timestamp: 'A timestamp without time zone, ISO 8601 (2024-05-01T10:00:00).',
  timestamptz: 'A timestamp with time zone, ISO 8601 with offset (2024-05-01T10:00:00+00:00).',
  interval: 'A PostgreSQL interval (1 day 02:00:00).',
  bytea: 'Binary data, in PostgreSQL\'s hex format (\\x…).',
  inet: 'An IPv4 or IPv6 host address.',
  cidr: 'An IPv4 or IPv6 network.',
  citext: 'Case-insensitive text.',
};

/**
 * The scalars of every schema of the process, one instance per name: a scalar depends only on
 * its name and PostgreSQL type, and one schema can hold the types of several (another source's
 * under its namespace, graphql/namespaces.ts), where a `jsonb` variable must fit a `jsonb`
 * argument of either — graphql-js compares named types by identity.
 */
const SHARED = new Map<string, GraphQLScalarType>();

/** The scalars one schema uses: one instance per scalar name, so a schema never holds two types of one name. */
export class ScalarRegistry {
  readonly #byName = new Map<string, GraphQLScalarType>();

  /** The GraphQL scalar of a scalar TypeRef (base types; domains are already resolved). */
  scalarFor(type: Extract<TypeRef, { kind: 'scalar' | 'range' }>): GraphQLScalarType {
    const builtIn = type.schema === 'pg_catalog' ? BUILT_IN[type.name] : undefined;
    if (builtIn !== undefined) return builtIn;
    const name = graphqlScalarName(type);
    let scalar = this.#byName.get(name);
    if (scalar === undefined) {
      scalar = SHARED.get(name);
      if (scalar === undefined) SHARED.set(name, (scalar = makeScalar(name, type.name)));
      this.#byName.set(name, scalar);
    }
    return scalar;
  }

  /** the scalar of that GraphQL name this schema used so far (not the built-in ones) */
  named(name: string): GraphQLScalarType | undefined {
    return this.#byName.get(name);
  }
}

function makeScalar(name: string, pgName: string): GraphQLScalarType {
  if (pgName === 'int8' || pgName === 'numeric' || pgName === 'float8') return exactNumber(name);
  if (pgName === 'int2') return smallint();
  if (pgName === 'json' || pgName === 'jsonb' || pgName === 'geometry' || pgName === 'geography') return jsonLike(name);
  return stringLike(name, DESCRIPTIONS[pgName] ?? `PostgreSQL ${pgName}, as text.`);
}

function graphqlScalarName(type: { readonly schema: string; readonly name: string }): string {
  const base = RENAMED[type.name] ?? type.name;
  const name = type.schema === 'pg_catalog' || type.schema === 'public' ? base : `${type.schema}_${base}`;
  return name.replace(/[^_0-9A-Za-z]/g, '_').replace(/^(?=\d)/, '_');
}

/** Scalar types whose values compare as text (they get the _like family of operators). */
export function isTextual(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.schema === 'pg_catalog' && ['text', 'varchar', 'bpchar', 'char', 'name'].includes(type.name)
    || (type.kind === 'scalar' && type.name === 'citext');
}

/** jsonb (the json type has no containment or key operators). */
export function isJson(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.schema === 'pg_catalog' && type.name === 'jsonb';
}

/** Types sum/avg/stddev/variance apply to. */
export function isNumeric(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.schema === 'pg_catalog' && ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'money'].includes(type.name);
}

const ORDERED = new Set([
  'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'money', 'oid',
  'text', 'varchar', 'bpchar', 'char', 'name', 'citext',
  'date', 'time', 'timetz', 'timestamp', 'timestamptz', 'interval', 'inet',
]);

/** Types max/min apply to: those PostgreSQL has max()/min() for (not uuid, bool, json…). */
export function isOrdered(type: TypeRef): boolean {
  if (type.kind === 'enum') return true;
  return type.kind === 'scalar' && ORDERED.has(type.name);
}

/** Types with equality and order (json has neither: only _is_null applies to it). */
export function isComparable(type: TypeRef): boolean {
  if (type.kind === 'array') return isComparable(type.element);
  return !(type.kind === 'scalar' && type.schema === 'pg_catalog' && (type.name === 'json' || type.name === 'xml' || type.name === 'point'));
}
