import { createHash } from 'node:crypto';
import pg from 'pg';
import type { CompiledQuery } from '../sql/index.js';
import { prepareValue } from './run-statement.js';

const pgTypes = pg.types;

/** What can run a statement: the pool (autocommit) or the request's transaction client. */
export interface StatementRunner {
  query(config: { name?: string | undefined; text: string; values?: unknown[]; types?: typeof JSON_AS_TEXT | undefined }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Statement texts are few (one per query shape: values are parameters), so each runs as a
 * named prepared statement: PostgreSQL parses and plans it once per connection instead of
 * on every request. The names are capped, so that a client sending ever new query shapes
 * cannot make every connection hold ever more prepared statements; past the cap, statements
 * run unnamed (parsed each time), as before.
 */
const MAX_PREPARED = 2000;
const preparedNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `pgduet_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** Runs a compiled statement and returns its one `result` column (the answer as JSON). */
export async function executeCompiled(db: StatementRunner, query: CompiledQuery, jsonAsText = false): Promise<unknown> {
  const row = await executeRow(db, query, jsonAsText);
  return row?.['result'] ?? null;
}

/** Runs a compiled statement and returns its first row (json and jsonb as text when asked). */
export async function executeRow(db: StatementRunner, query: CompiledQuery, jsonAsText = false): Promise<Record<string, unknown> | undefined> {
  // one object of one shape per statement (no spreads of optional parts)
  const { rows } = await db.query({ name: statementName(query.text), text: query.text, values: query.values as unknown[], types: jsonAsText ? JSON_AS_TEXT : undefined });
  return rows[0];
}

const JSON_OIDS = new Set([114, 3802]);
/** pg's type parsers, except json and jsonb, which stay the text PostgreSQL sent (no precision lost, no parse). */
const JSON_AS_TEXT = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    JSON_OIDS.has(oid) ? (value: string) => value : (pgTypes.getTypeParser as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown)(oid, format),
};

/**
 * Runs one multiplexed statement (sql/compile-multiplexed.ts): each cohort's values go in as
 * text, one array per parameter, the way `pg` would have sent them one by one. Returns each
 * row's cohort number and `result` (JSON as the text PostgreSQL wrote).
 */
export async function executeMultiplexed(db: StatementRunner, text: string, cohorts: readonly { readonly id: number; readonly values: readonly unknown[] }[], parameterCount: number): Promise<{ readonly cohort: number; readonly result: unknown }[]> {
  const ids = cohorts.map((c) => c.id);
  const columns = Array.from({ length: parameterCount }, (_v, i) => cohorts.map((c) => driverText(c.values[i])));
  const { rows } = await db.query({ name: statementName(text), text, values: [ids, ...columns], types: JSON_AS_TEXT });
  return rows.map((row) => ({ cohort: Number(row['cohort']), result: row['result'] ?? null }));
}


/** A parameter value as the text `pg` would send for it (arrays as array literals, dates in ISO form). */
function driverText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return null;
  return Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : String(prepared);
}
