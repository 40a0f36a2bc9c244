import { invalidRequest } from '../errors/index.js';
import type { FunctionDef } from '../model/index.js';
import type { FunctionArgumentValue } from './types.js';

/**
 * The arguments of a call, from values given by name (GraphQL's `args`, REST's body or
 * query string). An argument with a default may be left out — unless a later argument has
 * no name: PostgreSQL passes unnamed arguments by position, so nothing before one may be
 * skipped. A required argument that is missing is the caller's mistake.
 */
export function functionArguments(fn: FunctionDef, given: Readonly<Record<string, unknown>> | null | undefined, nameOf = defaultArgumentName): FunctionArgumentValue[] {
  const values: FunctionArgumentValue[] = [];
  const lastUnnamed = fn.args.reduce((last, arg, i) => (arg.name === null ? i : last), -1);
  fn.args.forEach((arg, i) => {
    const name = nameOf(arg.name, i);
    const value = given?.[name];
    if (value === undefined) {
      if (arg.hasDefault && i > lastUnnamed) return;
      if (arg.hasDefault) throw invalidRequest(`argument "${name}" of ${fn.name} must be given: a later argument has no name, so arguments are passed by position`);
      throw invalidRequest(`argument "${name}" of ${fn.name} is required`);
    }
    values.push({ name: arg.name, type: arg.type, value, ...(arg.mode === 'variadic' ? { variadic: true } : {}) });
  });
  return values;
}

/** `arg_1`, `arg_2`… for unnamed arguments (Hasura's names). */
export function defaultArgumentName(name: string | null, index: number): string {
  return name ?? `arg_${index + 1}`;
}
