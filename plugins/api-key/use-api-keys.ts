import type { PgduetPlugin } from '../../src/chain/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { invalidApiKey } from './errors.js';
import { apiKeyOptions, type ApiKey, type ApiKeyOptionsInput } from './options.js';
import { presentedApiKey } from './presented-key.js';
import { compileApiKeys, matchApiKey, ScryptMatchCache, type ApiKeyVerdict } from './verify-key.js';

/** Longer keys are refused without being hashed. */
const MAX_KEY_LENGTH = 4096;
const NO_KEYS: readonly ApiKey[] = [];

export interface ApiKeyDeps {
  /**
   * More keys, read on every request besides `options.keys`: a table's keys held by
   * `createApiKeyStore`, or any list the caller replaces (a revoked key is refused at once).
   */
  readonly keys?: () => readonly ApiKey[] | Promise<readonly ApiKey[]>;
  /** the clock, in ms (tests) */
  readonly now?: () => number;
  /** told of every refused key, with the key's id when it was found (never the key) */
  readonly onRefused?: (refusal: { readonly reason: Exclude<ApiKeyVerdict, { kind: 'valid' }>['reason'] | 'conflict' | 'too-long'; readonly keyId?: string }) => void;
}

/**
 * The API-key plugin: a key in the `apikey` header (or `Authorization: Bearer <key>` that is not
 * a JWT) must be one of the keys, neither revoked nor expired, and its role and session become
 * the identity. No key: the identity is left as it is. Any other key: 401 "Invalid API key".
 */
export function useApiKeys(options: ApiKeyOptionsInput, deps: ApiKeyDeps = {}): PgduetPlugin {
  const parsed = apiKeyOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length === 0 ? 'apiKeys' : `apiKeys.${i.path.map(String).join('.')}`}: ${i.message}`);
    throw new ConfigError('PGD001', issues.join('; '));
  }
  const config = parsed.data;
  const configured: readonly ApiKey[] = config.keys;
  const now = deps.now ?? Date.now;
  const cache = new ScryptMatchCache();
  const refuse = (reason: Parameters<NonNullable<ApiKeyDeps['onRefused']>>[0]) => {
    deps.onRefused?.(reason);
    return invalidApiKey();
  };

  return {
    name: 'api-key',
    description: 'verifies API keys (apikey header or a Bearer token that is not a JWT) against stored hashes and takes their role and session',
    async onRequest(event) {
      const presented = presentedApiKey(event.request.headers, config);
      if (presented.kind === 'none') return;
      if (presented.kind === 'conflict') throw refuse({ reason: 'conflict' });
      if (presented.key.length > MAX_KEY_LENGTH) throw refuse({ reason: 'too-long' });
      const provided = deps.keys === undefined ? NO_KEYS : await deps.keys();
      const keys = [...compileApiKeys(configured), ...compileApiKeys(provided)];
      const verdict = await matchApiKey(presented.key, keys, now(), cache);
      if (verdict.kind === 'invalid') throw refuse({ reason: verdict.reason });
      const { key, session } = verdict.key;
      event.setIdentity({ role: key.role, session, authenticated: true, subject: key.id, keyId: key.id });
    },
  };
}
