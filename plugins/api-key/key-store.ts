import type { ApiKey } from './options.js';

/** The current list of keys from a loader (a table), replaced as a whole on each reload. */
export interface ApiKeyStore {
  /** the list as last loaded (empty before the first load); may start a background reload when it is old */
  keys(): readonly ApiKey[];
  /** loads the list now; on failure the previous list stays and the promise rejects */
  reload(): Promise<void>;
}

export interface ApiKeyStoreOptions {
  /** a list older than this is reloaded in the background when read; 0 or absent: only `reload()` */
  readonly maxAgeSeconds?: number;
  /** told of a background reload that failed (the previous list stays in use) */
  readonly onError?: (error: unknown) => void;
  /** the clock, in ms (tests) */
  readonly now?: () => number;
}

/**
 * A holder for keys that change at run time. Give `store.keys` to `useApiKeys` as its provider:
 * the plugin reads it on every request, so a key revoked in the table is refused as soon as a
 * reload has read it (call `reload()` on NOTIFY or on the server's reload; `maxAgeSeconds`
 * bounds the delay without one). Call `reload()` once at start-up.
 */
export function createApiKeyStore(load: () => Promise<readonly ApiKey[]>, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  const now = options.now ?? Date.now;
  const maxAgeMs = (options.maxAgeSeconds ?? 0) * 1000;
  let current: readonly ApiKey[] = [];
  let loadedAt: number | undefined;
  let pending: Promise<void> | undefined;

  const reload = (): Promise<void> => {
    // one load at a time: reloads asked for meanwhile share it
    pending ??= load()
      .then((keys) => {
        current = keys;
        loadedAt = now();
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  return {
    keys() {
      if (maxAgeMs > 0 && pending === undefined && (loadedAt === undefined || now() - loadedAt >= maxAgeMs)) {
        reload().catch((error: unknown) => options.onError?.(error));
      }
      return current;
    },
    reload,
  };
}
