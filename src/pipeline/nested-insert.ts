import { deferredPart, filledPart, type AuthorizedPlan } from '../chain/index.js';
import { invalidRequest } from '../errors/index.js';
import { STEP_COUNT_KEY, STEP_ROWS_KEY, type InsertPlan, type ReadPlan, type Returning, type RowRef } from '../plan/index.js';
import { compileInsert, compileRead, type CompiledQuery, type CompileOptions } from '../sql/index.js';

/** Runs one compiled statement and gives back its parsed `result`. */
export type RunQuery = (query: CompiledQuery) => Promise<unknown>;

/** A nested insert's statements as the chain authorized them (see plan/split-nested-insert.ts). */
export interface AuthorizedInsertProgram {
  readonly steps: readonly AuthorizedPlan<InsertPlan>[];
  readonly readBack?: AuthorizedPlan<ReadPlan>;
  readonly returning: Returning;
}

/** Internal statements read key values as JSON: int8/numeric as text, so no digit is lost. */
const INTERNAL_OPTIONS: CompileOptions = { exactNumbersAsStrings: true };

/**
 * Runs a nested insert's statements in order, on the caller's connection inside its
 * transaction (the whole insert is atomic: the first error is thrown and the caller rolls
 * back), each with the keys the ones before it wrote; then reads the top-level rows back.
 * `deferred`: the read-back leaves its relationships to be loaded later (GraphQL's resolvers).
 * The answer has the shape of the request's Returning; `rowsAffected` every row written.
 */
export async function runInsertProgram(
  program: AuthorizedInsertProgram,
  run: RunQuery,
  options: CompileOptions,
  deferred = false,
): Promise<{ readonly answer: unknown; readonly rowsAffected: number }> {
  const written: (Readonly<Record<string, unknown>> | undefined)[] = [];
  let affected = 0;
  const keyOf = (ref: RowRef): unknown => written[ref.step]?.[ref.column];
  for (const step of program.steps) {
    const statement = filledPart(step, (ref) => {
      const value = keyOf(ref);
      if (value !== undefined) return value;
      const into = `${step.entity.schema}.${step.entity.dbName}`;
      throw ref.relation === 'parent'
        ? invalidRequest(
            `nested insert into ${into}: its parent was not inserted (on conflict do nothing), so there is no key to point at`,
            "give the parent's on_conflict update_columns, so that the existing row is updated and returned",
          )
        : invalidRequest(`nested insert into ${into}: the row it belongs to was not inserted (on conflict), so there is no key to point at`);
    });
    const answer = asObject(await run(compileInsert(statement, INTERNAL_OPTIONS)), 'an insert answer');
    if (step.returning.affectedRowsKey === STEP_COUNT_KEY) {
      affected += Number(answer[STEP_COUNT_KEY] ?? 0);
      written.push(undefined);
      continue;
    }
    const rows = asArray(answer[STEP_ROWS_KEY], 'the rows inserted');
    affected += rows.length;
    written.push(rows[0] === undefined ? undefined : asObject(rows[0], 'an inserted row'));
  }

  let rows: unknown[] = [];
  if (program.readBack !== undefined) {
    const read = filledPart(program.readBack, keyOf);
    if ((read.batch?.keys.length ?? 0) > 0) {
      // only the rows the caller may read come back (the chain gave the read-back the role's select filter)
      rows = asArray(await run(compileRead(deferred ? deferredPart(read) : read, options)), 'the read-back of the inserted rows').filter((row) => row !== null);
    }
  }
  const returning = program.returning;
  if (returning.single === true) return { answer: rows[0] ?? null, rowsAffected: affected };
  if (returning.rowsOnly === true) return { answer: rows, rowsAffected: affected };
  const result: Record<string, unknown> = {};
  if (returning.affectedRowsKey !== undefined) result[returning.affectedRowsKey] = affected;
  if (returning.returningKey !== undefined) result[returning.returningKey] = rows;
  return { answer: result, rowsAffected: affected };
}

function parsed(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  const v = parsed(value);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`nested insert: ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  const v = parsed(value);
  if (!Array.isArray(v)) throw new Error(`nested insert: ${what} is not a JSON array`);
  return v as unknown[];
}
