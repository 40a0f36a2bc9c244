import { declarePlugin, type ExecuteEvent, type PgduetPlugin } from '../../src/chain/index.js';
import { postgresRoleOptions, type PostgresRoleOptions } from './options.js';

export { postgresRoleOptions } from './options.js';
export type { PostgresRoleOptions } from './options.js';

/** Headers never copied into `request.headers`: credentials stay out of the database's settings. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'apikey', 'proxy-authorization']);

/**
 * The settings of a request's transaction, in one statement, before its own statements:
 * `set_config(…, true)` is `SET LOCAL`, so nothing outlives the transaction and a pooled
 * connection never carries one request's role into the next. Values are parameters; the role
 * name is checked by PostgreSQL (a role the server's login role may not become is refused).
 */
export function settingsStatement(event: Pick<ExecuteEvent, 'request' | 'identity'>, options: PostgresRoleOptions): { text: string; values: unknown[] } | undefined {
  const settings: [string, string][] = [];
  if (options.rls) {
    const role = Object.hasOwn(options.roles, event.identity.role) ? (options.roles[event.identity.role] as string) : event.identity.role;
    const headers = Object.fromEntries(
      Object.entries(event.request.headers)
        .filter(([name, value]) => value !== undefined && !SECRET_HEADERS.has(name))
        .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
    );
    settings.push(
      ['role', role],
      ['request.jwt.claims', JSON.stringify(event.identity.claims ?? { role: event.identity.role, ...event.identity.session })],
      ['request.headers', JSON.stringify(headers)],
      ['request.method', event.request.method ?? ''],
      ['request.path', event.request.path ?? ''],
      ['idle_in_transaction_session_timeout', String(options.idleInTransactionMs)],
    );
  }
  const timeouts = options.statementTimeoutMs;
  const timeout = timeouts === undefined ? undefined : (Object.hasOwn(timeouts.roles, event.identity.role) ? timeouts.roles[event.identity.role] : timeouts.default);
  if (timeout !== undefined) settings.push(['statement_timeout', String(timeout)]);
  if (settings.length === 0) return undefined;
  const values = settings.flat();
  const calls = settings.map((_s, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  return { text: `select ${calls.join(', ')}`, values };
}

/** PostgreSQL-native mode and statement timeouts, as an `onExecute` hook of the chain. */
export function usePostgresRole(options: PostgresRoleOptions): PgduetPlugin {
  return {
    name: 'postgres-role',
    description: 'runs each request as its database role with its claims (RLS), and per-role statement timeouts',
    // queued, not run: the settings go with the request's first statement, in one round trip
    onExecute: (event) => {
      const statement = settingsStatement(event, options);
      if (statement !== undefined) event.prepend(statement.text, statement.values);
    },
  };
}

/** `postgres`: PostgreSQL-native mode (SET LOCAL ROLE, request.jwt.claims) and statement timeouts per role. */
export const postgresRolePlugin = declarePlugin({
  name: 'postgres-role',
  description: 'runs each request as its database role with its claims (RLS), and per-role statement timeouts (postgres)',
  configKey: 'postgres',
  options: postgresRoleOptions.optional(),
  // the database role is the caller's: after identity
  after: ['api-key', 'jwt'],
  create: (options) => usePostgresRole(options),
});
