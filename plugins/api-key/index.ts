export { useApiKeys, type ApiKeyDeps } from './use-api-keys.js';
export {
  apiKeyOptions,
  apiKeyEntry,
  type ApiKey,
  type ApiKeyOptions,
  type ApiKeyOptionsInput,
  type ApiKeyTableOptions,
} from './options.js';
export { hashApiKey, generateApiKey, parseStoredHash, isStoredHash, SCRYPT_PARAMS, type StoredHash } from './hash.js';
export { verifyApiKey, matchApiKey, compileApiKeys, ScryptMatchCache, type ApiKeyVerdict, type CompiledApiKey } from './verify-key.js';
export { presentedApiKey, type PresentedKey } from './presented-key.js';
export { loadApiKeysFromTable, apiKeyTableQuery, type ApiKeyQuery, type ApiKeyTable, type InvalidApiKeyRow } from './load-from-table.js';
export { createApiKeyStore, type ApiKeyStore, type ApiKeyStoreOptions } from './key-store.js';
export { invalidApiKey } from './errors.js';
export { apiKeyPlugin } from './plugin.js';
