import type { ContentObject, OperationObject, ParameterObject, PathItemObject, ReferenceObject, RequestBodyObject, ResponsesObject } from 'openapi3-ts/oas31';
import type { FunctionArgument, FunctionDef } from '../../model/index.js';
import { defaultArgumentName } from '../../plan/index.js';
import { PARAMETER } from './common-parameters.js';
import { errorResponseRefs, HEADER } from './common-responses.js';
import { ref, sortedRecord } from './refs.js';
import { MEDIA, rowsContent } from './rows-content.js';
import { orNull, schemaForType, type Schema, type TypeContext } from './schema-for-type.js';

/** The names a function's operations refer to, allocated by `renderOpenApi`. */
export interface FunctionKeys {
  readonly tag: string;
  readonly operationId: (method: 'get' | 'post') => string;
}

type Parameter = ParameterObject | ReferenceObject;

/** An argument as a caller names it, and whether the call may leave it out. */
interface NamedArgument {
  readonly name: string;
  readonly arg: FunctionArgument;
  readonly required: boolean;
}

/**
 * `/rpc/<name>`: POST for every function (the arguments in a JSON body), GET as well for
 * stable and immutable ones (the arguments in the query string), since a GET must not
 * change anything. `overloads` are the functions of one exposed name; several when the
 * name is overloaded, and then bodies and results are alternatives (`anyOf`).
 */
export function functionPathItem(overloads: readonly [FunctionDef, ...FunctionDef[]], keys: FunctionKeys, types: TypeContext): PathItemObject {
  const [firstRead, ...moreRead] = overloads.filter((fn) => fn.volatility !== 'volatile' && takesWholeBody(fn) === undefined);
  return {
    ...(firstRead === undefined ? {} : { get: callOperation([firstRead, ...moreRead], 'get', keys, types) }),
    post: callOperation(overloads, 'post', keys, types),
  };
}

function callOperation(fns: readonly [FunctionDef, ...FunctionDef[]], method: 'get' | 'post', keys: FunctionKeys, types: TypeContext): OperationObject {
  const [{ name, kind }] = fns;
  const results = fns.map((fn) => resultContent(fn, types));
  const rows = fns.some((fn) => returnsRows(fn));
  const args = method === 'get' ? queryArguments(fns, types) : [];
  const taken = new Set(args.map((a) => a.name));
  // reading parameters apply to the rows a function returns, unless an argument has the name
  const reading = rows
    ? [PARAMETER.select, PARAMETER.order, PARAMETER.limit, PARAMETER.offset].filter((k) => !taken.has(k)).map((k) => ref.parameter(k))
    : [];
  const parameters: Parameter[] = [
    ...args,
    ...reading,
    ...(rows ? [ref.parameter(PARAMETER.range), ref.parameter(PARAMETER.rangeUnit)] : []),
    ref.parameter(PARAMETER.prefer('call')),
  ];
  const body = method === 'post' ? requestBody(fns, types) : undefined;
  const description = [...new Set(fns.flatMap((fn) => (fn.description === undefined ? [] : [fn.description])))].join('\n\n');
  return {
    tags: [keys.tag],
    summary: `Call ${name}${kind === 'procedure' ? ' (a procedure)' : ''}`,
    ...(description === '' ? {} : { description }),
    operationId: keys.operationId(method),
    parameters,
    ...(body === undefined ? {} : { requestBody: body }),
    responses: { ...successResponses(results, rows), ...errorResponseRefs(rows && method === 'get' ? [400, 401, 403, 404, 406, 416] : [400, 401, 403, 404, 406, 409]) },
  };
}

/** The arguments of a call by the names a caller gives them; see `functionArguments`. */
function namedArguments(fn: FunctionDef): NamedArgument[] {
  // PostgreSQL passes unnamed arguments by position: nothing before one may be skipped
  const lastUnnamed = fn.args.reduce((last, arg, i) => (arg.name === null ? i : last), -1);
  return fn.args.map((arg, i) => ({ name: defaultArgumentName(arg.name, i), arg, required: !(arg.hasDefault && i > lastUnnamed) }));
}

/** A single unnamed json/jsonb argument takes the whole body, as in PostgREST. */
function takesWholeBody(fn: FunctionDef): FunctionArgument | undefined {
  const [only, ...rest] = fn.args;
  if (only === undefined || rest.length > 0 || only.name !== null) return undefined;
  return only.type.kind === 'scalar' && (only.type.name === 'json' || only.type.name === 'jsonb') ? only : undefined;
}

function requestBody(fns: readonly FunctionDef[], types: TypeContext): RequestBodyObject | undefined {
  const variants = fns.filter((fn) => fn.args.length > 0).map((fn) => bodySchema(fn, types));
  if (variants.length === 0) return undefined;
  // a function without arguments, or with only optional ones, may be called with no body
  const required = fns.every((fn) => namedArguments(fn).some((a) => a.required));
  return {
    description: 'The arguments, by name.',
    required,
    content: { [MEDIA.json]: { schema: alternatives(variants) } },
  };
}

function bodySchema(fn: FunctionDef, types: TypeContext): Schema {
  const whole = takesWholeBody(fn);
  if (whole !== undefined) return { description: `The whole body is the one ${whole.type.kind === 'scalar' ? whole.type.name : 'json'} argument of ${fn.name}.` };
  const named = namedArguments(fn);
  const required = named.filter((a) => a.required).map((a) => a.name).sort();
  return {
    type: 'object',
    properties: sortedRecord(named.map((a) => [a.name, orNull(schemaForType(a.arg.type, types))] as const)),
    ...(required.length === 0 ? {} : { required }),
  };
}

/**
 * GET's query parameters: the union of the overloads' arguments, required where every
 * overload requires it. Scalars keep their schema; arrays, rows and json travel as
 * PostgreSQL literals, except a variadic argument, which repeats (`?n=1&n=2`).
 */
function queryArguments(fns: readonly FunctionDef[], types: TypeContext): ParameterObject[] {
  const all = fns.map((fn) => namedArguments(fn));
  const names = [...new Set(all.flatMap((args) => args.map((a) => a.name)))].sort();
  return names.flatMap((name): ParameterObject[] => {
    const found = all.map((args) => args.find((a) => a.name === name));
    const first = found.find((a) => a !== undefined);
    if (first === undefined) return [];
    const required = found.every((a) => a?.required === true);
    const { type } = first.arg;
    if (first.arg.mode === 'variadic' && type.kind === 'array') {
      return [{ name, in: 'query', required, style: 'form', explode: true, schema: { type: 'array', items: schemaForType(type.element, types) } } satisfies ParameterObject];
    }
    const literal = type.kind === 'array' || type.kind === 'composite' || type.kind === 'range' || (type.kind === 'scalar' && (type.name === 'json' || type.name === 'jsonb'));
    return [
      {
        name,
        in: 'query',
        required,
        ...(literal ? { description: 'A PostgreSQL literal: `{1,2}` for an array, `(a,b)` for a row.' } : {}),
        schema: literal ? { type: 'string' } : schemaForType(type, types),
      } satisfies ParameterObject,
    ];
  });
}

function returnsRows(fn: FunctionDef): boolean {
  return (fn.returns.kind === 'entity' || fn.returns.kind === 'columns') && fn.returns.set;
}

/** What a call answers with, as content; undefined for void (204). */
function resultContent(fn: FunctionDef, types: TypeContext): ContentObject | undefined {
  const { returns } = fn;
  switch (returns.kind) {
    case 'void':
      return undefined;
    case 'entity':
    case 'columns': {
      const row: Schema =
        returns.kind === 'entity'
          ? schemaForType({ kind: 'composite', schema: returns.entity.schema, name: returns.entity.dbName }, types)
          : {
              type: 'object',
              properties: sortedRecord(returns.columns.map((c) => [c.name, orNull(schemaForType(c.type, types))] as const)),
            };
      return returns.set ? rowsContent(row) : { [MEDIA.json]: { schema: row } };
    }
    case 'value': {
      const value = orNull(schemaForType(returns.type, types));
      return { [MEDIA.json]: { schema: returns.set ? { type: 'array', items: value } : value } };
    }
  }
}

function successResponses(results: readonly (ContentObject | undefined)[], rows: boolean): ResponsesObject {
  const contents = results.filter((c): c is ContentObject => c !== undefined);
  const responses: ResponsesObject = {};
  if (contents.length > 0) {
    const distinct = unique(contents);
    const content: ContentObject =
      distinct.length === 1 && distinct[0] !== undefined
        ? distinct[0]
        : { [MEDIA.json]: { schema: alternatives(distinct.flatMap((c) => jsonSchemaOf(c))) } };
    responses['200'] = {
      description: 'The result.',
      ...(rows ? { headers: { [HEADER.contentRange]: ref.header(HEADER.contentRange) } } : {}),
      content,
    };
  }
  if (contents.length < results.length) responses['204'] = { description: 'Done; the function returns nothing.' };
  return responses;
}

function jsonSchemaOf(content: ContentObject): Schema[] {
  const schema = content[MEDIA.json]?.schema;
  return schema === undefined ? [] : [schema];
}

function alternatives(schemas: readonly Schema[]): Schema {
  const distinct = unique(schemas);
  return distinct.length === 1 && distinct[0] !== undefined ? distinct[0] : { anyOf: distinct };
}

function unique<T>(values: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const v of values) {
    const key = JSON.stringify(v);
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()];
}
