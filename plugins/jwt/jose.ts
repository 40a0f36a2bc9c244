import type * as Jose from 'jose';

let loaded: Promise<typeof Jose> | undefined;

/**
 * The jose package, imported by the first token (or key set) to verify: ~70 ms of module
 * loading (about 50 modules) that every start paid before, auth.jwt configured or not.
 */
export function loadJose(): Promise<typeof Jose> {
  loaded ??= import('jose');
  return loaded;
}
