import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Catalog } from './catalog.js';

/** What the catalog query needs of a connection: pg's Client and PoolClient both fit. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

const CATALOG_SQL = readFileSync(new URL('./catalog.sql', import.meta.url), 'utf8');

export interface IntrospectionResult {
  readonly catalog: Catalog;
  /** sha256 of the catalog text: changes exactly when the catalog changes. */
  readonly fingerprint: string;
}

/**
 * Runs the one catalog query for the exposed schemas.
 *
 * JIT is turned off for it: the recursive type walk makes the planner's row estimates huge,
 * and PostgreSQL then spends ~1 s compiling a query that runs in ~20 ms. The search_path is
 * pinned to pg_catalog so that printed expressions (defaults, checks) name their schema:
 * the same catalog then gives the same text, and fingerprint, on every connection.
 */
export async function introspect(db: Queryable, schemas: readonly string[]): Promise<IntrospectionResult> {
  await db.query('begin read only');
  try {
    // lock_timeout: the query locks every view (pg_relation_is_updatable); a migration holding
    // one must make this reload fail fast, not hang start-up and every reload after it.
    // (work_mem is left alone: raising it to 64MB made small catalogs 4x slower to plan and
    // run, ~110 ms instead of ~25 ms on Pagila, for a small gain at 10,000 tables.)
    await db.query(
      `select set_config('jit', 'off', true), set_config('search_path', 'pg_catalog', true),
              set_config('lock_timeout', '5s', true), set_config('statement_timeout', '120s', true)`,
    );
    const { rows } = await db.query<{ section: string; body: string }>(CATALOG_SQL, [schemas]);
    return assemble(rows);
  } finally {
    await db.query('commit');
  }
}

type Section = 'relations' | 'columns' | 'constraints' | 'functions' | 'types';
const SECTIONS: ReadonlySet<string> = new Set<Section>(['relations', 'columns', 'constraints', 'functions', 'types']);

/** The catalog from the query's parts, in their order; its fingerprint is a hash of all of them. */
function assemble(rows: readonly { readonly section: string; readonly body: string }[]): IntrospectionResult {
  const hash = createHash('sha256');
  let meta: Pick<Catalog, 'server_version_num' | 'schemas'> | undefined;
  const sections: Record<Section, unknown[]> = { relations: [], columns: [], constraints: [], functions: [], types: [] };
  for (const { section, body } of rows) {
    hash.update(section).update('\0').update(body).update('\0');
    if (section === 'meta') meta = JSON.parse(body) as Pick<Catalog, 'server_version_num' | 'schemas'>;
    else if (SECTIONS.has(section)) sections[section as Section].push(...(JSON.parse(body) as unknown[]));
    else throw new Error(`catalog query: unknown section "${section}"`);
  }
  if (meta === undefined) throw new Error('catalog query returned no row');
  const catalog = { ...meta, ...sections } as unknown as Catalog;
  return { catalog, fingerprint: hash.digest('hex').slice(0, 16) };
}

export function fingerprintOf(catalogText: string): string {
  return createHash('sha256').update(catalogText).digest('hex').slice(0, 16);
}
