import { PgduetError } from '../errors/index.js';
import type { Plan, ReadPlan } from '../plan/index.js';
import type { RunPlan } from './context.js';
import type { DocumentPlan } from './one-statement.js';

/**
 * `graphql.maxRows`: a top-level list field answers at most this many rows, and never cuts
 * silently. GraphQL has no `Content-Range` to say an answer was cut, so a list that has more
 * rows is an error naming the field (PGD403, `validation-failed`). PostgreSQL is asked for one
 * row more than the bound (`limit`), so it stops there: the bound holds for the database's work
 * too, not only for the answer.
 */
export interface RowCap {
  readonly run: (inner: RunPlan) => RunPlan;
  readonly runDocument: (inner: (fields: DocumentPlan) => Promise<string>) => (fields: DocumentPlan) => Promise<string>;
}

const UNBOUNDED: RowCap = { run: (inner) => inner, runDocument: (inner) => inner };

export function graphqlRowCap(maxRows: number | null): RowCap {
  if (maxRows === null) return UNBOUNDED;
  const askFor = maxRows + 1;
  /** a list the bound applies to: a read of rows that asks for more than the bound (or for all) */
  const bounded = (plan: Plan): plan is ReadPlan => plan.kind === 'read' && plan.batch === undefined && (plan.limit === undefined || plan.limit > maxRows);
  const tooMany = (key: string): PgduetError =>
    new PgduetError('PGD403', `the answer of "${key}" has more than ${maxRows} rows, the most one list may answer (graphql.maxRows)`, {
      hint: 'ask for fewer rows with limit or where, or page with limit and offset',
    });
  return {
    run: (inner) => async (plan) => {
      if (!bounded(plan)) return inner(plan);
      const rows = await inner({ ...plan, limit: askFor });
      if (Array.isArray(rows) && rows.length > maxRows) throw tooMany(plan.source.kind === 'entity' ? plan.source.entity.dbName : plan.source.fn.dbName);
      return rows;
    },
    runDocument: (inner) => async (fields) => {
      const capped: string[] = [];
      const asked: DocumentPlan = fields.map((field) => {
        if (field.single === true || !bounded(field.plan)) return field;
        capped.push(field.key);
        return { ...field, plan: { ...field.plan, limit: askFor } };
      });
      if (capped.length === 0) return inner(fields);
      const text = await inner(asked);
      // every row is at least `{}` and a comma: a shorter text cannot hold a list over the bound,
      // so ordinary answers are not parsed again
      if (text.length < 3 * askFor) return text;
      const document = JSON.parse(text) as Record<string, unknown>;
      for (const key of capped) {
        const rows = document[key];
        if (Array.isArray(rows) && rows.length > maxRows) throw tooMany(key);
      }
      return text;
    },
  };
}
