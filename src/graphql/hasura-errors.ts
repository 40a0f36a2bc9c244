import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from 'graphql';

/**
 * graphql-js's request errors in Hasura's words: the messages a Hasura client shows or matches
 * (`field 'foo' not found in type: 'film'`), with Hasura's `extensions.path`, a JSON path into
 * the request (`$.selectionSet.film.selectionSet.foo`, `$.selectionSet.film.args.where.foo`)
 * and `extensions.code`. An error graphql-js words differently from every case below keeps
 * its message, and gets the path and the code all the same.
 */

interface Rewrite {
  readonly pattern: RegExp;
  readonly message: (match: RegExpExecArray) => string;
  /** Hasura's path from the path of the node graphql-js names */
  readonly path?: (path: string, match: RegExpExecArray) => string;
}

/** graphql-js's value errors: "Int cannot represent non-integer value: "x"" → Hasura's wording. */
const SCALAR_EXPECTATIONS: Readonly<Record<string, string>> = {
  Int: "expected a 32-bit integer for type 'Int'",
  Float: "expected a float for type 'Float'",
  String: "expected a string for type 'String'",
  Boolean: "expected a boolean for type 'Boolean'",
  ID: "expected a String or a 32-bit integer for type 'ID'",
};

function found(value: string): string {
  const v = value.trim();
  if (v.startsWith('"')) return 'a string';
  if (v === 'true' || v === 'false') return 'a boolean';
  if (v === 'null') return 'null';
  if (v.startsWith('[')) return 'a list';
  if (v.startsWith('{')) return 'an object';
  if (/^-?\d/.test(v)) return 'a number';
  return 'an enum value';
}

const REWRITES: readonly Rewrite[] = [
  { pattern: /^Cannot query field "([^"]+)" on type "([^"]+)"\./, message: (m) => `field '${m[1]}' not found in type: '${m[2]}'` },
  { pattern: /^Field "([^"]+)" is not defined by type "([^"]+)"\./, message: (m) => `field '${m[1]}' not found in type: '${m[2]}'` },
  { pattern: /^Unknown argument "([^"]+)" on field "(?:[^".]+\.)?([^"]+)"\./, message: (m) => `'${m[2]}' has no argument named '${m[1]}'`, path: (p) => p.replace(/\.args\.[^.]+$/, '') },
  { pattern: /^Field "(?:[^".]+\.)?[^"]+" argument "([^"]+)" of type "[^"]+" is required, but it was not provided\./, message: (m) => `missing required field '${m[1]}'`, path: (p, m) => `${p}.args.${m[1] ?? ''}` },
  { pattern: /^Field "[^"]+" of required type "[^"]+" was not provided\./, message: (m) => `missing required field '${m[0].split('"')[1] ?? ''}'` },
  { pattern: /^Variable "\$([^"]+)" of required type "[^"]+" was not provided\./, message: (m) => `expecting a value for non-nullable variable: "${m[1]}"` },
  { pattern: /^Variable "\$([^"]+)" of non-null type "[^"]+" must not be null\./, message: (m) => `null value found for non-nullable type: "${m[1]}"` },
  { pattern: /^Variable "\$([^"]+)" is not defined/, message: (m) => `unbound variable "${m[1]}"` },
  { pattern: /^Variable "\$([^"]+)" is never used/, message: (m) => `unexpected variables in variableValues: ${m[1]}` },
  { pattern: /^(?:Variable "\$[^"]+" got invalid value .*; )?(Int|Float|String|Boolean|ID) cannot represent [^:]*: (.*)$/s, message: (m) => `${SCALAR_EXPECTATIONS[m[1] ?? ''] ?? ''}, but found ${found(m[2] ?? '')}` },
  { pattern: /^Enum "([^"]+)" cannot represent non-enum value: (.*?)\./, message: (m) => `expected an enum value for type '${m[1]}', but found ${found(m[2] ?? '')}` },
  { pattern: /^Value "([^"]+)" does not exist in "([^"]+)" enum\./, message: (m) => `expected one of the values of the enum '${m[2]}', but found '${m[1]}'` },
];

/** Hasura's JSON path to a node of the document: fields by response key, then `args`, then input fields. */
export function hasuraPath(document: DocumentNode | undefined, target: ASTNode | undefined): string {
  if (document === undefined || target === undefined) return '$';
  let path: string | undefined;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (path !== undefined) return false;
      if (node !== target) return undefined;
      const steps: string[] = [];
      for (const step of [...ancestors, parent, node]) {
        if (Array.isArray(step) || typeof step !== 'object' || step === null || !('kind' in step)) continue;
        const n = step as ASTNode;
        if (n.kind === Kind.FIELD) steps.push('selectionSet', n.alias?.value ?? n.name.value);
        else if (n.kind === Kind.ARGUMENT) steps.push('args', n.name.value);
        else if (n.kind === Kind.OBJECT_FIELD) steps.push(n.name.value);
      }
      path = ['$', ...steps].join('.');
      return false;
    },
  });
  return path ?? '$';
}

/** One request error (validation, variables) as Hasura words it, with its path and code. */
export function hasuraRequestError(error: GraphQLError, document?: DocumentNode, code = 'validation-failed'): GraphQLError {
  const rewrite = REWRITES.map((r) => ({ r, m: r.pattern.exec(error.message) })).find((x) => x.m !== null);
  const match = rewrite?.m ?? undefined;
  const message = rewrite === undefined || match === undefined ? error.message : rewrite.r.message(match);
  const given = typeof error.extensions['path'] === 'string' ? error.extensions['path'] : hasuraPath(document, error.nodes?.[0]);
  const path = rewrite?.r.path === undefined || match === undefined || given === '$' ? given : rewrite.r.path(given, match);
  return new GraphQLError(message, { originalError: error.originalError ?? null, extensions: { ...error.extensions, path, code } });
}

/** A query that does not parse: Hasura's answer. */
export function hasuraParseError(): GraphQLError {
  return new GraphQLError('not a valid graphql query', { extensions: { path: '$.query', code: 'validation-failed' } });
}
