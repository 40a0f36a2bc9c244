import { declarePlugin, type PgduetPlugin, type PluginDeps } from '../../src/chain/index.js';
import { createApiKeyStore } from './key-store.js';
import { loadApiKeysFromTable } from './load-from-table.js';
import { apiKeyOptions, type ApiKeyOptions } from './options.js';
import { useApiKeys } from './use-api-keys.js';

/** `auth.apiKeys`: API keys in the `apikey` header or `Authorization: Bearer`. */
export const apiKeyPlugin = declarePlugin({
  name: 'api-key',
  description: 'identifies the caller by an API key (auth.apiKeys)',
  configKey: 'auth.apiKeys',
  options: apiKeyOptions.optional(),
  create: apiKeys,
});

/** API keys from the config and, when configured, a table: re-read on every reload and on a timer. */
async function apiKeys(options: ApiKeyOptions, { query, logger }: PluginDeps): Promise<PgduetPlugin> {
  const table = options.table;
  if (table === undefined) return useApiKeys(options);
  const store = createApiKeyStore(
    () => loadApiKeysFromTable(query, table, (row) => logger.warn({ row }, 'auth.apiKeys.table: a row is not a valid key; skipped')),
    { maxAgeSeconds: table.refreshSeconds, onError: (error: unknown) => logger.error({ err: error }, 'auth.apiKeys.table: the keys could not be read; the previous list stays') },
  );
  await store.reload();
  return { ...useApiKeys(options, { keys: store.keys }), onReload: () => store.reload() };
}
