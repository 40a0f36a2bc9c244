import { z } from 'zod';
import { declarePlugin, type PgduetPlugin } from '../../../src/chain/index.js';
import { invalidRequest } from '../../../src/errors/index.js';
import type { ColumnValue, Plan } from '../../../src/plan/index.js';

/**
 * An example user plugin: input validation. It refuses a write (insert, upsert or update, in
 * GraphQL or REST — it sees the Plan, not the protocol) whose value for a column breaks a rule,
 * with a 400 (GraphQL: `validation-failed`) that says what is wrong.
 *
 * ```yaml
 * plugins:
 *   - module: ./plugins/examples/validate-input/index.ts
 *     options: { rules: [{ table: film, column: title, pattern: "^[A-Z0-9 ]+$", maxLength: 60, message: "titles are upper case" }] }
 * ```
 */
export const validateInputOptions = z
  .object({
    rules: z.array(
      z
        .object({
          /** the table's database name (any schema) */
          table: z.string().min(1),
          column: z.string().min(1),
          /** a regular expression the (text) value must match */
          pattern: z.string().refine(isRegExp, 'expected a regular expression').optional(),
          maxLength: z.number().int().min(0).optional(),
          message: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();

export type ValidateInputOptions = z.output<typeof validateInputOptions>;

/** The declaration the server loads (the module's default export). */
export default declarePlugin({
  name: 'example-validate-input',
  description: 'refuses writes whose values break the configured rules (400)',
  options: validateInputOptions,
  create: (options) => validateInput(options),
});

/** The plugin itself, for options already checked. */
export function validateInput(options: ValidateInputOptions): PgduetPlugin {
  const rules = options.rules.map((rule) => ({ ...rule, regex: rule.pattern === undefined ? undefined : new RegExp(rule.pattern, 'u') }));
  const check = (table: string, values: readonly { readonly column: string; readonly value: unknown }[]): void => {
    for (const rule of rules) {
      if (rule.table !== table) continue;
      for (const { column, value } of values) {
        if (column !== rule.column || value === null || value === undefined) continue;
        const text = String(value);
        const tooLong = rule.maxLength !== undefined && text.length > rule.maxLength;
        const mismatch = rule.regex !== undefined && !rule.regex.test(text);
        if (tooLong || mismatch) {
          throw invalidRequest(rule.message ?? `${table}.${column} is not valid`, {
            details: tooLong ? `at most ${rule.maxLength ?? 0} characters, got ${text.length}` : `must match ${rule.pattern ?? ''}`,
          });
        }
      }
    }
  };
  return {
    name: 'example-validate-input',
    description: 'refuses writes whose values break the configured rules (400)',
    onPlan: ({ plan }) => {
      for (const [table, values] of writtenValues(plan)) check(table, values);
    },
  };
}

/** Every (table, column values) a write Plan would write, nested inserts included. */
function* writtenValues(plan: Plan): Generator<[string, readonly { readonly column: string; readonly value: unknown }[]]> {
  if (plan.kind === 'update') yield [plan.entity.dbName, plan.assignments.filter((a) => a.op === 'set')];
  if (plan.kind !== 'insert') return;
  const rows = (table: string, list: readonly { readonly values: readonly ColumnValue[]; readonly parents?: readonly { readonly entity: { readonly dbName: string }; readonly row: { readonly values: readonly ColumnValue[] } }[] }[]): [string, readonly ColumnValue[]][] =>
    list.flatMap((row) => [[table, row.values] as [string, readonly ColumnValue[]], ...(row.parents ?? []).map((p) => [p.entity.dbName, p.row.values] as [string, readonly ColumnValue[]])]);
  yield* rows(plan.entity.dbName, plan.rows);
  for (const row of plan.rows) for (const child of row.children ?? []) yield* rows(child.entity.dbName, child.rows);
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
