import type { DbRef } from '../../src/model/index.js';
import type { InsertRow, Plan } from '../../src/plan/index.js';

/** What stands in for a value that must not be written. */
export const REDACTED = '[redacted]';

/**
 * Header names never logged, whatever the options say: credentials and anything that looks
 * like one (`authorization`, `apikey`, `x-api-key`, `cookie`, `x-hasura-admin-secret`, …).
 */
export function isSensitiveHeader(name: string): boolean {
  return /auth|cookie|token|secret|key|password|session|signature/i.test(name);
}

/** The session variables, each value written only if its name is in `keep`. Keys sorted. */
export function maskSession(session: Readonly<Record<string, string>>, keep: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(session)
      .sort()
      .map((key) => [key, keep.has(key) ? (session[key] ?? '') : REDACTED]),
  );
}

/** The allowed request headers that are present, joined when repeated. */
export function pickHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    if (isSensitiveHeader(name)) continue;
    const value = headers[name.toLowerCase()];
    if (value !== undefined) picked[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

/**
 * `table.column` or `schema.table.column` names whose values are never written (for a
 * function's argument: `function.argument`).
 */
export class Redaction {
  readonly #names: ReadonlySet<string>;

  constructor(columns: readonly string[]) {
    this.#names = new Set(columns);
  }

  covers(ref: DbRef, column: string): boolean {
    return this.#names.has(`${ref.schema}.${ref.dbName}.${column}`) || this.#names.has(`${ref.dbName}.${column}`);
  }

  /** `values` with the redacted columns' values replaced. */
  apply(ref: DbRef, values: readonly (readonly [string, unknown])[]): Record<string, unknown> {
    return Object.fromEntries(values.map(([column, value]) => [column, this.covers(ref, column) ? REDACTED : value]));
  }
}

/** One row written (or one call made), with its values, as `values: true` logs them. */
export interface AuditWrite {
  readonly table: string;
  readonly op: 'insert' | 'update' | 'call';
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * The values a request wrote: each inserted row (nested parents and children too), each
 * update's assignments (a `set` as its value, other operations as `{ op: value }`), each
 * call's arguments (positional ones as `$1`, `$2`…), redacted. At most `max` entries; the
 * second result says how many more there were.
 */
export function collectWrites(plans: readonly Plan[], redaction: Redaction, max: number): { readonly writes: AuditWrite[]; readonly omitted: number } {
  const writes: AuditWrite[] = [];
  let omitted = 0;
  const push = (write: AuditWrite): void => {
    if (writes.length < max) writes.push(write);
    else omitted += 1;
  };
  const name = (ref: DbRef): string => `${ref.schema}.${ref.dbName}`;
  const insertRow = (entity: DbRef, row: InsertRow): void => {
    for (const parent of row.parents ?? []) insertRow(parent.entity, parent.row);
    push({ table: name(entity), op: 'insert', values: redaction.apply(entity, row.values.map((v) => [v.column, v.value])) });
    for (const child of row.children ?? []) for (const childRow of child.rows) insertRow(child.entity, childRow);
  };
  for (const plan of plans) {
    switch (plan.kind) {
      case 'insert':
        for (const row of plan.rows) insertRow(plan.entity, row);
        break;
      case 'update':
        push({
          table: name(plan.entity),
          op: 'update',
          values: redaction.apply(
            plan.entity,
            plan.assignments.map((a) => [a.column, a.op === 'set' ? a.value : { [a.op]: a.value }]),
          ),
        });
        break;
      case 'call':
        push({ table: name(plan.fn), op: 'call', values: redaction.apply(plan.fn, plan.args.map((arg, i) => [arg.name ?? `$${i + 1}`, arg.value])) });
        break;
      case 'read':
      case 'aggregate':
      case 'delete':
        break;
    }
  }
  return { writes, omitted };
}
