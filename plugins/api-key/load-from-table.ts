import { quoteQualified } from '../../src/sql/index.js';
import { isStoredHash } from './hash.js';
import type { ApiKey } from './options.js';

/** Runs one statement and returns its rows (a `pg` pool's `query(...).rows`, an ExecuteEvent's `query`). */
export type ApiKeyQuery = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The table that holds keys: `schema.table`, or `table` in `public`. */
export interface ApiKeyTable {
  readonly name: string;
}

/** A row that was left out, and why (the row's id when it has one; never its hash). */
export interface InvalidApiKeyRow {
  readonly id: string | undefined;
  readonly reason: string;
}

/** The statement that reads the key table (columns cast, so that uuid ids and json sessions do too). */
export function apiKeyTableQuery(table: ApiKeyTable): string {
  const dot = table.name.indexOf('.');
  const [schema, name] = dot === -1 ? ['public', table.name] : [table.name.slice(0, dot), table.name.slice(dot + 1)];
  return (
    'select id::text as id, hash::text as hash, role::text as role, session::jsonb as session, ' +
    `revoked::boolean as revoked, expires_at::timestamptz as expires_at from ${quoteQualified(schema, name)} order by 1`
  );
}

/**
 * The keys of a table with the columns `id, hash, role, session (jsonb), revoked, expires_at`,
 * as the plugin checks them. A row that is not a usable key (no role, a hash that is not
 * `sha256:`/`scrypt:`, a session that is not an object of scalars) is left out and reported to
 * `onInvalidRow`; it is refused like an unknown key. A failing query rejects.
 */
export async function loadApiKeysFromTable(query: ApiKeyQuery, table: ApiKeyTable, onInvalidRow?: (row: InvalidApiKeyRow) => void): Promise<ApiKey[]> {
  const rows = await query(apiKeyTableQuery(table));
  const keys: ApiKey[] = [];
  for (const row of rows) {
    const key = apiKeyOfRow(row);
    if (typeof key === 'string') onInvalidRow?.({ id: typeof row['id'] === 'string' ? row['id'] : undefined, reason: key });
    else keys.push(key);
  }
  return keys;
}

/** The key of one row, or why it is not one. */
function apiKeyOfRow(row: Record<string, unknown>): ApiKey | string {
  const { id, hash, role, session, revoked, expires_at: expiresAt } = row;
  if (typeof id !== 'string' || id === '') return 'id is empty';
  if (typeof hash !== 'string' || !isStoredHash(hash)) return 'hash is not sha256:<hex> or scrypt:<salt hex>:<hash hex>';
  if (typeof role !== 'string' || role === '') return 'role is empty';
  if (revoked !== null && revoked !== undefined && typeof revoked !== 'boolean') return 'revoked is not a boolean';
  let sessionValues: Record<string, string | number | boolean> | undefined;
  if (session !== null && session !== undefined) {
    if (typeof session !== 'object' || Array.isArray(session)) return 'session is not a JSON object';
    const entries = Object.entries(session as Record<string, unknown>);
    if (!entries.every(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      return 'session values must be strings, numbers or booleans';
    }
    sessionValues = Object.fromEntries(entries) as Record<string, string | number | boolean>;
  }
  let expires: Date | string | undefined;
  if (expiresAt !== null && expiresAt !== undefined) {
    if (!(expiresAt instanceof Date) && typeof expiresAt !== 'string') return 'expires_at is not a timestamp';
    if (Number.isNaN(new Date(expiresAt).getTime())) return 'expires_at is not a timestamp';
    expires = expiresAt;
  }
  return {
    id,
    hash,
    role,
    ...(sessionValues === undefined ? {} : { session: sessionValues }),
    ...(revoked === true ? { revoked: true } : {}),
    ...(expires === undefined ? {} : { expiresAt: expires }),
  };
}
