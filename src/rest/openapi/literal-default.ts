import type { SchemaObject } from 'openapi3-ts/oas31';

const QUOTED = /^'((?:[^']|'')*)'(?:::[\w\s."[\]]+)?$/;
const NUMBER = /^\(?(-?\d+(?:\.\d+)?)\)?(?:::[\w\s."]+)?$/;

/**
 * A column default as a JSON value of the column's schema, when PostgreSQL printed a plain
 * literal (`3`, `4.99`, `true`, `'G'::mpaa_rating`, `'{}'::text[]`). Anything computed
 * (`nextval(…)`, `now()`, `CURRENT_DATE`) gives `undefined`: its value is not known here.
 */
export function literalDefault(expression: string, schema: SchemaObject): unknown {
  const text = literalText(expression.trim());
  if (text === undefined) return undefined;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null');
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
    case 'boolean':
      return text === 'true' || text === 't' ? true : text === 'false' || text === 'f' ? false : undefined;
    case 'string':
      return schema.enum === undefined || (schema.enum as unknown[]).includes(text) ? text : undefined;
    case 'array':
      // only the empty array: PostgreSQL's array literal syntax is not worth parsing here
      return text === '{}' ? [] : undefined;
    case undefined:
      return schema.$ref === undefined && Object.keys(schema).length === 0 ? parseJson(text) : undefined;
    default:
      return undefined;
  }
}

function literalText(expression: string): string | undefined {
  if (expression === 'true' || expression === 'false') return expression;
  const quoted = QUOTED.exec(expression);
  if (quoted !== null) return (quoted[1] ?? '').replaceAll("''", "'");
  return NUMBER.exec(expression)?.[1];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
